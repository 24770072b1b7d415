from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy

from contest.registration.enums import Industry, SmeStatus

MAINLAND = "CN"


class IdType(models.TextChoices):
    """The identity document an overseas team member gives (mainland members give none)."""

    PASSPORT = "passport", gettext_lazy("护照")
    HK_MACAO_PERMIT = "hk_macao_permit", gettext_lazy("港澳居民来往内地通行证")
    TAIWAN_PERMIT = "taiwan_permit", gettext_lazy("台湾居民来往大陆通行证")
    FOREIGN_PERMANENT_RESIDENCE = "foreign_pr", gettext_lazy("外国人永久居留身份证")
    OTHER = "other", gettext_lazy("其他证件")


class Enterprise(models.Model):
    """An enterprise's profile (企业组): a mainland one is identified by its 统一社会信用代码, an
    overseas one (``country`` other than CN, incl. 香港/澳门/台湾) by the registration number its
    country issued."""

    owner = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="enterprise"
    )
    country = models.CharField("注册国家或地区（ISO 3166-1）", max_length=2, default=MAINLAND)
    name = models.CharField("企业名称", max_length=200)  # overseas: in the original script
    name_translated = models.CharField("企业中文或英文名称", max_length=200, blank=True)
    credit_code = models.CharField("统一社会信用代码", max_length=18, null=True, blank=True)
    registration_number = models.CharField("注册号（境外）", max_length=50, blank=True)
    address = models.CharField("注册地址（境外）", max_length=300, blank=True)
    division_code = models.CharField("登记机关区划码", max_length=6)
    division = models.ForeignKey(
        "catalog.Division",
        verbose_name="登记地区划",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    division_confirmed = models.BooleanField("登记地已确认", default=False)
    founded_on = models.DateField("成立日期")
    registered_capital = models.DecimalField("注册资本（万元）", max_digits=14, decimal_places=2)
    employees = models.PositiveIntegerField("从业人数")
    revenue_last_year = models.DecimalField("上年营业收入（万元）", max_digits=14, decimal_places=2)
    is_listed = models.BooleanField("是否上市", default=False)
    industry = models.CharField("所属行业", max_length=1, choices=Industry.choices)
    sme_status = models.CharField(
        "专精特新情况", max_length=20, choices=SmeStatus.choices, default=SmeStatus.NONE
    )
    contact_name = models.CharField("联系人", max_length=50)
    contact_phone = models.CharField("联系人手机", max_length=20)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = gettext_lazy("企业")
        verbose_name_plural = gettext_lazy("企业")
        constraints = [
            models.UniqueConstraint(
                fields=["credit_code"],
                condition=Q(credit_code__isnull=False),
                name="registration_enterprise_unique_credit_code",
            ),
            models.UniqueConstraint(
                fields=["country", "registration_number"],
                condition=~Q(registration_number=""),
                name="registration_enterprise_unique_registration_number",
            ),
            # mainland: the credit code; overseas: the country's registration number, no credit code
            models.CheckConstraint(
                condition=(Q(country=MAINLAND) & Q(credit_code__isnull=False))
                | (~Q(country=MAINLAND) & Q(credit_code__isnull=True) & ~Q(registration_number="")),
                name="registration_enterprise_identified",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_overseas(self) -> bool:
        return self.country != MAINLAND


class MakerTeam(models.Model):
    """A maker team (创客组): not registered as an enterprise, not an enterprise's in-house project."""

    owner = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="maker_team"
    )
    name = models.CharField("团队名称", max_length=200)
    leader_name = models.CharField("负责人", max_length=50)
    leader_phone = models.CharField("负责人手机", max_length=20)
    division = models.ForeignKey(
        "catalog.Division",
        verbose_name="所在地",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    declares_not_enterprise = models.BooleanField("声明：团队未注册企业，且非企业内部项目", default=False)
    is_overseas = models.BooleanField("境外团队", default=False)
    country = models.CharField("所在国家或地区（ISO 3166-1）", max_length=2, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = gettext_lazy("创客团队")
        verbose_name_plural = gettext_lazy("创客团队")
        constraints = [
            models.CheckConstraint(
                condition=Q(is_overseas=False) | ~Q(country=""), name="registration_team_overseas_country"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class TeamMember(models.Model):
    team = models.ForeignKey(MakerTeam, on_delete=models.CASCADE, related_name="members")
    name = models.CharField("姓名", max_length=50)
    role = models.CharField("分工", max_length=50, blank=True)
    phone = models.CharField("手机", max_length=20)
    affiliation = models.CharField("单位/学校", max_length=200, blank=True)
    nationality = models.CharField("国籍（ISO 3166-1）", max_length=2, blank=True)
    id_type = models.CharField("证件类型", max_length=20, choices=IdType.choices, blank=True)
    id_number = models.CharField("证件号码", max_length=50, blank=True)
    order = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["team", "order", "id"]
        verbose_name = gettext_lazy("团队成员")
        verbose_name_plural = gettext_lazy("团队成员")

    def __str__(self) -> str:
        return self.name
