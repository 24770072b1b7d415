"""Local development: `make run`."""

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DEBUG", True)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# `make run` serves under uvicorn (ASGI): WhiteNoise serves the apps' static files straight from
# their folders, so no collectstatic is needed while developing.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
# The demo accounts `make run` prints sign in with a password only (production requires two-factor).
TWO_FACTOR_REQUIRED = env_bool("TWO_FACTOR_REQUIRED", False)
