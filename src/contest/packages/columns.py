"""The package workbook's sheets and columns, declared once: the template, the header reading, the
report's column names and docs/packages.md all come from here.

Field names are those of ``registration.services.intake`` (``IntakeItem.fields``); the file columns
name paths inside the ZIP; the recommendation columns go to ``review.services.recommendations``."""

from __future__ import annotations

from dataclasses import dataclass

from contest.core.importing import Column

ENTERPRISE_SHEET = "企业组"
MAKER_SHEET = "创客组"
MEMBER_SHEET = "团队成员"
#: sheet → other names it is found by (English workbooks, CSV files named by sheet)
SHEET_ALIASES = {
    ENTERPRISE_SHEET: ("enterprise", "enterprises"),
    MAKER_SHEET: ("maker", "makers", "teams"),
    MEMBER_SHEET: ("members", "team members"),
}

FILE_COLUMNS: tuple[Column, ...] = (
    Column("business_plan", "商业计划书", aliases=("商业计划书文件", "business plan")),
    Column("images", "项目图片", aliases=("图片", "images")),
)
RECOMMENDATION_COLUMNS: tuple[Column, ...] = (
    Column("recommended", "是否推荐", aliases=("推荐", "recommended")),
    Column("local_rank", "本地排名", aliases=("排名", "名次", "local rank")),
    Column("local_score", "本地得分", aliases=("得分", "local score")),
    Column("local_award", "本地奖项", aliases=("奖项", "local award")),
)
PROJECT_COLUMNS: tuple[Column, ...] = (
    Column("title", "项目名称", True, ("title",)),
    Column("summary", "项目简介", True, ("summary",)),
    Column("innovation", "技术与创新"),
    Column("market", "市场前景"),
    Column("business_model", "商业模式"),
    Column("team_description", "团队情况"),
    Column("funding_sought", "融资需求（万元）", aliases=("融资需求",)),
    Column("pitch_video_url", "路演视频链接"),
)
ENTERPRISE_COLUMNS: tuple[Column, ...] = (
    Column("name", "企业名称", True, ("enterprise name",)),
    Column("credit_code", "统一社会信用代码", True, ("credit code",)),
    Column("founded_on", "成立日期", True),
    Column("registered_capital", "注册资本（万元）", True, ("注册资本",)),
    Column("employees", "从业人数", True),
    Column("revenue_last_year", "上年营业收入（万元）", True, ("上年营业收入",)),
    Column("is_listed", "是否上市"),
    Column("industry", "所属行业", True),
    Column("sme_status", "专精特新情况"),
    Column("contact_name", "联系人", True),
    Column("contact_phone", "联系人手机", True),
    *PROJECT_COLUMNS,
    *FILE_COLUMNS,
    *RECOMMENDATION_COLUMNS,
)
MAKER_COLUMNS: tuple[Column, ...] = (
    Column("team_name", "团队名称", True, ("team name",)),
    Column("leader_name", "负责人姓名", True, ("团队负责人", "负责人")),
    Column("leader_phone", "负责人手机", True, ("团队负责人手机", "leader phone")),
    Column("declares_not_enterprise", "未注册企业声明", aliases=("声明未注册企业",)),
    Column("industry", "行业领域", True),
    *PROJECT_COLUMNS,
    *FILE_COLUMNS,
    *RECOMMENDATION_COLUMNS,
)
MEMBER_COLUMNS: tuple[Column, ...] = (
    Column("leader_phone", "负责人手机", True, ("团队负责人手机", "leader phone")),
    Column("title", "项目名称", True, ("title",)),
    Column("name", "成员姓名", True, ("姓名", "name")),
    Column("role", "成员角色", aliases=("角色", "分工", "role")),
    Column("phone", "成员手机", aliases=("手机", "phone")),
    Column("affiliation", "所在单位", aliases=("单位", "学校", "工作单位", "affiliation")),
)
#: what the item's ``fields`` carry (the rest are files and recommendation columns)
NOT_FIELDS = frozenset(c.field for c in (*FILE_COLUMNS, *RECOMMENDATION_COLUMNS))


@dataclass(frozen=True)
class SheetSpec:
    title: str
    group: str  # "enterprise" | "maker" | "" (members)
    columns: tuple[Column, ...]


SHEETS: tuple[SheetSpec, ...] = (
    SheetSpec(ENTERPRISE_SHEET, "enterprise", ENTERPRISE_COLUMNS),
    SheetSpec(MAKER_SHEET, "maker", MAKER_COLUMNS),
    SheetSpec(MEMBER_SHEET, "", MEMBER_COLUMNS),
)
HEADERS = {spec.title: {c.field: c.header for c in spec.columns} for spec in SHEETS}

#: one example row per sheet, for the template (a fictitious enterprise and team)
EXAMPLES = {
    ENTERPRISE_SHEET: {
        "企业名称": "示例：广州某某智能科技有限公司", "统一社会信用代码": "91440101MA5CKDR01M",
        "成立日期": "2019-03-15", "注册资本（万元）": 800, "从业人数": 56, "上年营业收入（万元）": 4200.5,
        "是否上市": "否", "所属行业": "制造业", "专精特新情况": "专精特新中小企业", "联系人": "王芳",
        "联系人手机": "13905741234", "项目名称": "注塑机能耗优化系统", "项目简介": "以边缘计算降低注塑机能耗。",
        "技术与创新": "自适应温控算法", "市场前景": "珠三角注塑企业", "商业模式": "按节能收益分成",
        "团队情况": "博士领衔的 12 人团队", "融资需求（万元）": 1500, "路演视频链接": "https://example.cn/video",
        "商业计划书": "企业组/注塑机能耗优化系统/商业计划书.pdf",
        "项目图片": "企业组/注塑机能耗优化系统/产品.jpg；企业组/注塑机能耗优化系统/现场.png",
        "是否推荐": "是", "本地排名": 1, "本地得分": 92.35, "本地奖项": "一等奖",
    },
    MAKER_SHEET: {
        "团队名称": "示例：海洋微塑料监测团队", "负责人姓名": "李明", "负责人手机": "13800138000",
        "未注册企业声明": "是", "行业领域": "科学研究和技术服务业", "项目名称": "便携式微塑料检测仪",
        "项目简介": "十分钟内现场检测水样中的微塑料。", "技术与创新": "荧光标记与图像识别",
        "市场前景": "环境监测站与水务公司", "商业模式": "设备销售加耗材", "团队情况": "三名研究生与一名导师",
        "融资需求（万元）": 200, "路演视频链接": "", "商业计划书": "创客组/便携式微塑料检测仪/商业计划书.pdf",
        "项目图片": "创客组/便携式微塑料检测仪/样机.jpg", "是否推荐": "否", "本地排名": "", "本地得分": "",
        "本地奖项": "",
    },
    MEMBER_SHEET: {
        "负责人手机": "13800138000", "项目名称": "便携式微塑料检测仪", "成员姓名": "赵雪",
        "成员角色": "算法", "成员手机": "13900139000", "所在单位": "中山大学",
    },
}  # fmt: skip
