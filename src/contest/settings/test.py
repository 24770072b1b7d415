"""The test suite: fast hashing, in-memory mail, immediate tasks."""

from .base import *  # noqa: F403

DEBUG = False
SECRET_KEY = "test-secret-key-not-for-production"  # noqa: S105
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SMS_BACKEND = "contest.core.sms.LocmemBackend"  # contest.core.sms.outbox
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
AXES_ENABLED = True

if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    # A file, not Django's shared-cache in-memory database: in shared-cache mode a
    # writer makes other connections fail at once with "database table is locked"
    # (SQLITE_LOCKED ignores the busy timeout), and the live-server, ASGI and browser
    # tests run requests in other threads while the test thread writes. A file in
    # WAL mode queues writers behind the 20 s timeout instead. /dev/shm keeps it in
    # memory where there is one.
    import os as _os
    import tempfile as _tempfile

    _dir = "/dev/shm" if _os.access("/dev/shm", _os.W_OK) else _tempfile.gettempdir()  # noqa: S108
    DATABASES["default"]["TEST"] = {"NAME": _os.path.join(_dir, f"contest-test-{_os.getpid()}.sqlite3")}  # noqa: F405
