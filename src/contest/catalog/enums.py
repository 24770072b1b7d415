from django.db import models
from django.utils.translation import gettext_lazy as _


class Tier(models.TextChoices):
    NATIONAL_FINAL = "national_final", _("全国总决赛")
    REGIONAL = "regional", _("区域赛")
    THEMATIC = "thematic", _("专题赛")
    OVERSEAS_FINAL = "overseas_final", _("境外区域赛决赛")


TIER_ORDER = [Tier.NATIONAL_FINAL, Tier.REGIONAL, Tier.THEMATIC, Tier.OVERSEAS_FINAL]


class OrgRole(models.TextChoices):
    HOST = "host", _("主办")
    LEAD = "lead", _("牵头")
    UNDERTAKER = "undertaker", _("承办")


HOST_ROLES = (OrgRole.HOST, OrgRole.LEAD)


class RegistrationMode(models.TextChoices):
    PLATFORM = "platform", _("本平台（大赛官网）报名")
    EXTERNAL = "external", _("外部报名网站")


class DivisionLevel(models.TextChoices):
    PROVINCE = "province", _("省级")
    PREFECTURE = "prefecture", _("地级")


DEFAULT_GROUPS = [("enterprise", "企业组"), ("maker", "创客组")]
OFFICIAL_SITE = "www.cnmaker.org.cn"
