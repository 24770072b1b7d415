"""Registration over the API: the entrant's profile and entries, and the organizer's review.

Every write calls ``registration.services`` — the same functions the pages call — so windows,
permissions, the transition table and the audit trail hold on every path. State changes are
action endpoints (``POST /me/entries/{id}/submit``), never a write to ``status``. Anything the
caller may not see answers 404, whether it exists or not.
"""

from django.db.models import QuerySet
from django.http import HttpRequest
from ninja import File, Path, Query, Router, Schema, Status, UploadedFile
from ninja.pagination import LimitOffsetPagination, paginate

from contest.accounts.api_auth import api_auth, current_user
from contest.catalog.enums import Tier
from contest.catalog.models import Event
from contest.catalog.schemas import ID_MAX, OFFSET_MAX
from contest.core.api import ErrorOut, Integer, Invalid, integer, refusals_as_field_errors
from contest.core.errors import NotFound, ValidationFailed
from contest.registration import selectors, services, validators
from contest.registration.models import Enterprise, Entry, MakerTeam, Submission
from contest.registration.schemas import (
    AnyEnterpriseOut,
    AnyTeamOut,
    CommentIn,
    EnterpriseIn,
    EntryCreateIn,
    EntryOut,
    EntryQuery,
    EntrySummaryOut,
    EntryUpdateIn,
    ReasonIn,
    ReceiptOut,
    RequiredReasonIn,
    TeamIn,
)

router = Router(tags=["registration"], auth=api_auth)

UNAUTHENTICATED = {401: ErrorOut}
READ = {**UNAUTHENTICATED, 404: ErrorOut, 422: Invalid}
#: Writes may also meet a body that is not JSON (400), a CSRF refusal or a refused permission (403),
#: a conflict or a closed window (409).
WRITE = {**READ, 400: ErrorOut, 403: ErrorOut, 409: ErrorOut}

ENTRY_ID = Path(..., ge=1, le=ID_MAX, description="项目编号")
EVENT_ID = Path(..., ge=1, le=ID_MAX, description="赛事编号")


class EntryPagination(LimitOffsetPagination):
    class Input(Schema):
        limit: integer(ge=1, le=200, description="每页条数，默认 50，最多 200") = 50
        offset: integer(ge=0, le=OFFSET_MAX, description="跳过的条数") = 0


# -- reads: the organizer's side goes through the tenancy selector -----------------------------------

ENTRY_RELATED = ("edition", "event", "group", "enterprise", "team")


def _entries() -> QuerySet[Entry]:
    return Entry.objects.select_related(*ENTRY_RELATED)


def _own_entry(user, entry_id: int) -> Entry:
    entry = _entries().filter(pk=entry_id, owner=user).first()
    if entry is None:
        raise NotFound("未找到该项目。", field="id", code="entry_not_found")
    return entry


def _visible_entry(user, entry_id: int) -> Entry:
    """Its owner, and whoever's scope (``selectors.entries_for_user``) holds it; to anyone else
    it does not exist."""
    entry = _entries().filter(pk=entry_id, owner=user).first()
    if entry is None:
        entry = selectors.entries_for_user(user).select_related(*ENTRY_RELATED).filter(pk=entry_id).first()
    if entry is None:
        raise NotFound("未找到该项目。", field="id", code="entry_not_found")
    return entry


def _manageable_event(user, event_id: int) -> Event:
    event = selectors.event_for_user(user, event_id)
    if event is None:
        raise NotFound(f"没有编号为 {event_id} 的赛事。", field="event_id", code="event_not_found")
    return event


def profile_is_overseas(profile: Enterprise | MakerTeam) -> bool:
    return profile.is_overseas


def _fresh(entry: Entry) -> Entry:
    return _entries().get(pk=entry.pk)


# -- the entrant's profile ------------------------------------------------------------------------


@router.get("/me/enterprise", response={200: AnyEnterpriseOut, **READ}, summary="我的企业信息")
def get_my_enterprise(request: HttpRequest):
    enterprise = Enterprise.objects.select_related("division").filter(owner=current_user(request)).first()
    if enterprise is None:
        raise NotFound("还没有填写企业信息。", code="enterprise_not_found")
    return enterprise


@router.put(
    "/me/enterprise",
    response={200: AnyEnterpriseOut, **WRITE},
    summary="填写或修改企业信息",
    description="信用代码、手机号、日期、金额由服务校验；有误时答 422，`fields` 列出每个字段的问题。"
    "境外企业：country 填 ISO 3166-1 代码（非 CN），并填 registration_number、name_translated、address。",
)
@refusals_as_field_errors
def put_my_enterprise(request: HttpRequest, payload: EnterpriseIn):
    return services.save_enterprise(by=current_user(request), data=payload.model_dump(mode="json"))


@router.get("/me/team", response={200: AnyTeamOut, **READ}, summary="我的创客团队")
def get_my_team(request: HttpRequest):
    team = MakerTeam.objects.select_related("division").filter(owner=current_user(request)).first()
    if team is None:
        raise NotFound("还没有填写创客团队信息。", code="team_not_found")
    return team


@router.put("/me/team", response={200: AnyTeamOut, **WRITE}, summary="填写或修改创客团队")
@refusals_as_field_errors
def put_my_team(request: HttpRequest, payload: TeamIn):
    data = payload.model_dump(mode="json")
    members = data.pop("members")
    return services.save_team(by=current_user(request), data=data, members=members)


# -- the entrant's entries -----------------------------------------------------------------------------


@router.get("/me/entries", response={200: list[EntrySummaryOut], **UNAUTHENTICATED}, summary="我的项目")
def list_my_entries(request: HttpRequest):
    return _entries().filter(owner=current_user(request)).order_by("-created_at", "-id")


@router.post("/me/entries", response={201: EntryOut, **WRITE}, summary="新建项目草稿")
@refusals_as_field_errors
def create_my_entry(request: HttpRequest, payload: EntryCreateIn):
    event = Event.objects.filter(pk=payload.event_id).first()
    if event is None:
        raise NotFound(f"没有编号为 {payload.event_id} 的赛事。", field="event_id", code="event_not_found")
    user = current_user(request)
    profile = selectors.entrant_profile(user, payload.group)
    overseas = event.tier == Tier.OVERSEAS_FINAL or (profile is not None and profile_is_overseas(profile))
    if profile is not None and not overseas and not selectors.may_enter(event, profile.division):
        # the same rule as the entry form: the entrant's own regional event, or a thematic one
        raise ValidationFailed(
            f"不能报名“{event.name}”：只能报名企业（团队）登记地的区域赛，或面向全国的专题赛。",
            field="event_id",
        )
    data = payload.model_dump(mode="json", exclude_unset=True, exclude={"event_id", "group", "zone"})
    # the overseas event and overseas entrants: the service's rule (overseas only, a station)
    entry = services.create_entry(
        by=user, event=event, group_code=payload.group, data=data, zone=payload.zone
    )
    return Status(201, _fresh(entry))


@router.get("/me/entries/{id}", response={200: EntryOut, **READ}, summary="我的一个项目")
def get_my_entry(request: HttpRequest, id: Integer = ENTRY_ID):
    return _own_entry(current_user(request), id)


@router.put(
    "/me/entries/{id}",
    response={200: EntryOut, **WRITE},
    summary="修改项目（草稿或退回修改的项目）",
    description="只改动传入的字段。带上 `expected_version` 时，若项目已在别处被修改则答 409。",
)
@refusals_as_field_errors
def update_my_entry(request: HttpRequest, payload: EntryUpdateIn, id: Integer = ENTRY_ID):
    user = current_user(request)
    entry = _own_entry(user, id)
    data = payload.model_dump(mode="json", exclude_unset=True, exclude={"expected_version"})
    entry = services.update_entry(by=user, entry=entry, data=data, expected_version=payload.expected_version)
    return _fresh(entry)


@router.post(
    "/me/entries/{id}/business-plan",
    response={200: EntryOut, **WRITE},
    summary="上传商业计划书（PDF，≤ 20 MB）",
    description="multipart/form-data，字段名 `file`。文件须是完整可读的 PDF；否则答 422 并说明原因。",
)
@refusals_as_field_errors
def upload_business_plan(request: HttpRequest, file: File[UploadedFile], id: Integer = ENTRY_ID):
    user = current_user(request)
    entry = _own_entry(user, id)
    # The proxy bounds the request body (docs/deployment.md); the declared size is refused here
    # before the bytes are read, and the service judges size, type, pages and integrity.
    validators.refuse_large_pdf(file.size)
    data = file.read(validators.MAX_PDF_BYTES + 1)
    entry = services.update_entry(by=user, entry=entry, data={}, business_plan=(file.name or "", data))
    return _fresh(entry)


@router.post(
    "/me/entries/{id}/submit",
    response={200: ReceiptOut, **WRITE},
    summary="提交项目，取得回执",
    description="回执含编号、提交时间（北京时间）、内容与文件的 SHA-256。报名截止后答 409。",
)
@refusals_as_field_errors
def submit_my_entry(request: HttpRequest, id: Integer = ENTRY_ID):
    user = current_user(request)
    submission = services.submit_entry(by=user, entry=_own_entry(user, id))
    return Submission.objects.select_related("entry").get(pk=submission.pk)


@router.post("/me/entries/{id}/withdraw", response={200: EntryOut, **WRITE}, summary="撤回项目")
@refusals_as_field_errors
def withdraw_my_entry(request: HttpRequest, payload: ReasonIn, id: Integer = ENTRY_ID):
    user = current_user(request)
    entry = services.withdraw_entry(by=user, entry=_own_entry(user, id), reason=payload.reason)
    return _fresh(entry)


# -- the organizer's side ----------------------------------------------------------------------------


@router.get(
    "/events/{event_id}/entries",
    response={200: list[EntrySummaryOut], **READ},
    summary="一场赛事的报名项目（组织方、秘书处）",
)
@paginate(EntryPagination)
def list_event_entries(request: HttpRequest, filters: Query[EntryQuery], event_id: Integer = EVENT_ID):
    user = current_user(request)
    event = _manageable_event(user, event_id)
    flt = selectors.EntryFilter(
        group=filters.group, status=filters.status, industry=filters.industry, division=filters.division,
        q=filters.q,
    )  # fmt: skip
    entries = selectors.apply_filter(selectors.entries_for_user(user, event=event), flt)
    return entries.select_related(*ENTRY_RELATED).order_by("-created_at", "-id")


@router.get("/entries/{id}", response={200: EntryOut, **READ}, summary="一个项目（报名人、组织方、秘书处）")
def get_entry(request: HttpRequest, id: Integer = ENTRY_ID):
    return _visible_entry(current_user(request), id)


@router.post("/entries/{id}/qualify", response={200: EntryOut, **WRITE}, summary="资格审查通过")
@refusals_as_field_errors
def qualify_entry(request: HttpRequest, payload: ReasonIn, id: Integer = ENTRY_ID):
    user = current_user(request)
    entry = services.qualify_entry(by=user, entry=_visible_entry(user, id), reason=payload.reason)
    return _fresh(entry)


@router.post("/entries/{id}/return", response={200: EntryOut, **WRITE}, summary="退回修改（写明修改意见）")
@refusals_as_field_errors
def return_entry(request: HttpRequest, payload: CommentIn, id: Integer = ENTRY_ID):
    user = current_user(request)
    entry = services.return_entry(by=user, entry=_visible_entry(user, id), comment=payload.comment)
    return _fresh(entry)


@router.post(
    "/entries/{id}/disqualify", response={200: EntryOut, **WRITE}, summary="资格审查不通过（写明原因）"
)
@refusals_as_field_errors
def disqualify_entry(request: HttpRequest, payload: RequiredReasonIn, id: Integer = ENTRY_ID):
    user = current_user(request)
    entry = services.disqualify_entry(by=user, entry=_visible_entry(user, id), reason=payload.reason)
    return _fresh(entry)


@router.post(
    "/entries/{id}/reopen", response={200: EntryOut, **WRITE}, summary="撤销审查结论，重新审查（写明理由）"
)
@refusals_as_field_errors
def reopen_entry(request: HttpRequest, payload: RequiredReasonIn, id: Integer = ENTRY_ID):
    user = current_user(request)
    entry = services.reopen_entry(by=user, entry=_visible_entry(user, id), reason=payload.reason)
    return _fresh(entry)
