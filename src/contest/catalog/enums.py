from django.db import models


class Tier(models.TextChoices):
    NATIONAL_FINAL = "national_final", "全国总决赛"
    REGIONAL = "regional", "区域赛"
    THEMATIC = "thematic", "专题赛"
    OVERSEAS_FINAL = "overseas_final", "境外区域赛决赛"


TIER_ORDER = [Tier.NATIONAL_FINAL, Tier.REGIONAL, Tier.THEMATIC, Tier.OVERSEAS_FINAL]


class OrgRole(models.TextChoices):
    HOST = "host", "主办"
    LEAD = "lead", "牵头"
    UNDERTAKER = "undertaker", "承办"


HOST_ROLES = (OrgRole.HOST, OrgRole.LEAD)


class RegistrationMode(models.TextChoices):
    PLATFORM = "platform", "本平台（大赛官网）报名"
    EXTERNAL = "external", "外部报名网站"


class DivisionLevel(models.TextChoices):
    PROVINCE = "province", "省级"
    PREFECTURE = "prefecture", "地级"


DEFAULT_GROUPS = [("enterprise", "企业组"), ("maker", "创客组")]
OFFICIAL_SITE = "www.cnmaker.org.cn"
