"""Background tasks of the awards app.

``generate_certificates_task`` is declared beside the service it runs, in
``services/certificates.py``: ``request_certificates`` enqueues it, so declaring it here (importing
the services) would make tasks → services → tasks a cycle. It is named here as well, so this module
lists the app's tasks and rows queued under its former path ``contest.awards.tasks`` still run.
"""

from contest.awards.services.certificates import generate_certificates_task

__all__ = ["generate_certificates_task"]
