"""Demo data for registration, built by calling the services (stage “registration” and later).

Opens registration on six events of the 9th edition (宁波, 深圳, 广东, 浙江 and two thematic
events) until 2030-07-31 so the demo works today; creates the 宁波 and 深圳 organizers and an
edition-9 secretariat; registers about forty enterprises and ten maker teams online, and imports
eight offline registrations into 广东 and 浙江 (whose own portals take registrations), leaving
entries in every state of the lifecycle. ``demo-enterprise`` signs in to an entry returned with
a comment. Idempotent: a second run finds the marker account and changes nothing.
"""

from __future__ import annotations

import io
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from pypdf import PdfWriter
from stdnum.cn import uscc

from contest.accounts.enums import RoleKind
from contest.accounts.models import Role, User
from contest.catalog.enums import Tier
from contest.catalog.models import Edition, Event
from contest.registration import services
from contest.registration.enums import RuleKind
from contest.registration.models import EligibilityRule, Entry, RegistrationWindow
from contest.registration.models.rules import SHANGHAI

STAGES = ("registration", "review", "finals")
PASSWORD = "cnmaker-demo-2024"  # noqa: S105 - printed by `make run`; demo only
OPENS_AT = datetime(2024, 6, 1, 9, 0, tzinfo=SHANGHAI)
CLOSES_ON = date(2030, 7, 31)
MARKER = "demo-enterprise"
OVERSEAS_ENTERPRISE = "overseas-enterprise"
OVERSEAS_TEAM = "overseas-team"

#: key → (tier, seq) in the 9th edition's plan
EVENTS = {
    "ningbo": ("regional", 30), "shenzhen": ("regional", 33), "guangdong": ("regional", 17),
    "zhejiang": ("regional", 10), "vision": ("thematic", 5), "biomed": ("thematic", 8),
}  # fmt: skip
ORGANIZERS = {"ningbo": "ningbo-organizer", "shenzhen": "shenzhen-organizer"}
ORGANIZER_LABELS = {"ningbo": "宁波赛组织方 organizer", "shenzhen": "深圳赛组织方 organizer"}

D, SUB, RET, RES, QUA, DIS, WIT = (
    "draft",
    "submitted",
    "returned",
    "resubmitted",
    "qualified",
    "disqualified",
    "withdrawn",
)

#: (event, division of the credit code, enterprise, industry, project title, one-line summary, final state)
ENTERPRISES = [
    ("ningbo", "330203", "宁波甬江智能装备有限公司", "C", "注塑机能耗优化系统", "以边缘计算实时调节注塑机温控，平均节电 18%。", RET),
    ("ningbo", "330206", "宁波北仑港航数据科技有限公司", "I", "港口集卡智能调度平台", "基于强化学习的集卡调度，缩短港区等待时间。", SUB),
    ("ningbo", "330212", "宁波鄞州新材料科技有限公司", "C", "高导热石墨烯散热膜", "面向消费电子的高导热、超薄石墨烯散热膜。", QUA),
    ("ningbo", "330211", "宁波镇海精细化工科技有限公司", "C", "低 VOC 水性工业涂料", "替代溶剂型涂料的水性体系，VOC 排放降低 80%。", RES),
    ("ningbo", "330205", "宁波江北视觉检测技术有限公司", "I", "工业视觉缺陷检测平台", "小样本深度学习检测金属表面缺陷，适配中小产线。", SUB),
    ("ningbo", "330213", "宁波奉化智慧农业有限公司", "A", "水蜜桃园智能水肥一体化系统", "土壤墒情传感与精准滴灌，节水 35%。", QUA),
    ("ningbo", "330203", "宁波海曙医疗器械有限公司", "C", "便携式血氧与心电监测贴", "一次性柔性电极贴片，院外连续监测 72 小时。", DIS),
    ("ningbo", "330212", "宁波东钱湖文旅数字科技有限公司", "R", "景区沉浸式 AR 导览", "手机 AR 还原历史场景，提升二次消费。", D),
    ("ningbo", "330206", "宁波梅山冷链物流科技有限公司", "G", "冷链货柜温湿度区块链溯源", "全程温湿度上链，食品药品冷链可追溯。", WIT),
    ("ningbo", "330205", "宁波慈城机器人科技有限公司", "C", "小型协作机器人关节模组", "国产谐波减速与力矩传感一体化关节。", SUB),
    ("shenzhen", "440305", "深圳南山芯联微电子有限公司", "C", "车规级毫米波雷达芯片", "77GHz 单芯片雷达，支持角雷达与舱内检测。", QUA),
    ("shenzhen", "440304", "深圳福田金融数据服务有限公司", "I", "中小企业供应链金融风控平台", "基于多源数据的应收账款融资风控模型。", SUB),
    ("shenzhen", "440306", "深圳宝安精密模具有限公司", "C", "新能源电池壳体一体化压铸模具", "一体化压铸缩短工序，良率提升至 96%。", RES),
    ("shenzhen", "440307", "深圳龙岗储能科技有限公司", "D", "户用光储一体机", "5kW 光伏逆变与 10kWh 储能一体化，适配欧洲市场。", RET),
    ("shenzhen", "440309", "深圳龙华无人机系统有限公司", "C", "电力巡检无人机自主机场", "无人值守起降、换电与巡检数据回传。", SUB),
    ("shenzhen", "440303", "深圳罗湖智慧零售科技有限公司", "F", "社区门店 AI 补货系统", "销量预测驱动自动补货，库存周转提升 30%。", DIS),
    ("shenzhen", "440305", "深圳南山基因检测技术有限公司", "M", "肿瘤早筛甲基化检测试剂盒", "血液 ctDNA 甲基化多癌种早筛。", QUA),
    ("shenzhen", "440304", "深圳福田跨境电商服务有限公司", "L", "跨境电商多语种智能客服", "大模型驱动的 12 语种售前售后客服。", D),
    ("shenzhen", "440306", "深圳宝安柔性显示材料有限公司", "C", "可折叠屏超薄玻璃盖板", "30 微米超薄柔性玻璃，弯折 20 万次。", SUB),
    ("shenzhen", "440307", "深圳龙岗智能家居有限公司", "C", "无感人体存在传感器", "毫米波呼吸级存在检测，照明空调联动。", WIT),
    ("vision", "330106", "杭州西湖视觉智能科技有限公司", "I", "工业视觉缺陷检测平台", "小样本深度学习检测金属表面缺陷，云边协同部署。", SUB),
    ("vision", "330108", "杭州滨江智眼科技有限公司", "I", "交通路口全息感知系统", "雷视融合的路口全息感知与信号优化。", QUA),
    ("vision", "330106", "杭州之江医学影像有限公司", "I", "眼底影像 AI 辅助诊断", "糖网与青光眼筛查，基层医院可用。", RET),
    ("vision", "330108", "杭州钱塘质检科技有限公司", "M", "纺织面料瑕疵在线检测", "织机上在线检测断经、污渍等 30 类瑕疵。", SUB),
    ("vision", "330106", "杭州余杭智能仓储有限公司", "G", "仓储包裹体积视觉测量", "单目视觉快速测量包裹体积，误差 < 1%。", D),
    ("vision", "330108", "杭州萧山农业视觉科技有限公司", "A", "茶叶嫩芽识别采摘机器人", "视觉识别一芽一叶，机械臂柔性采摘。", RES),
    ("biomed", "440106", "广州天河生物医药科技有限公司", "M", "新型口服 GLP-1 小分子药物", "口服小分子 GLP-1 受体激动剂，临床前阶段。", QUA),
    ("biomed", "440112", "广州黄埔细胞治疗有限公司", "M", "CAR-T 细胞自动化制备平台", "封闭式自动化制备，成本降低 40%。", SUB),
    ("biomed", "440402", "珠海横琴中医药科技有限公司", "C", "经典名方颗粒剂质量标准研究", "指纹图谱与多指标定量的质量控制体系。", RET),
    ("biomed", "440106", "广州天河体外诊断有限公司", "C", "化学发光免疫分析仪", "全自动化学发光，检测通量 240 测试/小时。", DIS),
    ("biomed", "440112", "广州黄埔医用材料有限公司", "C", "可吸收骨科固定钉", "镁合金可降解骨钉，免二次手术取出。", SUB),
    ("biomed", "440402", "珠海香洲基因合成有限公司", "M", "高通量 DNA 合成仪", "芯片法寡核苷酸合成，通量提升百倍。", D),
]  # fmt: skip

#: (event, division of the team, team, leader, project title, summary, final state)
TEAMS = [
    ("ningbo", "330200", "甬江海洋创客团队", "陈思远", "海洋垃圾无人清扫船", "太阳能无人船自主巡航，收集近岸漂浮垃圾。", SUB),
    ("ningbo", "330200", "宁大智能材料创客队", "林一凡", "自修复柔性电子皮肤", "可自修复的柔性传感材料，用于机器人触觉。", QUA),
    ("ningbo", "330200", "三江口非遗数字化团队", "王晓婷", "越窑青瓷数字博物馆", "三维扫描与数字孪生展示越窑青瓷。", RET),
    ("ningbo", "330200", "象山渔光互补团队", "张海涛", "渔光互补养殖监测系统", "光伏板下水产养殖水质与投喂监测。", D),
    ("shenzhen", "440300", "南科大脑机接口团队", "李嘉诚", "非侵入式脑机接口康复手套", "脑电驱动的手部康复训练手套。", SUB),
    ("shenzhen", "440300", "前海青年 AI 创客团队", "黄子轩", "视障人士 AI 导航眼镜", "实时语义分割与语音播报的助盲眼镜。", RES),
    ("shenzhen", "440300", "大沙河低空经济团队", "周雨桐", "城市低空物流航线规划", "多无人机航线冲突消解与调度。", QUA),
    ("shenzhen", "440300", "深大合成生物团队", "吴启明", "微生物合成天然色素", "工程菌发酵生产食品级天然色素。", WIT),
    ("vision", "330100", "浙大视觉感知创客团队", "郑博文", "高速公路团雾预警系统", "视频能见度估计与团雾提前预警。", SUB),
    ("vision", "330100", "良渚文化 AI 修复团队", "沈佳怡", "古籍图像 AI 修复", "破损古籍图像的生成式修复与文字识别。", DIS),
]  # fmt: skip

#: offline registrations imported into events that register on their own portals
IMPORTS = [
    ("guangdong", "440604", "佛山南海智能制造有限公司", "C", "陶瓷窑炉智能燃烧控制系统", "燃烧优化降低天然气单耗 12%。"),
    ("guangdong", "441900", "东莞松山湖精密电子有限公司", "C", "消费电子精密连接器", "0.35mm 间距板对板连接器国产替代。"),
    ("guangdong", "440106", "广州天河数字孪生科技有限公司", "I", "城市排水管网数字孪生", "管网液位预测与内涝预警。"),
    ("guangdong", "440604", "佛山顺德家电创新有限公司", "C", "厨房油烟净化一体机", "静电与催化双重净化，排放达标率 99%。"),
    ("zhejiang", "330302", "温州鹿城鞋业科技有限公司", "C", "3D 打印定制鞋中底", "足压扫描与点阵结构一体成型。"),
    ("zhejiang", "330602", "绍兴柯桥纺织新材料有限公司", "C", "再生涤纶低碳面料", "化学法再生涤纶，碳排放降低 45%。"),
    ("zhejiang", "330402", "嘉兴南湖氢能科技有限公司", "C", "质子交换膜电解槽", "兆瓦级 PEM 电解槽核心膜电极。"),
    ("zhejiang", "330302", "温州瓯海眼镜智造有限公司", "C", "镜架柔性智能产线", "多品种小批量镜架的柔性排产与质检。"),
]  # fmt: skip

COMMENTS = {
    RET: "请补充近三年财务报表说明，并上传加盖公章的营业执照扫描件。",
    DIS: "经核查，项目核心知识产权归属第三方，不符合“知识产权归参赛者所有”的参赛条件。",
    WIT: "改报其他赛事。",
}


def build(*, stage: str, stdout) -> list[tuple[str, str, str]]:
    if stage not in STAGES:
        return []
    edition = Edition.objects.filter(number=9).first()
    if edition is None:
        stdout.write("报名演示数据：没有第九届赛事计划，跳过。")
        return []
    admin = (
        User.objects.filter(username="secretariat").first() or User.objects.filter(is_superuser=True).first()
    )
    events = {
        key: Event.objects.get(edition=edition, tier=tier, seq=seq) for key, (tier, seq) in EVENTS.items()
    }
    logins = _accounts(edition, events)
    for event in events.values():
        window = RegistrationWindow.objects.filter(event=event).first()
        if window is None or (window.opens_at, window.closes_on) != (OPENS_AT, CLOSES_ON):
            services.set_registration_window(by=admin, event=event, opens_at=OPENS_AT, closes_on=CLOSES_ON)
    if not EligibilityRule.objects.filter(edition=edition).exists():
        for group_code, kind, value in (
            ("enterprise", RuleKind.NOT_LISTED, ""),
            ("maker", RuleKind.MIN_MEMBERS, "3"),
        ):
            rule = EligibilityRule(edition=edition, group_code=group_code, kind=kind, value=value)
            services.save_eligibility_rule(by=admin, rule=rule)
    if not User.objects.filter(username=MARKER).exists():
        with transaction.atomic():
            count = _entrants(events, admin)
        stdout.write(f"报名演示数据：{count} 个项目（企业组、创客组，各种审查状态），6 场赛事开放报名。")
    overseas = Event.objects.filter(edition=edition, tier=Tier.OVERSEAS_FINAL).order_by("seq").first()
    if overseas is not None:
        window = RegistrationWindow.objects.filter(event=overseas).first()
        if window is None or (window.opens_at, window.closes_on) != (OPENS_AT, CLOSES_ON):
            services.set_registration_window(by=admin, event=overseas, opens_at=OPENS_AT, closes_on=CLOSES_ON)
        if not User.objects.filter(username=OVERSEAS_TEAM).exists():
            with transaction.atomic():
                _overseas_entrants(overseas)
            stdout.write("境外报名演示数据：1 家境外企业（德国站）、1 个境外团队（新加坡站）。")
        logins += [
            ("境外企业报名人 overseas enterprise (EN)", OVERSEAS_ENTERPRISE, PASSWORD),
            ("境外团队报名人 overseas team (EN)", OVERSEAS_TEAM, PASSWORD),
        ]
    return logins


def _accounts(edition: Edition, events: dict[str, Event]) -> list[tuple[str, str, str]]:
    rows = []
    for key, username in ORGANIZERS.items():
        event = events[key]
        organization = event.roles.order_by("order").first().organization
        person = _login(username, organization.name, f"{username}@example.cn")
        Role.objects.get_or_create(user=person, kind=RoleKind.ORGANIZER, organization=organization)
        rows.append((ORGANIZER_LABELS[key], username, PASSWORD))
    secretary = _login("secretariat-9", "第九届秘书处", "secretariat-9@example.cn")
    Role.objects.get_or_create(user=secretary, kind=RoleKind.SECRETARIAT, edition=edition)
    rows.append(("第九届秘书处 secretariat (ed. 9)", "secretariat-9", PASSWORD))
    rows.append(("企业报名人 enterprise entrant", MARKER, PASSWORD))
    return rows


def _login(username: str, display_name: str, email: str | None) -> User:
    person = User.objects.filter(username=username).first()
    if person is None:
        person = User(username=username, display_name=display_name, email=email)
        person.set_password(PASSWORD)
        person.save()
    return person


def _credit_code(division: str, index: int) -> str:
    head = f"91{division}MA{index:07d}"
    return head + uscc.calc_check_digit(head)


def _pdf(title: str) -> bytes:
    writer = PdfWriter()
    for _ in range(3):
        writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": f"{title} 商业计划书"})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _project(title: str, summary: str, industry: str, index: int) -> dict:
    base = Decimal(300 + index * 137 % 2900)
    return {
        "title": title, "industry": industry, "summary": summary,
        "innovation": f"{title}的核心技术已申请发明专利，关键指标优于同类产品。",
        "market": "目标客户为长三角、珠三角中小制造企业，国内市场规模约百亿元。",
        "business_model": "硬件销售 + 年度软件服务订阅，首年回款周期 6 个月。",
        "team_description": "核心团队 8 人，其中博士 2 人，平均行业经验 10 年。",
        "finances": [{"year": 2021, "revenue": str(base / 4), "profit": "-35"},
                     {"year": 2022, "revenue": str(base / 2), "profit": "20"},
                     {"year": 2023, "revenue": str(base), "profit": str(base / 10)}],
        "funding_sought": str(500 + index * 100),
        "ip_list": [{"kind": "发明专利", "name": f"一种{title[:8]}的方法", "number": f"ZL2023{index:06d}.X"}],
    }  # fmt: skip


def _entrants(events: dict[str, Event], admin: User) -> int:
    reviewers = {key: User.objects.get(username=name) for key, name in ORGANIZERS.items()}
    created = 0
    for i, (key, division, name, industry, title, summary, state) in enumerate(ENTERPRISES, start=1):
        username = MARKER if i == 1 else f"demo-ent-{i:02d}"
        owner = User.objects.filter(username=username).first() or _entrant_user(username, name)
        services.save_enterprise(by=owner, data={
            "name": name, "credit_code": _credit_code(division, i), "founded_on": f"{2012 + i % 11}-0{1 + i % 9}-15",
            "registered_capital": str(100 * (1 + i % 20)), "employees": str(12 + i * 7 % 180),
            "revenue_last_year": str(300 + i * 137 % 2900), "is_listed": False, "industry": industry,
            "sme_status": ("none", "innovative", "srdi", "little_giant")[i % 4], "contact_name": name[2:4] + "经理",
            "contact_phone": f"1390574{i:04d}", "division_confirmed": True,
        })  # fmt: skip
        _register(owner, events[key], "enterprise", _project(title, summary, industry, i), state,
                  reviewers.get(key, admin))  # fmt: skip
        created += 1
    for i, (key, division, name, leader, title, summary, state) in enumerate(TEAMS, start=1):
        owner = _entrant_user(f"demo-team-{i:02d}", name)
        members = [{"name": f"{leader[0]}同学{j}", "role": role, "phone": f"1370571{i:02d}{j:02d}"}
                   for j, role in enumerate(("技术", "市场"), start=1)]  # fmt: skip
        services.save_team(by=owner, data={"name": name, "leader_name": leader, "leader_phone": f"1360571{i:04d}",
                                           "division": division, "declares_not_enterprise": True},
                           members=members)  # fmt: skip
        _register(
            owner,
            events[key],
            "maker",
            _project(title, summary, "M", 100 + i),
            state,
            reviewers.get(key, admin),
        )
        created += 1
    for i, (key, division, name, industry, title, summary) in enumerate(IMPORTS, start=1):
        row = {
            "row": i + 1, "name": name, "credit_code": _credit_code(division, 500 + i), "founded_on": "2018-05-20",
            "registered_capital": "1000", "employees": str(40 + i * 11), "revenue_last_year": str(1500 + i * 310),
            "is_listed": "否", "industry": industry, "contact_name": name[2:4] + "主任",
            "contact_phone": f"1350575{i:04d}", "title": title, "summary": summary,
        }  # fmt: skip
        services.import_entries(
            by=admin, event=events[key], rows=[row], source_name="线下报名表（演示）.xlsx"
        )
        created += 1
    # The two 工业视觉 projects (宁波 and the 视觉智能 thematic event) look alike: flag them now
    # rather than waiting for the task worker.
    # The e-mail address comes last, so building the demo sends no notification mails.
    User.objects.filter(username=MARKER).update(email="demo-enterprise@example.cn")
    similar = (
        Entry.objects.filter(title__startswith="工业视觉缺陷检测", status="submitted").order_by("pk").last()
    )
    if similar is not None:
        services.record_duplicates(similar.pk)
    return created


def _entrant_user(username: str, name: str) -> User:
    person = User(username=username, display_name=name[:100])
    if username == MARKER:
        person.set_password(PASSWORD)
    else:
        person.set_unusable_password()
    person.save()
    return person


def _register(owner: User, event: Event, group: str, data: dict, state: str, reviewer: User) -> Entry:
    """Take an entry through the lifecycle to ``state``, by the services."""
    entry = services.create_entry(by=owner, event=event, group_code=group, data={"title": data["title"]})
    entry = services.update_entry(
        by=owner, entry=entry, data=data, business_plan=("商业计划书.pdf", _pdf(data["title"]))
    )
    if state == D:
        return entry
    services.submit_entry(by=owner, entry=entry)
    if state in (RET, RES):
        services.return_entry(by=reviewer, entry=entry, comment=COMMENTS[RET])
    if state == RES:
        services.update_entry(
            by=owner, entry=entry, data={"team_description": data["team_description"] + "（已补充）"}
        )
        services.submit_entry(by=owner, entry=entry)
    if state == QUA:
        services.qualify_entry(by=reviewer, entry=entry, reason="材料齐全，符合参赛条件。")
    if state == DIS:
        services.disqualify_entry(by=reviewer, entry=entry, reason=COMMENTS[DIS])
    if state == WIT:
        services.withdraw_entry(by=owner, entry=entry, reason=COMMENTS[WIT])
    return entry


def _overseas_entrants(event: Event) -> None:
    """A German enterprise at the 德国 station (submitted) and a team of Chinese students in
    Singapore at the 新加坡 station (draft), both signing in with the demo password."""
    enterprise_owner = _login(OVERSEAS_ENTERPRISE, "Müller Präzisionstechnik GmbH", None)
    services.save_enterprise(by=enterprise_owner, data={
        "country": "DE", "name": "Müller Präzisionstechnik GmbH", "name_translated": "穆勒精密技术有限公司",
        "registration_number": "HRB 123456", "address": "Industriestraße 12, 70565 Stuttgart",
        "founded_on": "2015-04-01", "employees": "48", "revenue_last_year": "3200", "is_listed": False,
        "industry": "C", "contact_name": "Anna Müller", "contact_phone": "+49 1512 3456789",
    })  # fmt: skip
    data = _project(
        "Adaptive CNC spindle monitoring", "Vibration analytics that predict spindle wear.", "C", 900
    )
    entry = services.create_entry(by=enterprise_owner, event=event, group_code="enterprise",
                                  data={"title": data["title"]}, zone="de")  # fmt: skip
    services.update_entry(by=enterprise_owner, entry=entry, data=data,
                          business_plan=("business-plan.pdf", _pdf(data["title"])))  # fmt: skip
    services.submit_entry(by=enterprise_owner, entry=entry)

    team_owner = _login(OVERSEAS_TEAM, "Lion City Makers", None)
    members = [
        {"name": "王晨", "role": "Hardware", "phone": "+65 9123 4567", "nationality": "CN",
         "id_type": "passport", "id_number": "E12345678"},
        {"name": "Tan Wei Ming", "role": "Software", "phone": "8123 4568", "nationality": "SG",
         "id_type": "passport", "id_number": "K1234567A"},
    ]  # fmt: skip
    services.save_team(by=team_owner, data={
        "name": "Lion City Makers", "leader_name": "李思远", "leader_phone": "+65 8123 4567",
        "country": "SG", "is_overseas": True, "declares_not_enterprise": True,
    }, members=members)  # fmt: skip
    data = _project(
        "Smart water sensors for HDB flats", "Low-cost leak detection for public housing.", "M", 901
    )
    entry = services.create_entry(by=team_owner, event=event, group_code="maker", data={"title": data["title"]},
                                  zone="sg")  # fmt: skip
    services.update_entry(by=team_owner, entry=entry, data=data)
    # e-mail addresses last, so building the demo sends no notification mails
    User.objects.filter(username=OVERSEAS_ENTERPRISE).update(email="overseas-enterprise@example.com")
    User.objects.filter(username=OVERSEAS_TEAM).update(email="overseas-team@example.com")
