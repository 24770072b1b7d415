"""Background tasks of registration.

``flag_duplicates`` and ``flag_duplicates_batch`` are declared beside the work it runs, in ``services/duplicates.py``: the
services enqueue it, so declaring it here (importing the services) would make tasks → services →
tasks a cycle. It is named here as well, so this module lists the app's tasks and rows queued under
its former path ``contest.registration.tasks`` still run.
"""

from contest.registration.services.duplicates import flag_duplicates, flag_duplicates_batch

__all__ = ["flag_duplicates", "flag_duplicates_batch"]
