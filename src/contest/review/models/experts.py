from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy

from contest.review.enums import ConflictKind, ConflictSource, ExpertKind


class Expert(models.Model):
    """An expert in the shared pool (专家库), invited by the secretariat or an event's organizer."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                related_name="expert")  # fmt: skip
    name = models.CharField("姓名", max_length=50)
    organization_name = models.CharField("工作单位", max_length=200)
    organization_credit_code = models.CharField("单位统一社会信用代码", max_length=18, blank=True)
    title = models.CharField("职称/职务", max_length=100, blank=True)
    expertise = models.JSONField("擅长行业（国民经济行业分类门类）", default=list)
    regions = models.JSONField("熟悉地区（省级区划代码）", default=list, blank=True)
    kind = models.CharField("专家类别", max_length=20, choices=ExpertKind.choices)
    phone = models.CharField("手机", max_length=20, unique=True)
    email = models.EmailField("邮箱", blank=True)
    #: when the current ``email`` was confirmed by a link sent to it; cleared whenever it changes.
    #: Invitations (a password-setting link) go only to a verified address.
    email_verified_at = models.DateTimeField("邮箱验证时间", null=True, blank=True)
    #: when the current ``phone`` was confirmed; cleared whenever it changes. No SMS channel
    #: exists yet, so nothing is ever sent to an unverified number and no account is linked by it.
    phone_verified_at = models.DateTimeField("手机验证时间", null=True, blank=True)
    #: the organization whose staff added the expert and may change the contact details (with the
    #: secretariat and the expert themself); empty when the secretariat or the operator added them.
    owner_organization = models.ForeignKey(
        "catalog.Organization", verbose_name="维护单位", null=True, blank=True, on_delete=models.PROTECT,
        related_name="+",
    )  # fmt: skip
    is_active = models.BooleanField("在库", default=True)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["name", "id"]
        verbose_name = gettext_lazy("评审专家")
        verbose_name_plural = gettext_lazy("专家库")

    def __str__(self) -> str:
        return f"{self.name}（{self.organization_name}）"


class Conflict(models.Model):
    """A tie between an expert and an entry: never assigned, shown to organizers, audited."""

    expert = models.ForeignKey(Expert, on_delete=models.CASCADE, related_name="conflicts")
    entry = models.ForeignKey("registration.Entry", on_delete=models.CASCADE, related_name="conflicts")
    kind = models.CharField("类型", max_length=30, choices=ConflictKind.choices)
    source = models.CharField("来源", max_length=20, choices=ConflictSource.choices)
    reason = models.CharField("说明", max_length=300)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["entry", "expert", "kind"]
        verbose_name = gettext_lazy("回避关系")
        verbose_name_plural = gettext_lazy("回避关系")
        constraints = [
            models.UniqueConstraint(fields=["expert", "entry", "kind"], name="review_conflict_unique")
        ]

    def __str__(self) -> str:
        return f"{self.expert} × {self.entry}: {self.get_kind_display()}"
