"""Entrant forms: enterprise and maker-team profiles, new entry, the entry itself, withdrawal.

The forms render and collect; the services validate and decide (their ``FieldErrors`` keys
are the field names used here: ``finances-2-revenue``, ``members-3-phone`` …). Every field
is optional at the form level so a draft can be saved half-filled, and every error page
re-renders exactly what was typed.
"""

from __future__ import annotations

import re
from typing import Any

from django import forms
from django.core.files.uploadedfile import UploadedFile
from django.utils.translation import gettext_lazy as _

from contest.accounts.forms import ServiceErrorsMixin
from contest.catalog.countries import MAINLAND, country_choices
from contest.catalog.models import Division
from contest.core.errors import ContestError, FieldErrors, ValidationFailed
from contest.core.forms import HardenedForm
from contest.registration import validators
from contest.registration.enums import Industry, SmeStatus
from contest.registration.models import Entry
from contest.registration.models.entrant import IdType

FINANCE_ROWS = 3
IP_ROWS = 3
MIN_MEMBER_ROWS = 5
MAX_MEMBER_ROWS = 30
MEMBER_KEYS = ("name", "role", "phone", "affiliation")
OVERSEAS_MEMBER_KEYS = (*MEMBER_KEYS, "nationality", "id_type", "id_number")
IP_KINDS = [
    ("", _("请选择")),
    ("发明专利", _("发明专利")),
    ("实用新型专利", _("实用新型专利")),
    ("外观设计专利", _("外观设计专利")),
    ("软件著作权", _("软件著作权")),
    ("商标", _("商标")),
    ("其他", _("其他")),
]


def _text(attrs: dict[str, Any] | None = None, **kwargs) -> forms.TextInput:
    return forms.TextInput(attrs={**(attrs or {}), **kwargs})


def _select(label, choices=(), **kwargs) -> forms.CharField:
    """A select that never fails form validation: the service judges the value and says why."""
    return forms.CharField(label=label, required=False, widget=forms.Select(choices=choices), **kwargs)


def _tel(label) -> forms.CharField:
    return forms.CharField(
        label=label,
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )


class EntrantForm(HardenedForm, ServiceErrorsMixin, forms.Form):
    """All fields optional here; ``raw`` returns what was typed, for the service."""

    use_required_attribute = False

    def raw(self, name: str) -> str:
        return str(self.data.get(name, "") if self.is_bound else self.initial.get(name, "") or "")


# -- enterprise ---------------------------------------------------------------------------------


class EnterpriseForm(EntrantForm):
    name = forms.CharField(label=_("企业名称"), required=False, widget=_text(autocomplete="organization"))
    credit_code = forms.CharField(
        label=_("统一社会信用代码"),
        required=False,
        help_text=_("18 位，见营业执照。第 3–8 位是登记机关的行政区划代码，用来确定您参加哪个区域赛。"),
        widget=_text(autocapitalize="characters", spellcheck="false", autocomplete="off", inputmode="latin"),
    )
    # Rendered by hand next to the derived division; its value is the division code shown.
    confirm_division = forms.CharField(label=_("登记地确认"), required=False)
    founded_on = forms.CharField(
        label=_("成立日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    registered_capital = forms.CharField(
        label=_("注册资本（万元）"), required=False, widget=_text(inputmode="decimal")
    )
    employees = forms.CharField(label=_("从业人数"), required=False, widget=_text(inputmode="numeric"))
    revenue_last_year = forms.CharField(
        label=_("上年营业收入（万元）"), required=False, widget=_text(inputmode="decimal")
    )
    is_listed = forms.BooleanField(label=_("已在境内外证券交易所上市"), required=False)
    industry = _select(_("所属行业"), [("", _("请选择行业门类")), *Industry.choices])
    sme_status = _select(_("专精特新情况"), SmeStatus.choices)
    contact_name = forms.CharField(label=_("联系人"), required=False, widget=_text(autocomplete="name"))
    contact_phone = _tel(_("联系人手机"))

    def service_data(self, *, derived_division_code: str | None) -> dict[str, Any]:
        """What was typed; the division counts as confirmed only for the division that was shown."""
        data = {name: self.raw(name) for name in self.fields if name not in ("is_listed", "confirm_division")}
        data["is_listed"] = bool(self.data.get("is_listed"))
        confirmed = self.data.get("confirm_division", "")
        data["division_confirmed"] = bool(derived_division_code) and confirmed == derived_division_code
        return data


# -- maker team -----------------------------------------------------------------------------------


class TeamForm(EntrantForm):
    name = forms.CharField(label=_("团队名称"), required=False)
    leader_name = forms.CharField(label=_("负责人姓名"), required=False, widget=_text(autocomplete="name"))
    leader_phone = _tel(_("负责人手机"))
    province = _select(_("所在省份"))
    city = _select(
        _("所在城市"), help_text=_("计划单列市（大连、宁波、厦门、青岛、深圳）有自己的区域赛，请选到城市。")
    )
    declares_not_enterprise = forms.BooleanField(
        label=_("我声明：本团队尚未注册企业，且不是企业的内部项目或企业组建的团队。"), required=False
    )

    def __init__(self, *args, provinces: list[Division], cities: list[Division], **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["province"].widget.choices = [
            ("", _("请选择省份")),
            *((p.code, p.name) for p in provinces),
        ]
        by_province: dict[str, list[tuple[str, str]]] = {}
        names = {p.pk: p.name for p in provinces}
        for city in cities:
            by_province.setdefault(names.get(city.parent_id, ""), []).append((city.code, city.name))
        self.fields["city"].widget.choices = [("", _("请选择城市（直辖市不用选）")), *by_province.items()]
        self.cities = {c.code: c for c in cities}
        self.provinces = {p.code: p for p in provinces}
        self.province_codes_with_cities = {c.parent.code for c in cities if c.parent_id in names}

    def division_code(self) -> tuple[str, str | None]:
        """(code for the service, an error for the city field or None)."""
        province, city = self.raw("province"), self.raw("city")
        if city:
            found = self.cities.get(city)
            if found is None or (province and found.parent.code != province):
                return "", str(_("所选城市不属于所选省份，请重新选择。"))
            return city, None
        if province and province in self.province_codes_with_cities:
            return "", str(_("请选择所在城市。"))
        return province, None

    def service_data(self) -> dict[str, Any]:
        data = {name: self.raw(name) for name in ("name", "leader_name", "leader_phone")}
        data["declares_not_enterprise"] = bool(self.data.get("declares_not_enterprise"))
        data["division"] = self.division_code()[0]
        return data


class OverseasEnterpriseForm(EntrantForm):
    """An enterprise registered outside the mainland (incl. 香港、澳门、台湾)."""

    country = _select(_("注册国家或地区"))
    name = forms.CharField(
        label=_("企业名称（原文）"),
        required=False,
        help_text=_("按注册证书上的文字填写，例如 Müller Technik GmbH、株式会社山田製作所。"),
        widget=_text(autocomplete="organization"),
    )
    name_translated = forms.CharField(label=_("企业中文或英文名称"), required=False)
    registration_number = forms.CharField(
        label=_("注册号"),
        required=False,
        help_text=_("所在国家或地区登记机关签发的注册号，例如 HRB 123456、201912345K。"),
        widget=_text(spellcheck="false", autocomplete="off"),
    )
    address = forms.CharField(
        label=_("注册地址"), required=False, widget=_text(autocomplete="street-address")
    )
    founded_on = forms.CharField(
        label=_("成立日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    employees = forms.CharField(label=_("员工人数"), required=False, widget=_text(inputmode="numeric"))
    revenue_last_year = forms.CharField(
        label=_("上年营业收入（折合人民币万元，选填）"), required=False, widget=_text(inputmode="decimal")
    )
    is_listed = forms.BooleanField(label=_("已在证券交易所上市"), required=False)
    industry = _select(_("所属行业"), [("", _("请选择行业门类")), *Industry.choices])
    contact_name = forms.CharField(label=_("联系人"), required=False, widget=_text(autocomplete="name"))
    contact_phone = forms.CharField(
        label=_("联系人手机"),
        required=False,
        help_text=_("任何国家或地区的手机号，请带国家代码，例如 +49 1512 3456789。"),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].widget.choices = [
            ("", _("请选择")),
            *country_choices(exclude=(MAINLAND,)),
        ]

    def service_data(self) -> dict[str, Any]:
        data = {name: self.raw(name) for name in self.fields if name != "is_listed"}
        data["is_listed"] = bool(self.data.get("is_listed"))
        return data


class OverseasTeamForm(EntrantForm):
    """A team based outside the mainland: a country instead of a province and city."""

    name = forms.CharField(label=_("团队名称"), required=False)
    country = _select(_("团队所在国家或地区"))
    leader_name = forms.CharField(label=_("负责人姓名"), required=False, widget=_text(autocomplete="name"))
    leader_phone = forms.CharField(
        label=_("负责人手机"),
        required=False,
        help_text=_("任何国家或地区的手机号，请带国家代码，例如 +65 8123 4567。"),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel", "inputmode": "tel"}),
    )
    declares_not_enterprise = forms.BooleanField(
        label=_("我声明：本团队尚未注册企业，且不是企业的内部项目或企业组建的团队。"), required=False
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["country"].widget.choices = [("", _("请选择")), *country_choices(exclude=(MAINLAND,))]
        self.nationality_choices = [("", _("请选择")), *country_choices()]
        self.id_type_choices = [("", _("请选择")), *IdType.choices]

    def service_data(self) -> dict[str, Any]:
        data = {name: self.raw(name) for name in ("name", "country", "leader_name", "leader_phone")}
        data["declares_not_enterprise"] = bool(self.data.get("declares_not_enterprise"))
        data["is_overseas"] = True
        return data


def member_rows(
    source, *, existing: list[dict[str, str]] | None = None, keys: tuple[str, ...] = MEMBER_KEYS
) -> list[dict[str, Any]]:
    """Member rows from POST (``members-N-key``) or from the saved members; at least five rows."""
    rows: list[dict[str, Any]] = []
    if source is not None:
        indexes = sorted(
            {int(m.group(1)) for key in source for m in [re.fullmatch(r"members-(\d+)-(\w+)", key)] if m}
        )
        for index in indexes[:MAX_MEMBER_ROWS]:
            rows.append({key: str(source.get(f"members-{index}-{key}", "")).strip() for key in keys})
    else:
        rows = [{key: str(m.get(key) or "") for key in keys} for m in existing or []]
    if source is None and rows:
        rows.append(dict.fromkeys(keys, ""))  # room for one more without JavaScript
    while len(rows) < MIN_MEMBER_ROWS:
        rows.append(dict.fromkeys(keys, ""))
    return [{"index": i, **row, "errors": {}} for i, row in enumerate(rows, start=1)]


def apply_member_errors(rows: list[dict[str, Any]], exc: FieldErrors) -> dict[str, str]:
    """Attach ``members-N-key`` errors to their rows; return the other errors."""
    rest = {}
    for key, message in exc.fields.items():
        match = re.fullmatch(r"members-(\d+)-(\w+)", key)
        if match and 0 < int(match.group(1)) <= len(rows):
            rows[int(match.group(1)) - 1]["errors"][match.group(2)] = message
        else:
            rest[key] = message
    return rest


# -- entries ------------------------------------------------------------------------------------


class NewEntryForm(EntrantForm):
    event = _select(_("参加的赛事"))
    zone = _select(_("赛区站点"), help_text=_("境外区域赛在各地设站，请选择您参加的站点。"))
    title = forms.CharField(
        label=_("项目名称"), required=False, help_text=_("可以先填项目名称，其余内容在草稿中慢慢完善。")
    )

    def __init__(self, *args, event_choices: list, zone_choices: list | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["event"].widget.choices = event_choices
        if zone_choices:
            self.fields["zone"].widget.choices = [("", _("请选择站点")), *zone_choices]
        else:
            del self.fields["zone"]


class MultipleFileInput(forms.FileInput):
    allow_multiple_selected = True


class EntryForm(EntrantForm):
    """The project form.

    Finance rows are ``finances-N-year|revenue|profit``, IP rows ``ip-N-kind|name|number``.
    """

    version = forms.CharField(widget=forms.HiddenInput, required=False)
    title = forms.CharField(label=_("项目名称"), required=False)
    industry = _select(_("行业领域"), [("", _("请选择行业门类")), *Industry.choices])
    summary = forms.CharField(
        label=_("项目简介"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
        help_text=_("不超过 2000 字：做什么、给谁用、解决什么问题。"),
    )
    innovation = forms.CharField(
        label=_("技术与创新"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    market = forms.CharField(label=_("市场前景"), required=False, widget=forms.Textarea(attrs={"rows": 5}))
    business_model = forms.CharField(
        label=_("商业模式"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    team_description = forms.CharField(
        label=_("团队情况"), required=False, widget=forms.Textarea(attrs={"rows": 5})
    )
    funding_sought = forms.CharField(
        label=_("融资需求（万元）"),
        required=False,
        widget=_text(inputmode="decimal"),
        help_text=_("没有融资计划可不填。"),
    )
    pitch_video_url = forms.CharField(
        label=_("路演视频链接（选填）"),
        required=False,
        widget=forms.URLInput(attrs={"inputmode": "url", "placeholder": "https://"}),
    )
    # Plain fields: the services check the bytes (magic, pypdf, size) and name the problem.
    business_plan = forms.Field(
        label=_("商业计划书（PDF）"),
        required=False,
        help_text=_(
            "PDF 格式，不超过 20 MB、100 页，每页每边不超过 5000 pt；提交前必须上传。重新上传会替换原文件。"
        ),
        widget=forms.FileInput(attrs={"accept": ".pdf,application/pdf"}),
    )
    images = forms.Field(
        label=_("项目图片（选填）"),
        required=False,
        help_text=_("PNG、JPEG、GIF 或 WebP，每张不超过 5 MB，每个项目最多 10 张，可多选。"),
        widget=MultipleFileInput(attrs={"accept": "image/png,image/jpeg,image/gif,image/webp"}),
    )

    def __init__(self, *args, years: list[int], ip_rows: int = IP_ROWS, **kwargs):
        super().__init__(*args, **kwargs)
        if self.is_bound:  # as many IP rows as were posted (JavaScript-free pages post IP_ROWS or more)
            posted = [
                int(m.group(1)) for key in self.data for m in [re.fullmatch(r"ip-(\d+)-name", key)] if m
            ]
            ip_rows = max([ip_rows, *posted])
        for i, year in enumerate(years, start=1):
            self.fields[f"finances-{i}-year"] = forms.CharField(
                label=_("年份"),
                required=False,
                initial=year,
                widget=_text(readonly=True, inputmode="numeric", size=6),
            )
            self.fields[f"finances-{i}-revenue"] = forms.CharField(
                label=_("%(year)s 年营业收入（万元）") % {"year": year},
                required=False,
                widget=_text(inputmode="decimal"),
            )
            self.fields[f"finances-{i}-profit"] = forms.CharField(
                label=_("%(year)s 年净利润（万元）") % {"year": year},
                required=False,
                widget=_text(inputmode="decimal"),
            )
        self.ip_count = min(ip_rows, 50)
        for i in range(1, self.ip_count + 1):
            self.fields[f"ip-{i}-kind"] = _select(_("类型"), IP_KINDS)
            self.fields[f"ip-{i}-name"] = forms.CharField(label=_("名称"), required=False)
            self.fields[f"ip-{i}-number"] = forms.CharField(label=_("编号"), required=False)
        self.years = years
        self.slot_errors: dict[str, list[str]] = {}

    # -- what the template shows ---------------------------------------------------------------

    def finance_rows(self):
        return [
            (self[f"finances-{i}-year"], self[f"finances-{i}-revenue"], self[f"finances-{i}-profit"])
            for i in range(1, len(self.years) + 1)
        ]

    def ip_rows(self):
        return [
            (self[f"ip-{i}-kind"], self[f"ip-{i}-name"], self[f"ip-{i}-number"])
            for i in range(1, self.ip_count + 1)
        ]

    def text_fields(self):
        return [
            self[name] for name in ("summary", "innovation", "market", "business_model", "team_description")
        ]

    # -- what the services get -----------------------------------------------------------------

    def service_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            name: self.raw(name)
            for name in (
                "title",
                "industry",
                "summary",
                "innovation",
                "market",
                "business_model",
                "team_description",
                "funding_sought",
                "pitch_video_url",
            )
        }
        finances = []
        for i in range(1, len(self.years) + 1):
            revenue, profit = (
                self.raw(f"finances-{i}-revenue").strip(),
                self.raw(f"finances-{i}-profit").strip(),
            )
            if revenue or profit:
                finances.append(
                    {"year": self.raw(f"finances-{i}-year"), "revenue": revenue, "profit": profit}
                )
        data["finances"] = finances
        data["ip_list"] = [
            {key: self.raw(f"ip-{i}-{key}") for key in ("kind", "name", "number")}
            for i in range(1, self.ip_count + 1)
        ]
        return data

    def expected_version(self) -> int | None:
        try:
            return int(self.raw("version"))
        except ValueError:
            return None

    def business_plan_upload(self) -> tuple[str, bytes] | None:
        upload: UploadedFile | None = self.files.get("business_plan") if self.files else None
        if upload is None:
            return None
        if upload.size > validators.MAX_PDF_BYTES:
            # Refused before reading it into memory; the wording is the validator's.
            raise ValidationFailed(
                f"文件过大：{upload.size / 1024 / 1024:.1f} MB，上限 20 MB。", field="business_plan"
            )
        return upload.name or "", upload.read()

    def image_uploads(self) -> list[tuple[str, bytes]]:
        uploads = self.files.getlist("images") if self.files else []
        if len(uploads) > validators.MAX_IMAGES_PER_ENTRY:  # before reading any of them
            raise ValidationFailed(
                f"每个项目最多 {validators.MAX_IMAGES_PER_ENTRY} 张图片，本次选择了 {len(uploads)} 张。",
                field="images",
            )
        out = []
        for upload in uploads:
            if upload.size > validators.MAX_IMAGE_BYTES:
                raise ValidationFailed(
                    f"图片过大：{upload.size / 1024 / 1024:.1f} MB，上限 5 MB。", field="images"
                )
            out.append((upload.name or "", upload.read()))
        return out

    def apply_errors(self, exc: ContestError, *, aliases: dict[str, str] | None = None) -> None:
        """Field errors on their fields; ``finances`` and ``eligibility`` beside their sections."""
        fields = exc.fields if isinstance(exc, FieldErrors) else {exc.field: exc.message}
        slotted = {k: v for k, v in fields.items() if k in ("finances", "eligibility")}
        for key, message in slotted.items():
            self.slot_errors.setdefault(key, []).append(message)
        rest = {k: v for k, v in fields.items() if k not in slotted}
        if not hasattr(self, "cleaned_data"):
            self.is_valid()
        for key, message in rest.items():
            self.add_error(key if key in self.fields else None, message)

    @property
    def has_errors(self) -> bool:
        return bool(self.errors or self.slot_errors)


def ip_rows_for(entry: Entry) -> int:
    """Every saved IP item, plus one empty row."""
    return max(IP_ROWS, len(entry.ip_list or []) + 1)


def entry_initial(entry: Entry, years: list[int]) -> dict[str, Any]:
    initial: dict[str, Any] = {
        name: getattr(entry, name)
        for name in (
            "title",
            "industry",
            "summary",
            "innovation",
            "market",
            "business_model",
            "team_description",
            "pitch_video_url",
        )
    }
    initial["version"] = entry.version
    initial["funding_sought"] = "" if entry.funding_sought is None else entry.funding_sought
    by_year = {str(row.get("year")): row for row in entry.finances or []}
    for i, year in enumerate(years, start=1):
        row = by_year.get(str(year), {})
        initial[f"finances-{i}-year"] = year
        initial[f"finances-{i}-revenue"] = row.get("revenue") or ""
        initial[f"finances-{i}-profit"] = row.get("profit") or ""
    for i, item in enumerate(entry.ip_list or [], start=1):
        for key in ("kind", "name", "number"):
            initial[f"ip-{i}-{key}"] = item.get(key, "")
    return initial


class WithdrawForm(HardenedForm, forms.Form):
    reason = forms.CharField(
        label=_("撤回原因（选填）"), required=False, widget=forms.Textarea(attrs={"rows": 3})
    )
