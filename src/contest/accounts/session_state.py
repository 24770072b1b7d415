"""What the session remembers about the sign-in: the second step, the account's class, last activity.

Kept in the session so an ordinary request costs no query: the middleware refreshes it (roles,
requirement, ``SignInSession`` row) at most once per ``security.TOUCH_EVERY``.

* ``TWO_FACTOR``: ``VERIFIED`` (both steps done), ``PENDING`` (password done, the account has an
  authenticator: a code is due) or ``NONE`` (password done, no authenticator);
* ``ACCOUNT``: ``{"staff": bool, "required": bool}`` from :mod:`contest.accounts.security`;
* ``SEEN``: Unix time of the last refresh (activity, to a minute).
"""

from __future__ import annotations

import time

from django.http import HttpRequest

from contest.accounts import security
from contest.accounts.models import SignInSession, User
from contest.core.client import origin

TWO_FACTOR = "_two_factor"
ACCOUNT = "_account"
SEEN = "_seen"
VERIFIED = "verified"
PENDING = "pending"
NONE = "none"


def describe(user: User) -> dict[str, bool]:
    kinds = security.account_kinds(user)
    return {
        "staff": security.is_staff_account(user, kinds),
        "required": security.two_factor_required(user, kinds),
    }


def start(request: HttpRequest, user: User) -> None:
    """Right after ``login()`` (any sign-in, including the test client's ``force_login``)."""
    session = request.session
    if session.session_key is None:
        session.save()
    session[TWO_FACTOR] = PENDING if security.has_two_factor(user) else NONE
    session[ACCOUNT] = describe(user)
    session[SEEN] = int(time.time())
    security.start_session(user=user, session_key=session.session_key, origin=origin(request))


def refresh(request: HttpRequest, user: User) -> None:
    session = request.session
    session[ACCOUNT] = describe(user)
    if TWO_FACTOR not in session:  # a session from before two-factor existed
        session[TWO_FACTOR] = PENDING if security.has_two_factor(user) else NONE
    session[SEEN] = int(time.time())
    if session.session_key:
        security.touch_session(user=user, session_key=session.session_key, origin=origin(request))


def mark_verified(request: HttpRequest) -> None:
    """Both steps are done: a new session key (no fixation across the step), the row follows it."""
    session = request.session
    old = session.session_key
    session.cycle_key()
    session[TWO_FACTOR] = VERIFIED
    if old and session.session_key and old != session.session_key:
        SignInSession.objects.filter(session_key=old).update(session_key=session.session_key)


def state(request: HttpRequest) -> str | None:
    return request.session.get(TWO_FACTOR)


def needs_enrolment(request: HttpRequest) -> bool:
    return request.session.get(TWO_FACTOR) == NONE and bool(request.session.get(ACCOUNT, {}).get("required"))
