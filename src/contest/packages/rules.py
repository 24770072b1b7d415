"""Who may import an event's package: the event's organizers and the edition's secretariat (the same
people who manage the event's entries)."""

import rules

from contest.registration.rules import manages_event

rules.add_perm("packages.import_package", manages_event)
