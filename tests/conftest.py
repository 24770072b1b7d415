import os
from pathlib import Path

import pytest
from django.core.management import call_command

SEED_PLAN = Path(__file__).resolve().parent.parent / "src/contest/catalog/data/plans/edition9.txt"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses
# to run under a running loop unless told the caller knows what it is doing.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def plan_text() -> str:
    return SEED_PLAN.read_text(encoding="utf-8")


@pytest.fixture
def edition9(db):
    """The 9th edition imported from the shipped plan, through the real importer."""
    from contest.catalog.models import Edition

    call_command("import_plan", str(SEED_PLAN), "--edition", "9", verbosity=0)
    return Edition.objects.get(number=9)


@pytest.fixture
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS
