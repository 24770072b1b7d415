"""Demo data for expert review (stages “review” and “finals”), built by calling the services.

In 宁波's and 深圳's regional events of the 9th edition: when fewer than twelve entries are
qualified, a dozen more enterprises register, submit and are qualified through the registration
services; sixteen experts join the pool (universities, institutes, industry bodies and investment
firms, of all three kinds); every judge of the two rounds is invited to a judge account, and three
of them (``demo-judge-1`` … ``demo-judge-3``, 宁波) get the printed demo password. Each event then
gets a round “网络初评（演示）” with its entries and judges, detected conflicts, an assignment run,
an open review window, most score sheets submitted with plausible scores (a few left as drafts
or untouched — demo-judge-1 keeps some work to do), and a ranking snapshot. The secretariat sets
places and a deadline for recommending into the national review; 深圳 recommends three projects as
if from its data package, 宁波 what its round advances once published (``recommend_published``).

Idempotent: every step looks for what it would create first. The demo sends no e-mail (the
invitations and notices go to a dummy mail backend while it runs).
"""

from __future__ import annotations

import io
import random
from datetime import date, datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.test.utils import override_settings
from django.utils import timezone
from pypdf import PdfWriter
from stdnum.cn import uscc

from contest.accounts.models import User
from contest.catalog.models import Edition, Event
from contest.core.errors import ContestError
from contest.registration import services as reg
from contest.registration.enums import EntryStatus
from contest.registration.models import Entry, RegistrationWindow
from contest.registration.models.rules import SHANGHAI
from contest.review import services
from contest.review.enums import RoundStatus, RunStatus
from contest.review.models import (
    Assignment,
    Expert,
    RankingSnapshot,
    Recommendation,
    RecommendationDeadline,
    ReviewRound,
    ScoreSheet,
)

STAGES = ("review", "finals")
PASSWORD = "cnmaker-demo-2024"  # noqa: S105 - printed by `make run`; demo only
ROUND_NAME = "网络初评（演示）"
TARGET_QUALIFIED = 12
EVENTS = {"ningbo": ("regional", 30), "shenzhen": ("regional", 33)}
ORGANIZERS = {"ningbo": "ningbo-organizer", "shenzhen": "shenzhen-organizer"}

#: (key, name, organization, title, kind, expertise, regions, events)
EXPERTS = [
    ("nb01", "王建华", "浙江大学", "教授", "technical", ["C", "I"], ["330000"], ("ningbo",)),
    ("nb02", "陈丽娟", "宁波大学", "教授", "technical", ["C", "M"], ["330000"], ("ningbo",)),
    ("nb03", "周志刚", "中国科学院宁波材料技术与工程研究所", "研究员", "technical", ["C"], ["330000"], ("ningbo",)),
    ("nb04", "徐海燕", "宁波工业互联网研究院", "高级工程师", "industry", ["I", "C"], ["330000"], ("ningbo",)),
    ("nb05", "孙国强", "宁波市智能制造产业研究院", "副院长", "industry", ["C"], ["330000", "310000"], ("ningbo",)),
    ("nb06", "胡晓敏", "宁波甬创投资管理有限公司", "合伙人", "investment", ["C", "I", "A"], ["330000"], ("ningbo",)),
    ("nb07", "林少华", "浙江省创业投资协会", "秘书长", "investment", ["I", "M"], ["330000"], ("ningbo",)),
    ("nb08", "郑永康", "浙江工业大学", "教授", "technical", ["A", "C", "I"], ["330000"], ("ningbo", "shenzhen")),
    ("sz01", "黄志明", "南方科技大学", "教授", "technical", ["C", "I"], ["440000"], ("shenzhen",)),
    ("sz02", "李晓峰", "深圳清华大学研究院", "研究员", "technical", ["C", "M"], ["440000"], ("shenzhen",)),
    ("sz03", "刘佳怡", "哈尔滨工业大学（深圳）", "副教授", "technical", ["I", "D"], ["440000"], ("shenzhen",)),
    ("sz04", "吴伟东", "深圳市智能机器人研究院", "高级工程师", "industry", ["C"], ["440000"], ("shenzhen",)),
    ("sz05", "何晓东", "深圳市半导体行业协会", "副秘书长", "industry", ["C", "M"], ["440000"], ("shenzhen",)),
    ("sz06", "杨帆", "深圳前海嘉禾创业投资有限公司", "投资总监", "investment", ["C", "I", "M"], ["440000"],
     ("shenzhen",)),
    ("sz07", "张敏", "大湾区科技成果转化投资基金", "合伙人", "investment", ["I", "F", "L"], ["440000", "810000"],
     ("shenzhen",)),
    ("sz08", "罗建平", "中山大学", "教授", "technical", ["M", "C"], ["440000"], ("shenzhen",)),
]  # fmt: skip
#: which experts get the printed demo logins
DEMO_JUDGES = {"nb01": "demo-judge-1", "nb04": "demo-judge-2", "nb06": "demo-judge-3"}
DEMO_LABELS = {"nb01": "评审专家 judge (宁波, 技术)", "nb04": "评审专家 judge (宁波, 产业)",
               "nb06": "评审专家 judge (宁波, 投资)"}  # fmt: skip

#: round settings per event
ROUNDS = {
    "ningbo": {"judges_per_entry": 5, "default_max_load": 12, "aggregation": "trimmed_mean", "require_investor": True},
    "shenzhen": {"judges_per_entry": 3, "default_max_load": 10, "normalize": True, "rank_by_industry": True},
}  # fmt: skip

#: (division of the credit code, enterprise, industry, project, summary) — the extra entries per event
PROJECTS = {
    "ningbo": [
        ("330203", "宁波海曙智联传感科技有限公司", "C", "工业无线振动传感器", "低功耗无线振动监测，预测设备故障。"),
        ("330205", "宁波江北绿能环保科技有限公司", "N", "印染废水膜处理回用系统", "陶瓷膜+反渗透组合工艺，回用率 70%。"),
        ("330206", "宁波北仑智慧港口装备有限公司", "C", "岸桥远程操控系统", "5G 低时延远控，一人多机。"),
        ("330211", "宁波镇海新能源材料有限公司", "C", "钠离子电池正极材料", "层状氧化物正极，循环 3000 次。"),
        ("330212", "宁波鄞州数字医疗科技有限公司", "I", "基层慢病随访 AI 助手", "语音随访与风险分层，减轻基层负担。"),
        ("330213", "宁波奉化智能农机有限公司", "C", "丘陵茶园电动采茶机", "轻量化电驱，适合 25° 以下坡地。"),
        ("330203", "宁波海曙跨境供应链有限公司", "L", "跨境小包智能分拣", "视觉识别面单，分拣效率提升 3 倍。"),
        ("330205", "宁波江北工业软件有限公司", "I", "模具企业 MES 轻量版", "按月订阅的模具行业生产执行系统。"),
        ("330206", "宁波北仑新材料科技有限公司", "C", "汽车轻量化碳纤维部件", "热塑性碳纤维一体成型，减重 40%。"),
        ("330211", "宁波镇海安全科技有限公司", "M", "化工园区泄漏红外监测", "红外光谱成像识别 VOCs 泄漏。"),
        ("330212", "宁波鄞州文创科技有限公司", "R", "非遗技艺数字化教学平台", "动作捕捉记录非遗技艺，线上教学。"),
        ("330213", "宁波奉化健康食品有限公司", "C", "水蜜桃冻干深加工", "真空冻干保留风味，延长货架期。"),
    ],
    "shenzhen": [
        ("440305", "深圳南山光子芯片有限公司", "C", "硅光模块 800G 光引擎", "硅光集成降低功耗 30%。"),
        ("440304", "深圳福田智慧法务科技有限公司", "I", "中小企业合同审查 AI", "大模型识别合同风险条款。"),
        ("440306", "深圳宝安激光装备有限公司", "C", "动力电池激光焊接工作站", "视觉引导焊接，良率 99.5%。"),
        ("440307", "深圳龙岗新能源汽车电子有限公司", "C", "车载 OBC 双向充电机", "V2G 双向充放电，效率 96%。"),
        ("440309", "深圳龙华医疗机器人有限公司", "C", "血管介入手术机器人", "主从式导丝导管操控，降低辐射暴露。"),
        ("440303", "深圳罗湖数字文旅有限公司", "R", "城市夜游数字光影", "光影秀与小程序联动的夜游产品。"),
        ("440305", "深圳南山生物材料有限公司", "M", "可降解止血微球", "植物多糖止血微球，30 秒止血。"),
        ("440304", "深圳福田低碳科技有限公司", "M", "企业碳足迹核算 SaaS", "对接电表与 ERP 的碳核算平台。"),
        ("440306", "深圳宝安柔性电路有限公司", "C", "可穿戴柔性电路板", "超薄可拉伸 FPC，用于智能穿戴。"),
        ("440307", "深圳龙岗智慧物流有限公司", "G", "无人配送车调度平台", "园区无人车编队调度与远程接管。"),
        ("440309", "深圳龙华工业视觉有限公司", "I", "3C 外观缺陷检测一体机", "多光源成像，检出率 99.8%。"),
        ("440303", "深圳罗湖金融科技有限公司", "J", "小微企业票据融资平台", "区块链票据拆分流转，降低融资成本。"),
    ],
}  # fmt: skip


def build(*, stage: str, stdout) -> list[tuple[str, str, str]]:
    if stage not in STAGES:
        return []
    edition = Edition.objects.filter(number=9).first()
    if edition is None:
        stdout.write("评审演示数据：没有第九届赛事计划，跳过。")
        return []
    admin = (
        User.objects.filter(username="secretariat").first() or User.objects.filter(is_superuser=True).first()
    )
    if admin is None:
        stdout.write("评审演示数据：没有秘书处账号，跳过。")
        return []
    events = {key: Event.objects.get(edition=edition, tier=t, seq=s) for key, (t, s) in EVENTS.items()}
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        experts = _experts(admin)
        logins = _judge_accounts(admin, experts)
        for key, event in events.items():
            actor = User.objects.filter(username=ORGANIZERS[key]).first() or admin
            _ensure_qualified(key, event, admin, stdout)
            round_ = _round(
                key, event, actor, [experts[k] for k, *_rest, keys in EXPERTS if key in keys], stdout
            )
            _score(round_, stdout)
            if (
                round_.status == RoundStatus.OPEN
                and not RankingSnapshot.objects.filter(round=round_).exists()
            ):
                services.snapshot_ranking(by=actor, round=round_)
        _recommendations(edition, events, admin, stdout)
    return logins


# -- recommendations into the national review -------------------------------------------------------------

#: places per event key and group; 宁波 recommends the ten its published round advances (the finals demo
#: publishes it and then calls ``recommend_published``), 深圳 three projects as if from its data package
RECOMMENDATION_QUOTAS = {"ningbo": {"enterprise": 10, "maker": 2}, "shenzhen": {"enterprise": 5, "maker": 2}}
#: recommendations are due three weeks after the demo is built, at 18:00 Beijing time
RECOMMENDATION_DAYS = 21
#: a few more events with places, so the secretariat's checklist shows events yet to recommend
OTHER_QUOTAS = {("regional", 1): 6, ("regional", 2): 4, ("thematic", 1): 3}


def _recommendations(edition: Edition, events: dict[str, Event], admin: User, stdout) -> None:
    """Places and the deadline (the secretariat), 深圳's recommendations from its 'data package', and
    宁波's from its published advancement once the finals demo has published it."""
    if not RecommendationDeadline.objects.filter(edition=edition).exists():
        due = timezone.localtime(timezone.now() + timedelta(days=RECOMMENDATION_DAYS), SHANGHAI)
        due_at = due.replace(hour=18, minute=0, second=0, microsecond=0)
        services.set_recommendation_deadline(by=admin, edition=edition, due_at=due_at)
    for key, groups in RECOMMENDATION_QUOTAS.items():
        for group, count in groups.items():
            services.set_recommendation_quota(by=admin, event=events[key], group_code=group, count=count)
    for (tier, seq), count in OTHER_QUOTAS.items():
        other = Event.objects.filter(edition=edition, tier=tier, seq=seq).first()
        if other is not None:
            services.set_recommendation_quota(by=admin, event=other, group_code="enterprise", count=count)
    shenzhen = events["shenzhen"]
    if not Recommendation.objects.filter(event=shenzhen).exists():
        entries = list(Entry.objects.filter(event=shenzhen, status=EntryStatus.QUALIFIED, group__code="enterprise")
                       .order_by("number", "pk")[:3])  # fmt: skip
        if entries:
            actor = User.objects.filter(username=ORGANIZERS["shenzhen"]).first() or admin
            results = [(e, services.LocalResult(rank=i, score=Decimal(92) - 3 * i, award=("一等奖", "二等奖", "二等奖")[i - 1]))
                       for i, e in enumerate(entries, start=1)]  # fmt: skip
            services.recommend_entries(by=actor, event=shenzhen, results=results, source="package")
            stdout.write(
                f"评审演示数据：“{shenzhen.name}”向全国评审推荐 {len(entries)} 个项目（赛事数据包）。"
            )
    recommend_published(events["ningbo"], admin, stdout)


def recommend_published(event: Event, admin: User, stdout) -> None:
    """``event`` recommends what its published round advanced (once; nothing before it publishes)."""
    if Recommendation.objects.filter(event=event).exists():
        return
    if not ReviewRound.objects.filter(event=event, status=RoundStatus.PUBLISHED).exists():
        return
    actor = User.objects.filter(username=ORGANIZERS.get("ningbo", "")).first() or admin
    try:
        rows = services.recommend_from_advancement(by=actor, event=event)
    except ContestError as exc:
        stdout.write(f"评审演示数据：“{event.name}”未能推荐（{exc.message}）")
        return
    stdout.write(f"评审演示数据：“{event.name}”按发布的晋级结果向全国评审推荐 {len(rows)} 个项目。")


# -- the pool and the judges' accounts ----------------------------------------------------------------


def _phone(index: int) -> str:
    return f"1398800{index:04d}"


def _experts(admin: User) -> dict[str, Expert]:
    out = {}
    for index, (key, name, org, title, kind, expertise, regions, _events) in enumerate(EXPERTS, start=1):
        expert = Expert.objects.filter(phone=f"+86{_phone(index)}").first()
        if expert is None:
            expert = services.add_expert(by=admin, data={
                "name": name, "organization_name": org, "title": title, "kind": kind, "expertise": expertise,
                "regions": regions, "phone": _phone(index), "email": f"expert{index:02d}@example.cn",
            })  # fmt: skip
        out[key] = expert
    return out


def _judge_accounts(admin: User, experts: dict[str, Expert]) -> list[tuple[str, str, str]]:
    """Every expert gets a judge account (invited through the service); three get demo passwords."""
    logins = []
    for key, expert in experts.items():
        if expert.user_id is None:
            username = DEMO_JUDGES.get(key)
            if username and User.objects.filter(username=username).exists():
                username = None  # taken by someone else: the service picks judge-<id>
            if expert.email_verified_at is None:  # the demo expert "clicks" the confirmation link
                services.verify_expert_email(token=services.expert_verification_token(expert))
            services.invite_expert(by=admin, expert=expert, username=username)
            expert.refresh_from_db()
        if key in DEMO_JUDGES and expert.user.username == DEMO_JUDGES[key]:
            if not expert.user.has_usable_password():
                expert.user.set_password(PASSWORD)
                expert.user.save(update_fields=["password"])
            logins.append((DEMO_LABELS[key], DEMO_JUDGES[key], PASSWORD))
    return logins


# -- qualified entries ------------------------------------------------------------------------------------


def _pdf(title: str) -> bytes:
    writer = PdfWriter()
    for _ in range(3):
        writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": f"{title} 商业计划书"})
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


def _credit_code(division: str, index: int) -> str:
    head = f"91{division}MA{index:07d}"
    return head + uscc.calc_check_digit(head)


def _ensure_qualified(key: str, event: Event, admin: User, stdout) -> None:
    """When fewer than twelve entries are qualified, a dozen more register and are qualified."""
    if Entry.objects.filter(event=event, status=EntryStatus.QUALIFIED).count() >= TARGET_QUALIFIED:
        return
    window = RegistrationWindow.objects.filter(event=event).first()
    if window is None:
        reg.set_registration_window(by=admin, event=event, opens_at=datetime(2024, 6, 1, 9, tzinfo=SHANGHAI),
                                    closes_on=date(2030, 7, 31))  # fmt: skip
    elif not window.is_open(timezone.now()):
        stdout.write(f"评审演示数据：“{event.name}”报名已截止，不再新增项目。")
        return
    offset = 700 if key == "ningbo" else 800
    made = 0
    for i, (division, name, industry, title, summary) in enumerate(PROJECTS[key], start=1):
        username = f"demo-review-{key}-{i:02d}"
        if User.objects.filter(username=username).exists():
            continue
        with transaction.atomic():
            owner = User(username=username, display_name=name)
            owner.set_unusable_password()  # no e-mail either: registering sends no notices
            owner.save()
            reg.save_enterprise(by=owner, data={
                "name": name, "credit_code": _credit_code(division, offset + i), "founded_on": f"{2014 + i % 9}-03-18",
                "registered_capital": str(200 + 50 * i), "employees": str(20 + 9 * i),
                "revenue_last_year": str(400 + 173 * i), "is_listed": False, "industry": industry,
                "sme_status": ("innovative", "srdi", "none")[i % 3], "contact_name": name[2:4] + "经理",
                "contact_phone": f"1375{offset // 100}{i:06d}", "division_confirmed": True,
            })  # fmt: skip
            entry = reg.create_entry(by=owner, event=event, group_code="enterprise", data={"title": title})
            reg.update_entry(by=owner, entry=entry, business_plan=("商业计划书.pdf", _pdf(title)), data={
                "title": title, "industry": industry, "summary": summary,
                "innovation": f"{title}的关键技术已申请发明专利，核心指标优于同类产品。",
                "market": "目标客户为区域内中小制造企业，市场规模约数十亿元。",
                "business_model": "设备销售 + 年度服务订阅。", "team_description": "核心团队 10 人，博士 2 人。",
                "finances": [{"year": year, "revenue": str((400 + 173 * i) * n // 3), "profit": str((20 + 7 * i) * n // 3)}
                             for n, year in enumerate((2021, 2022, 2023), start=1)],
                "funding_sought": str(800 + 100 * i),
            })  # fmt: skip
            reg.submit_entry(by=owner, entry=entry)
            entry.refresh_from_db()
            reg.qualify_entry(by=admin, entry=entry, reason="材料齐全，符合参赛条件。")
        made += 1
    stdout.write(f"评审演示数据：“{event.name}”新增并通过资格审查 {made} 个项目。")


# -- the round, its assignment and its scores ------------------------------------------------------------


def _round(key: str, event: Event, actor: User, experts: list[Expert], stdout) -> ReviewRound:
    round_ = ReviewRound.objects.filter(event=event, name=ROUND_NAME).first()
    if round_ is None:
        now = timezone.now()
        round_ = services.create_round(by=actor, edition=event.edition, event=event, data={
            "name": ROUND_NAME, "stage": "preliminary", "opens_at": now - timedelta(days=7),
            "closes_at": now + timedelta(days=14), **ROUNDS[key],
        })  # fmt: skip
    if round_.status == RoundStatus.DRAFT:
        services.add_entries(by=actor, round=round_)
        services.add_judges(by=actor, round=round_, experts=experts)
        services.detect_conflicts(by=actor, round=round_)
        if not round_.assignments.exists():
            run = services.request_assignment(by=actor, round=round_)
            run.refresh_from_db()
            if run.status == RunStatus.QUEUED:  # no task worker here: solve in this process
                run = services.run_assignment(run.pk)
            if run.status != RunStatus.DONE:
                stdout.write(f"评审演示数据：“{event.name}”自动分配失败：{run.message}")
                return round_
        round_ = services.set_round_status(by=actor, round=round_, to=RoundStatus.OPEN)
        stdout.write(f"评审演示数据：“{event.name}”{ROUND_NAME}：{round_.round_entries.count()} 个项目，"
                     f"{round_.round_judges.count()} 位专家，{round_.assignments.count()} 个分配。")  # fmt: skip
    return round_


def _score(round_: ReviewRound, stdout) -> None:
    """Plausible scores: each entry has a quality, each judge a leaning, each criterion some noise;
    scores in half points. About one sheet in eight stays a draft or untouched, and demo-judge-1
    keeps three assignments to do."""
    if round_.status != RoundStatus.OPEN or ScoreSheet.objects.filter(assignment__round=round_).exists():
        return
    rubric = services.rubric_of(round_)
    assignments = list(
        Assignment.objects.filter(round=round_)
        .select_related("round", "round_entry__entry", "expert__user")
        .order_by("round_entry__code", "expert_id")
    )
    saved = {"submitted": 0, "draft": 0}
    demo_left = 3
    for a in assignments:
        if a.expert.user_id is None:
            continue
        rng = random.Random(f"{a.round_entry.entry.title}|{a.expert.name}")  # noqa: S311 - demo scores
        quality = 0.55 + 0.35 * random.Random(a.round_entry.entry.title).random()  # noqa: S311
        leaning = 0.1 * random.Random(a.expert.name).random() - 0.05  # noqa: S311
        scores = {}
        for c in rubric:
            fraction = min(1.0, max(0.2, quality + leaning + rng.uniform(-0.06, 0.06)))
            scores[c.code] = format((Decimal(round(float(c.max_score) * fraction * 2)) / 2).normalize(), "f")
        if a.expert.user.username == "demo-judge-1" and demo_left > 0:
            demo_left -= 1
            continue
        fate = rng.random()
        if fate < 0.06:
            continue
        submit = fate >= 0.12
        try:
            services.save_sheet(by=a.expert.user, assignment=a, scores=scores, submit=submit,
                                comment="创新点清晰，市场验证尚需加强。" if submit else "")  # fmt: skip
        except ContestError as exc:  # pragma: no cover - the demo keeps going
            stdout.write(f"评审演示数据：评分未保存（{exc.message}）")
            continue
        saved["submitted" if submit else "draft"] += 1
    stdout.write(f"评审演示数据：{round_}：已提交 {saved['submitted']} 份评分，草稿 {saved['draft']} 份。")
