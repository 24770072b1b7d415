import os
from pathlib import Path

import pytest
from django.core.management import call_command
from hypothesis import settings as hypothesis_settings

# Property tests run the same examples every time: a failure in CI reproduces locally, and
# a suite that passed does not fail later on an example it never tried (flaky = defect).
hypothesis_settings.register_profile("contest", derandomize=True, deadline=None, database=None)
hypothesis_settings.load_profile("contest")

SEED_PLAN = Path(__file__).resolve().parent.parent / "src/contest/catalog/data/plans/edition9.txt"
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"

# Playwright's sync API runs an event loop in the test thread; Django's ORM refuses
# to run under a running loop unless told the caller knows what it is doing.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")


@pytest.fixture
def plan_text() -> str:
    return SEED_PLAN.read_text(encoding="utf-8")


@pytest.fixture
def edition9(db, restore_divisions):
    """The 9th edition imported from the shipped plan, through the real importer (the divisions it
    needs are put back first if an earlier transactional test's flush removed them)."""
    from contest.catalog.models import Edition

    call_command("import_plan", str(SEED_PLAN), "--edition", "9", verbosity=0)
    return Edition.objects.get(number=9)


@pytest.fixture
def artifacts_dir() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


@pytest.fixture
def restore_divisions():
    """Transactional tests end with a flush that empties the divisions a migration loads;
    a transactional test that needs them asks for this fixture."""
    from contest.catalog.divisions import load_divisions
    from contest.catalog.models import Division

    if not Division.objects.exists():
        load_divisions(Division)


@pytest.fixture
def ningbo(edition9):
    """宁波's regional event, open for registration."""
    from contest.catalog.models import Event

    from .registration.factories import open_registration

    event = Event.objects.get(edition=edition9, tier="regional", seq=30)
    open_registration(event)
    return event


@pytest.fixture(autouse=True)
def _media_root(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts and ends in the site's default language: the locale middleware leaves the
    last request's language active in the thread, and lazy labels would follow it into the next test."""
    from django.conf import settings
    from django.utils import translation

    translation.activate(settings.LANGUAGE_CODE)
    yield
    translation.activate(settings.LANGUAGE_CODE)


@pytest.fixture(autouse=True)
def _two_factor_sign_in(request, monkeypatch):
    """Two-factor sign-in (issue 10) stays on (``TWO_FACTOR_REQUIRED``): the test client's
    ``force_login`` stands for a completed sign-in, both steps done (it skips the password too).
    Browser tests, which sign in through the pages, run with the requirement off unless they switch
    it on; tests/accounts/test_two_factor.py tests the enforcement with it on."""
    from django.test import Client

    from contest.accounts.session_state import TWO_FACTOR, VERIFIED

    original = Client.force_login

    def force_login(self, user, backend=None):
        original(self, user, backend)
        session = self.session
        session[TWO_FACTOR] = VERIFIED
        session.save()

    monkeypatch.setattr(Client, "force_login", force_login)
    if "live_server" in request.fixturenames:
        request.getfixturevalue("settings").TWO_FACTOR_REQUIRED = False


@pytest.fixture(autouse=True)
def _privacy_consent_at_sign_in(settings):
    """Asking for consent to a changed privacy notice at sign-in (issue 10) is off in tests, whose
    users come from factories that never accepted it; tests/core/test_privacy_consent.py switches
    it on (``PRIVACY_CONSENT_AT_SIGN_IN``) to test the interstitial."""
    settings.PRIVACY_CONSENT_AT_SIGN_IN = False
