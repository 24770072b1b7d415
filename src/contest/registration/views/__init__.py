"""Registration views, split by audience: ``entrant`` (/me/) and ``console`` (/console/)."""
