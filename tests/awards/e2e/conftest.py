"""The shared browser fixtures (tests/e2e/conftest.py) for the awards browser tests."""

from tests.e2e.conftest import browser, divisions, new_context

__all__ = ["browser", "divisions", "new_context"]
