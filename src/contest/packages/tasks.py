"""Background tasks of the packages app.

The tasks are declared beside the services they run, in ``services.py``: the services enqueue
them, so declaring them here (importing the services) would make tasks → services → tasks a cycle.
They are named here so this module lists the app's tasks."""

from contest.packages.services import check_package_task, write_package_task

__all__ = ["check_package_task", "write_package_task"]
