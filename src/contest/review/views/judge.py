"""The judge's workspace under /judge/: rounds, assigned entries, the score form, recusal and the
watermarked business plan.

A judge reaches only their own assignments in rounds that have opened; any other round, entry or
code answers 404 (``selectors.assignment_for_judge``). What an entry shows is decided by
``selectors.judge_entry_view`` (blind or open round); the templates receive that view and never
the entry itself. Writes go through ``services.save_sheet`` and ``services.recuse_from_assignment``.
"""

from __future__ import annotations

import logging
from decimal import Decimal

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_safe

from contest.accounts.forms import ServiceErrorsMixin
from contest.core.errors import Closed, Conflict, ContestError
from contest.core.forms import HardenedForm
from contest.core.inputs import local
from contest.core.uploads import upload_response
from contest.core.views import actor
from contest.registration.validators import MAX_PDF_BYTES
from contest.review import selectors, services
from contest.review.aggregation import quantize
from contest.review.enums import RoundStatus
from contest.review.models import Assignment, ReviewRound, ScoreSheet, criterion_label
from contest.review.watermark import PlanTooLarge, PlanUnreadable, stamp_text, watermarked_plan

log = logging.getLogger(__name__)

STATE_LABELS = {
    "pending": gettext_lazy("未评"),
    "draft": gettext_lazy("草稿"),
    "submitted": gettext_lazy("已提交"),
}
ROUND_LABELS = {
    RoundStatus.OPEN: gettext_lazy("评审中"),
    RoundStatus.CLOSED: gettext_lazy("评审结束"),
    RoundStatus.PUBLISHED: gettext_lazy("结果已发布"),
}


def _assignment_or_404(request: HttpRequest, round_pk: int, code: str) -> Assignment:
    assignment = selectors.assignment_for_judge(request.user, round_id=round_pk, code=code)
    if assignment is None:
        raise Http404("no such assignment of yours")
    return assignment


def _closes_line(round_: ReviewRound) -> str:
    if round_.closes_at is None:
        return _("截止时间待组织方公布")
    when = local(round_.closes_at).strftime("%Y-%m-%d %H:%M")
    return _("评审截止：%(time)s（北京时间）") % {"time": when}


def _phase(round_: ReviewRound) -> str:
    """Why the sheet cannot be changed now, or '' when it can."""
    try:
        services.ensure_round_open(round_)
    except Closed:
        if round_.status == RoundStatus.PUBLISHED:
            return _("本轮结果已发布，评分不能再修改。")
        if round_.status == RoundStatus.CLOSED:
            return _("本轮评审已结束，评分不能再修改。")
        now = timezone.now()
        if round_.opens_at and now < round_.opens_at:
            when = local(round_.opens_at).strftime("%Y-%m-%d %H:%M")
            return _("评审尚未开始，%(time)s（北京时间）开始。") % {"time": when}
        return _("评审已截止，评分不能再修改。")
    return ""


def _number(value) -> str:
    """A Decimal as typed by a person: 25, 17.5 (no exponent, no trailing zeros)."""
    if value in (None, ""):
        return ""
    d = Decimal(str(value))
    text = format(d, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


# -- the score form --------------------------------------------------------------------------------


class ScoreForm(HardenedForm, ServiceErrorsMixin, forms.Form):
    """One input per rubric criterion (``score-<code>``), the comment and the sheet's version.
    Every field is optional here; ``services.save_sheet`` decides and names the field it refuses."""

    comment = forms.CharField(
        label=gettext_lazy("评语"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5, "maxlength": 3000}),
    )
    version = forms.IntegerField(required=False, widget=forms.HiddenInput)

    def __init__(self, *args, round: ReviewRound, disabled: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.criteria = services.rubric_of(round)
        for c in self.criteria:
            attrs = {
                "inputmode": "decimal",
                "min": "0",
                "max": _number(c.max_score),
                "step": "0.5",
                "data-max": _number(c.max_score),
                "data-weight": _number(c.weight),
                "class": "score-input",
                "autocomplete": "off",
            }
            label = _("%(name)s（0–%(max)s 分）") % {
                "name": criterion_label(c.name),
                "max": _number(c.max_score),
            }
            self.fields[f"score-{c.code}"] = forms.CharField(
                label=label, required=False, widget=forms.NumberInput(attrs=attrs), disabled=disabled
            )
        self.fields["comment"].disabled = disabled
        self.order_fields([f"score-{c.code}" for c in self.criteria] + ["comment", "version"])

    def score_fields(self):
        return [self[f"score-{c.code}"] for c in self.criteria]

    def raw_scores(self) -> dict[str, str]:
        return {c.code: (self.data.get(f"score-{c.code}") or "").strip() for c in self.criteria}

    def expected_version(self) -> int:
        try:
            return int(self.data.get("version") or 0)
        except ValueError:
            return 0

    def apply_errors(self, exc: ContestError, **kwargs) -> None:
        aliases = {c.code: f"score-{c.code}" for c in self.criteria}
        super().apply_errors(exc, aliases=aliases)


def _initial(sheet: ScoreSheet | None) -> dict:
    if sheet is None:
        return {"version": 1}
    initial = {f"score-{code}": _number(value) for code, value in sheet.scores.items()}
    return {**initial, "comment": sheet.comment, "version": sheet.version}


# -- pages -------------------------------------------------------------------------------------------------


@never_cache
@login_required
@require_safe
def home(request: HttpRequest) -> HttpResponse:
    rows = [
        {
            "progress": p,
            "status": ROUND_LABELS.get(p.round.status, p.round.get_status_display()),
            "closes": _closes_line(p.round),
        }
        for p in selectors.rounds_for_judge(request.user)
    ]
    return render(request, "review/judge_home.html", {"rows": rows, "section": "judge"})


@never_cache
@login_required
@require_safe
def round_detail(request: HttpRequest, round_pk: int) -> HttpResponse:
    round_ = selectors.round_for_judge(request.user, round_pk)
    if round_ is None:
        raise Http404("no such round of yours")
    assignments = list(selectors.assignments_for_judge(request.user, round_))
    rows = []
    for a in assignments:
        state = selectors.sheet_state(a)
        sheet = selectors.sheet_of(a)
        rows.append(
            {
                "code": a.round_entry.code,
                "title": selectors.judge_title(a),
                "industry": a.round_entry.entry.get_industry_display(),
                "state": state,
                "state_label": STATE_LABELS[state],
                "total": quantize(sheet.total, round_.places) if sheet and sheet.total is not None else None,
            }
        )
    submitted = sum(1 for r in rows if r["state"] == "submitted")
    context = {
        "round": round_,
        "rows": rows,
        "submitted": submitted,
        "status": ROUND_LABELS.get(round_.status, round_.get_status_display()),
        "closes": _closes_line(round_),
        "phase": _phase(round_),
        "section": "judge",
    }
    return render(request, "review/judge_round.html", context)


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def entry(request: HttpRequest, round_pk: int, code: str) -> HttpResponse:
    assignment = _assignment_or_404(request, round_pk, code)
    round_ = assignment.round
    phase = _phase(round_)
    sheet = selectors.sheet_of(assignment)
    state = selectors.sheet_state(assignment)
    conflict = False
    if request.method == "POST":
        form = ScoreForm(request.POST, round=round_)
        form.is_valid()
        # a submitted sheet stays complete: changing it is always a re-submission
        submit = request.POST.get("action") == "submit" or state == "submitted"
        try:
            services.save_sheet(
                by=actor(request),
                assignment=assignment,
                scores=form.raw_scores(),
                comment=form.data.get("comment", ""),
                submit=submit,
                expected_version=form.expected_version(),
            )
        except ContestError as exc:
            form.apply_errors(exc)
            stored = (
                ScoreSheet.objects.filter(assignment=assignment).values_list("version", flat=True).first()
            )
            if isinstance(exc, Conflict) and stored is not None:
                # another window saved first: keep what was typed; saving again overwrites deliberately
                conflict = True
                form.data = form.data.copy()
                form.data["version"] = str(stored)
            if _phase(round_):
                for name in form.fields:
                    form.fields[name].widget.attrs["disabled"] = True
        else:
            if submit:
                messages.success(request, _("评分已提交。"))
            else:
                saved_at = timezone.localtime().strftime("%H:%M:%S")
                messages.success(request, _("草稿已保存（%(time)s）。") % {"time": saved_at})
            return redirect("judge:entry", round_pk=round_.pk, code=code)
    else:
        form = ScoreForm(initial=_initial(sheet), round=round_, disabled=bool(phase))
    view = selectors.judge_entry_view(assignment)
    following = selectors.next_pending(request.user, assignment) if state == "submitted" else None
    context = {
        "round": round_,
        "view": view,
        "form": form,
        "sheet": sheet,
        "state": state,
        "state_label": STATE_LABELS[state],
        "total": quantize(sheet.total, round_.places) if sheet and sheet.total is not None else None,
        "phase": phase,
        "conflict": conflict,
        "peers": _peer_rows(selectors.peer_sheets(assignment), form.criteria, round_.places),
        "criteria": form.criteria,
        "next": following,
        "closes": _closes_line(round_),
        "status": ROUND_LABELS.get(round_.status, round_.get_status_display()),
        "plan_size": _size_label(view.plan_size),
        "can_recuse": not phase and state != "submitted",
        "section": "judge",
    }
    return render(request, "review/judge_entry.html", context)


def _peer_rows(peers, criteria, places: int) -> list[dict] | None:
    if peers is None:
        return None
    return [
        {
            "label": p.label,
            "values": [(criterion_label(c.name), _number(p.scores.get(c.code))) for c in criteria],
            "total": quantize(p.total, places) if p.total is not None else None,
        }
        for p in peers
    ]


class RecuseForm(HardenedForm, ServiceErrorsMixin, forms.Form):
    reason = forms.CharField(
        label=gettext_lazy("回避原因"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4, "maxlength": 300}),
        help_text=gettext_lazy("例如：与参赛主体有投资、任职、亲属或合作关系。组织方可以看到这段说明。"),
    )


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def recuse(request: HttpRequest, round_pk: int, code: str) -> HttpResponse:
    assignment = _assignment_or_404(request, round_pk, code)
    form = RecuseForm(request.POST or None)
    if request.method == "POST":
        form.is_valid()
        try:
            services.recuse_from_assignment(
                by=actor(request), assignment=assignment, reason=form.data.get("reason", "")
            )
        except ContestError as exc:
            form.apply_errors(exc)
        else:
            messages.success(
                request, _("已申报回避：项目 %(code)s 已从您的评审任务中移除。") % {"code": code}
            )
            if selectors.round_for_judge(request.user, round_pk) is None:  # that was the last one
                return redirect("judge:home")
            return redirect("judge:round", round_pk=round_pk)
    context = {
        "round": assignment.round,
        "code": assignment.round_entry.code,
        "form": form,
        "section": "judge",
    }
    return render(request, "review/judge_recuse.html", context)


@login_required
@require_safe
def plan(request: HttpRequest, round_pk: int, code: str) -> HttpResponse:
    """The business plan, inline, to the assigned judge only: stamped with the judge's name and
    phone tail on every page, without any of the original's metadata, under a neutral name."""
    assignment = _assignment_or_404(request, round_pk, code)
    entry_ = assignment.round_entry.entry
    if not entry_.business_plan:
        raise Http404("no business plan")
    expert = assignment.expert
    try:
        if entry_.business_plan.size > MAX_PDF_BYTES:  # from the storage, before anything is read
            raise PlanTooLarge(_("文件超过 20 MB 上限。"))
        with entry_.business_plan.open("rb") as f:
            data = f.read()
        body = watermarked_plan(
            data, judge_key=f"expert:{expert.pk}", text=stamp_text(expert.name, expert.phone)
        )
    except FileNotFoundError:
        raise Http404("plan file missing") from None
    except PlanTooLarge as exc:
        # Stored before the upload limits: refused at once rather than stamped at any cost.
        log.warning("business plan of round entry %s is beyond the limits", assignment.round_entry_id)
        message = _("该项目的商业计划书超出平台限制，无法生成评审副本：%(reason)s 请联系组织方。") % {
            "reason": exc.message
        }
        return HttpResponse(message, status=422, content_type="text/plain; charset=utf-8")
    except PlanUnreadable:
        log.warning("business plan of round entry %s cannot be read", assignment.round_entry_id)
        raise Http404("plan unreadable") from None
    return upload_response(body, content_type="application/pdf", filename=selectors.plan_filename(assignment))


def _size_label(size: int | None) -> str:
    if not size:
        return ""
    if size >= 1024 * 1024:
        return f"{size / 1024 / 1024:.1f} MB"
    return f"{max(1, round(size / 1024))} KB"
