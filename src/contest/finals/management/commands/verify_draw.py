"""``manage.py verify_draw --all`` / ``verify_draw <session_id> …``: re-derive every recorded
speaking-order draw with ``finals.draw.verify`` and check the session's entries and speaking
positions against the record. One line per session; exits non-zero on any mismatch."""

from django.core.management.base import BaseCommand, CommandError

from contest.finals import draw as drawing
from contest.finals.models import DrawRecord, RoadshowSession


def problems_of(record: DrawRecord) -> list[str]:
    """Everything that does not match in one session's draw; empty when it checks out."""
    try:
        problems = drawing.verify(record.room_value, record.entries, record.seed, record.order)
    except ValueError as exc:
        return [f"记录无法复算：{exc}"]
    slots = sorted(record.session.slots.select_related("entry"), key=lambda s: (s.position or 0, s.pk))
    numbers = sorted(s.entry.number for s in slots)
    if numbers != list(record.entries):
        problems.append(f"项目名单与记录不符：现为 {numbers}，记录为 {list(record.entries)}")
    for slot in slots:
        position = slot.position or 0
        expected = record.order[position - 1] if 1 <= position <= len(record.order) else None
        if expected != slot.entry.number:
            problems.append(f"出场顺序与记录不符：第 {position} 位为 {slot.entry.number}，记录为 {expected}")
    return problems


class Command(BaseCommand):
    help = "复核路演抽签：按记录的现场数值与项目名单重新计算种子和出场顺序，与记录及各项目的出场序号比对；有不符时以非零状态退出。"

    def add_arguments(self, parser):
        parser.add_argument("session_ids", nargs="*", type=int, help="场次编号")
        parser.add_argument("--all", action="store_true", help="复核全部已抽签的场次")

    def handle(self, *args, session_ids, all, **options):
        if all == bool(session_ids):
            raise CommandError("请给出场次编号，或使用 --all。")
        records = DrawRecord.objects.select_related("session").order_by("session_id")
        if not all:
            found = set(RoadshowSession.objects.filter(pk__in=session_ids).values_list("pk", flat=True))
            missing = [str(pk) for pk in session_ids if pk not in found]
            if missing:
                raise CommandError(f"没有编号为 {', '.join(missing)} 的场次。")
            records = records.filter(session_id__in=session_ids)
            drawn = {r.session_id for r in records}
            undrawn = [str(pk) for pk in session_ids if pk not in drawn]
            if undrawn:
                raise CommandError(f"场次 {', '.join(undrawn)} 尚未抽签。")
        bad = 0
        count = 0
        for record in records:
            count += 1
            session = record.session
            problems = problems_of(record)
            if problems:
                bad += 1
                self.stdout.write(f"场次 {session.pk}「{session.name}」：抽签不符 — {'；'.join(problems)}")
            else:
                self.stdout.write(f"场次 {session.pk}「{session.name}」：抽签复核一致（{record.algorithm}，"
                                  f"{len(record.order)} 个项目，种子 {record.seed}）")  # fmt: skip
        if bad:
            raise CommandError(f"{bad} 个场次的抽签与记录不符。")
        self.stdout.write(f"共复核 {count} 个场次，全部一致。")
