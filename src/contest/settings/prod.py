"""Production: every secret and host from the environment; HTTPS everywhere."""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env_bool

DEBUG = env_bool("DEBUG", False)
if os.environ.get("SECRET_KEY", "").startswith("dev-") or not os.environ.get("SECRET_KEY"):
    raise ImproperlyConfigured("SECRET_KEY must be set in production (50+ random characters).")

# HTTPS is terminated by a reverse proxy (docs/deployment.md). uvicorn takes the scheme from the
# proxy's X-Forwarded-Proto when the proxy connects from an address it trusts (its
# --forwarded-allow-ips, 127.0.0.1 by default). Only when the application server cannot be told
# that, and every request reaches it through a proxy that overwrites X-Forwarded-Proto, set
# TRUSTED_PROXY_SSL_HEADER=true: Django then believes that header, which any client could send
# if it reached the application directly.
if env_bool("TRUSTED_PROXY_SSL_HEADER", False):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
LANGUAGE_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
# nosniff, Referrer-Policy, Cross-Origin-Opener-Policy, X-Frame-Options and the CSP: settings.base
# ("security headers"), the same in every environment.
LOGGING["root"]["level"] = os.environ.get("LOG_LEVEL", "INFO")  # noqa: F405
