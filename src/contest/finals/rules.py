"""Finals permissions.

* ``finals.manage_session``: the event's organizers and the edition's secretariat build a session
  (entries, panel, draw, start, finish).
* ``finals.chair_session``: the session's chair runs the stage (open, close, absent, timer,
  corrections); whoever manages the session may act as chair too.
* ``finals.view_session``: managers, the chair and the panel's judges see a session through the
  API (``finals.api``; the notary's view and the screens decide their own access).
* ``finals.submit_live_score``: a judge seated on the session's panel.
A refusal answers 404 everywhere (``contest.core.access.require`` raises ``NotFound``).
"""

import rules

from contest.accounts.rules import is_secretariat_for_edition, organizes_event


@rules.predicate
def manages_session(user, session) -> bool:
    if session is None or not getattr(user, "is_authenticated", False):
        return False
    if is_secretariat_for_edition(user, session.edition_id):
        return True
    return organizes_event(user, session.event)


@rules.predicate
def chairs_session(user, session) -> bool:
    return (
        session is not None
        and session.chair_id is not None
        and getattr(user, "is_authenticated", False)
        and session.chair_id == user.pk
    )


@rules.predicate
def sits_on_panel(user, session) -> bool:
    if session is None or not getattr(user, "is_authenticated", False):
        return False
    return session.judges.filter(expert__user_id=user.pk).exists()


rules.add_perm("finals.manage_session", manages_session)
rules.add_perm("finals.chair_session", manages_session | chairs_session)
rules.add_perm("finals.view_session", manages_session | chairs_session | sits_on_panel)
rules.add_perm("finals.submit_live_score", sits_on_panel)
