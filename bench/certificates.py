"""Benchmark: 500 award certificates (PDF, Chinese, embedded font, QR code), target < 60 s in all.

    .venv/bin/python bench/certificates.py [--count 500]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/scratch .venv/bin/python bench/certificates.py

Builds a throw-away database (a temporary SQLite file, or a test database next to the one
DATABASE_URL names) and a temporary MEDIA_ROOT, imports the shipped 9th-edition plan, and
bulk-creates ``count`` qualified entries of 宁波's event with confirmed awards (setup speed only;
entrant names vary so the font cut has real work). Then it times the real path — one
certificate batch run in process (``request_certificates(run_now=True)``): the font cut (cold: the
cache directory starts empty), every PDF rendered, hashed, stored and recorded with its audit
record. Per-certificate times are the gaps between consecutive ``issued_at`` stamps. ``cpu_s`` is
the batch process's CPU time for the run, ``workers_cpu_s`` its render workers' (``--workers 1``
renders in the batch process) and ``load_average_1m`` the machine's load when it ended: on a
shared machine the wall time says more about the neighbours than about this code. Ends with one
JSON line.
"""

from __future__ import annotations

import argparse
import io
import itertools
import json
import os
import resource
import sys
import tempfile
import time
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PLAN = ROOT / "src/contest/catalog/data/plans/edition9.txt"
TARGET_S = 60.0
SURNAMES = "赵钱孙李周吴郑王冯陈褚卫蒋沈韩杨朱秦尤许何吕施张孔曹严华金魏陶姜戚谢邹喻柏水窦章云苏潘葛奚范彭郎鲁韦昌马苗凤花方"
WORDS = ["智能", "精密", "绿色", "海洋", "数字", "新材料", "医疗", "光电", "储能", "机器人", "传感", "环保"]
THINGS = ["检测平台", "控制系统", "装备", "云服务", "芯片", "解决方案", "材料", "机器人"]
LEVELS = [("一等奖", 1), ("二等奖", 2), ("三等奖", 3)]


def percentile(values: list[float], share: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered)) - 1))]


def setup_django(tmp: Path) -> bool:
    sys.path.insert(0, str(ROOT / "src"))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "contest.settings.test")
    os.environ["MEDIA_ROOT"] = str(tmp / "media")
    use_server = "DATABASE_URL" in os.environ
    if not use_server:
        os.environ["DATABASE_URL"] = f"sqlite:///{tmp / 'bench.sqlite3'}"
    import django

    warnings.filterwarnings("ignore", message="No directory at", category=UserWarning)
    django.setup()
    return use_server


def add_awards(event, organizer, count: int) -> None:
    """``count`` qualified entries with confirmed awards: 1/2/3 then 优胜奖 (bulk, setup only)."""
    from django.contrib.auth.hashers import make_password
    from django.utils import timezone
    from stdnum.cn import uscc

    from contest.accounts.models import User
    from contest.awards.enums import AwardStatus
    from contest.awards.models import Award
    from contest.awards.services import ensure_default_levels
    from contest.catalog.models import Division, EditionGroup
    from contest.registration.models import Enterprise, Entry

    group = EditionGroup.objects.get(edition_id=event.edition_id, code="enterprise")
    ningbo = Division.objects.get(code="330200")
    levels = ensure_default_levels(edition=event.edition)
    unusable = make_password(None)
    users = User.objects.bulk_create(
        [User(username=f"bench-{i:05d}", password=unusable) for i in range(count)]
    )
    enterprises = []
    for i, user in enumerate(users):
        head = f"91330203MA{i:07d}"
        code = head + uscc.calc_check_digit(head)
        name = f"宁波{SURNAMES[i % len(SURNAMES)]}{SURNAMES[(i * 7) % len(SURNAMES)]}{WORDS[i % len(WORDS)]}科技有限公司"
        enterprises.append(Enterprise(owner=user, name=name, credit_code=code, division_code="330203", division=ningbo,
                                      division_confirmed=True, founded_on="2018-01-01", registered_capital=500,
                                      employees=50, revenue_last_year=3000, industry="C", contact_name="张伟",
                                      contact_phone="+8613812345678"))  # fmt: skip
    enterprises = Enterprise.objects.bulk_create(enterprises)
    entries = Entry.objects.bulk_create([
        Entry(edition_id=event.edition_id, event=event, group=group, owner=e.owner, enterprise=e,
              credit_code=e.credit_code, division=ningbo, industry="C", summary="演示项目。", status="qualified",
              title=f"{WORDS[(i * 5) % len(WORDS)]}{THINGS[i % len(THINGS)]}{i}", number=f"CK9-R30-{i:06d}")
        for i, e in enumerate(enterprises)
    ])  # fmt: skip
    plan = [name for name, n in LEVELS for _ in range(n)]
    now = timezone.now()
    awards, seen = [], {}
    for i, entry in enumerate(entries):
        name = plan[i] if i < len(plan) else "优胜奖"
        seen[name] = seen.get(name, 0) + 1
        awards.append(Award(event=event, group=group, entry=entry, level=levels[name], order=seen[name],
                            status=AwardStatus.CONFIRMED, staged_by=organizer, confirmed_by=organizer,
                            confirmed_at=now))  # fmt: skip
    Award.objects.bulk_create(awards)
    return group


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument(
        "--workers", type=int, default=0, help="render processes (0: the default, CERTIFICATE_WORKERS or 1)"
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-certificates-") as tmp:
        use_server = setup_django(Path(tmp))

        from django.core.management import call_command
        from django.db import connection
        from django.test.utils import setup_test_environment, teardown_test_environment

        setup_test_environment()
        old_name = connection.settings_dict["NAME"]
        if use_server:
            connection.settings_dict["TEST"]["NAME"] = f"test_{old_name}_bench_{os.getpid()}"
        try:
            if use_server:
                connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
            else:
                call_command("migrate", verbosity=0, interactive=False)
            call_command("import_plan", str(PLAN), "--edition", "9", verbosity=0, stdout=io.StringIO())

            from django.conf import settings

            from contest.accounts.enums import RoleKind
            from contest.accounts.models import Role, User
            from contest.awards import pdf, services
            from contest.awards.models import Certificate
            from contest.catalog.models import Event

            if args.workers:
                settings.CERTIFICATE_WORKERS = args.workers
            pdf.FONT_CACHE = Path(tmp) / "fonts"  # cold: the font is cut inside the timed run
            event = Event.objects.get(edition__number=9, tier="regional", seq=30)
            organizer = User.objects.create_user("bench-organizer")
            Role.objects.create(
                user=organizer, kind=RoleKind.ORGANIZER, organization=event.roles.first().organization
            )
            group = add_awards(event, organizer, args.count)

            t0, c0 = time.perf_counter(), time.process_time()
            children0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            batch = services.request_certificates(by=organizer, event=event, group=group,
                                                  site_url="https://www.cnmaker.org.cn", run_now=True)  # fmt: skip
            total_s, cpu_s = time.perf_counter() - t0, time.process_time() - c0
            children1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            workers_cpu_s = (children1.ru_utime + children1.ru_stime) - (
                children0.ru_utime + children0.ru_stime
            )
            from contest.awards.services.certificates import render_workers

            workers = render_workers(args.count)
            load = os.getloadavg()[0]
            stamps = list(Certificate.objects.order_by("issued_at").values_list("issued_at", flat=True))
            sizes = list(Certificate.objects.values_list("size", flat=True))
            gaps = [(b - a).total_seconds() * 1000 for a, b in itertools.pairwise(stamps)]
            status, made = batch.status, batch.done - batch.skipped
        finally:
            if use_server and connection.settings_dict["NAME"] != old_name:  # never the real database
                connection.creation.destroy_test_db(old_name, verbosity=0)
            connection.close()
            teardown_test_environment()

    result = {
        "bench": "certificates",
        "database": connection.vendor,
        "certificates": made,
        "status": status,
        "total_s": round(total_s, 2),
        "cpu_s": round(cpu_s, 2),
        "workers": workers,
        "workers_cpu_s": round(workers_cpu_s, 2),
        "load_average_1m": round(load, 1),
        "cpus": os.cpu_count(),
        "per_certificate_ms_median": round(percentile(gaps, 0.5), 1) if gaps else None,
        "per_certificate_ms_p95": round(percentile(gaps, 0.95), 1) if len(gaps) > 1 else None,
        "pdf_kb_median": round(percentile(sizes, 0.5) / 1024, 1) if sizes else None,
        "target_s": TARGET_S,
        "meets_target": status == "done" and made == args.count and total_s < TARGET_S,
    }
    sys.stderr.write(f"{made} certificates in {result['total_s']} s, median {result['per_certificate_ms_median']} ms "
                     f"each, {result['pdf_kb_median']} KB each\n")  # fmt: skip
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
