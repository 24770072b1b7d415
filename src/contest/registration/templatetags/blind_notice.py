"""Whether an event's review will be blind, for the warning shown where an entrant uploads the
business plan ("the plan must not name the enterprise").

The rule (:func:`contest.registration.selectors.review_is_blind`): the review rounds that will still read the plan are the event's
rounds not yet published and the edition's national rounds not yet published. While the event has no
such round of its own, its review is taken to be blind — a new round is blind unless the organizer
says otherwise (``ReviewRound.blind`` defaults to true), so the warning is shown. Once it has one, the
warning is shown when any of those rounds is blind, and only then.

Review sits above registration, so the rounds are reached through the event's reverse relation
(``event.review_rounds``, ``edition.review_rounds``), never by importing review's models.
"""

from __future__ import annotations

from django import template

from contest.registration.selectors import review_is_blind

register = template.Library()


@register.simple_tag
def blind_review(event) -> bool:
    """``{% blind_review entry.event as blind %}``: :func:`review_is_blind` for a template."""
    return review_is_blind(event)
