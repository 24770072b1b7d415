"""Settings shared by every environment. Values that differ come from the environment."""

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent  # src/contest
PROJECT_DIR = BASE_DIR.parent.parent  # repository root


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str) -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


SECRET_KEY = os.environ.get("SECRET_KEY", "dev-insecure-secret-key-change-me")
# Absolute address of the site, for links made without a request (certificate QR codes in tasks, demo).
SITE_URL = os.environ.get("SITE_URL", "")
DEBUG = env_bool("DEBUG", False)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rules.apps.AutodiscoverRulesConfig",
    "axes",
    "django_tasks_db",
    "ninja",
    "contest.core",
    "contest.accounts",
    "contest.catalog",
    "contest.registration",
    "contest.review",
    "contest.finals",
    "contest.awards",
    "contest.publicity",
    "contest.packages",
    "contest.portal",
    "contest.statistics",
    "contest.api",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "contest.urls"
WSGI_APPLICATION = "contest.wsgi.application"
ASGI_APPLICATION = "contest.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "contest.core.context_processors.background_work",
            ],
        },
    },
]

if "DATABASE_URL" not in os.environ:
    (PROJECT_DIR / "var").mkdir(exist_ok=True)  # the embedded SQLite database lives in var/ (gitignored)
DATABASES = {
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL", f"sqlite:///{PROJECT_DIR / 'var' / 'db.sqlite3'}"),
        conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "0")),
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # WAL lets readers proceed while one writer commits; IMMEDIATE takes the write
    # lock at BEGIN so concurrent writers queue instead of failing half-way.
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        }
    )

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "contest.accounts.backends.EmailOrPhoneBackend",  # e-mail, mobile or username; see its docstring
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "registration:home"
LOGOUT_REDIRECT_URL = "catalog:home"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("简体中文")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = PROJECT_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]  # site-wide assets (css/site.css); apps keep their own
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", PROJECT_DIR / "var" / "media"))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

EMAIL_BACKEND = os.environ.get("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")
EMAIL_HOST = os.environ.get("EMAIL_HOST", "localhost")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "创客中国大赛平台 <noreply@localhost>")
SERVER_EMAIL = DEFAULT_FROM_EMAIL

TASKS = {"default": {"BACKEND": os.environ.get("TASKS_BACKEND", "django_tasks_db.DatabaseBackend")}}

AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 0.25  # hours
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
AXES_USERNAME_CALLABLE = "contest.accounts.backends.axes_username"  # one counter per account, any spelling
AXES_LOCKOUT_TEMPLATE = "accounts/locked_out.html"

NINJA_PAGINATION_PER_PAGE = 50

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# --- security headers (issue 10) ---
# contest.core.security adds Content-Security-Policy (a fresh nonce per request, request.csp_nonce)
# and Permissions-Policy; SecurityMiddleware sends the rest. Right after SecurityMiddleware, so the
# static files and every early answer of the middleware below get the headers too.
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1,
    "contest.core.security.SecurityHeadersMiddleware",
)
SECURE_CONTENT_TYPE_NOSNIFF = True
# same-origin: our own pages keep the full Referer (Django's CSRF check needs it over HTTPS); other
# sites get none, not even our origin, since our URLs name entries, rounds and certificates.
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
# --- end security headers ---

# --- background jobs and objection phones (issue 10) ---
# run_worker runs these every minute (contest.core.workers.run_periodic_checks): jobs whose worker
# died end as failed instead of blocking new ones.
WORKER_PERIODIC_CHECKS = [
    "contest.awards.services.expire_stale_batches",
    "contest.review.services.expire_stale_runs",
]
# Where verification codes go (contest.core.sms): ConsoleBackend logs them (development); production
# names its gateway's backend here.
SMS_BACKEND = os.environ.get("SMS_BACKEND", "contest.core.sms.ConsoleBackend")
# --- end background jobs and objection phones ---

# --- accounts security baseline (issue 10) ---
# Two-factor sign-in (contest.accounts.security): required for the secretariat, organizers and
# Django staff, and for judges while a roadshow session they sit on is live (the finals selector
# below answers "which sessions is this user a judge of"). Off only for local demos.
TWO_FACTOR_REQUIRED = env_bool("TWO_FACTOR_REQUIRED", True)
TWO_FACTOR_JUDGE_SESSIONS = "contest.finals.selectors.sessions_for_judge"
# Staff accounts (secretariat, organizers, judges, Django staff) are signed out after this many
# seconds without a request (checked to the minute).
STAFF_IDLE_TIMEOUT = int(os.environ.get("STAFF_IDLE_TIMEOUT", "1800"))
# Reverse proxies whose X-Forwarded-For is believed (addresses or networks, comma-separated). Empty:
# trust none, use REMOTE_ADDR. See docs/deployment.md ("客户端 IP 与反向代理").
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", "")
AXES_CLIENT_IP_CALLABLE = "contest.core.client.client_ip"  # the same address the audit trail records
MIDDLEWARE.insert(
    MIDDLEWARE.index("django.contrib.messages.middleware.MessageMiddleware") + 1,
    "contest.accounts.middleware.AccountSecurityMiddleware",
)
# --- end accounts security baseline ---

# --- personal information (issue 10) ---
# The privacy notice's version lives in contest.core.privacy.PRIVACY_NOTICE_VERSION; set
# PRIVACY_NOTICE_VERSION here (or in the environment) to publish a new one: every user who has not
# accepted it is asked at their next sign-in (contest.core.consent, docs/privacy.md).
if os.environ.get("PRIVACY_NOTICE_VERSION"):
    PRIVACY_NOTICE_VERSION = os.environ["PRIVACY_NOTICE_VERSION"]
PRIVACY_CONSENT_AT_SIGN_IN = env_bool("PRIVACY_CONSENT_AT_SIGN_IN", True)
MIDDLEWARE.append("contest.core.consent.PrivacyConsentMiddleware")
# --- end personal information ---

# --- uploads (issue 10) ---
# Request bodies: files above 2.5 MB go to a temporary file, never into memory; the views and the
# API refuse an upload by its declared size before reading it (registration.validators: PDF 20 MB,
# image 5 MB). The reverse proxy bounds the whole body first (docs/deployment.md:
# client_max_body_size 60m). Non-file form data stays within Django's 2.5 MB default, and one
# request carries at most 20 files (a plan and 10 images fit; Django answers 400 beyond).
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_NUMBER_FILES = 20
FILE_UPLOAD_PERMISSIONS = 0o640
# --- end uploads ---

# --- portal API (issue 12, helper portal) ---
# A push to /api/v1/portal/entries is refused (400, before its body is read) when its declared
# Content-Length is over this; the reverse proxy must let /api/v1/portal/ bodies this large through
# (docs/deployment.md: client_max_body_size 60m). One push carries at most DATA_UPLOAD_MAX_NUMBER_FILES
# files; each file's own limit is registration.validators' (PDF 20 MB, image 5 MB).
PORTAL_MAX_REQUEST_BYTES = int(os.environ.get("PORTAL_MAX_REQUEST_BYTES", str(60 * 1024 * 1024)))
# --- end portal API ---

# --- hardening (issue 10 leftovers): signed-in session rows, safe dates, TOTP encryption ---
# Rows of signed-in sessions (accounts.SignInSession) are deleted this many days after their sign-in
# expired, and an hour after their browser session is gone (signed out, flushed): run_worker does it
# among its periodic checks, `manage.py clear_sign_in_sessions` by hand or from cron.
SIGN_IN_SESSION_RETENTION_DAYS = int(os.environ.get("SIGN_IN_SESSION_RETENTION_DAYS", "30"))
WORKER_PERIODIC_CHECKS = [*WORKER_PERIODIC_CHECKS, "contest.accounts.security.clear_old_sign_in_sessions"]
# Every template's `date` and `time` filters are contest.core.templatetags.safe_dates's: Django's, but an
# instant local time cannot hold (year 9999 stored before inputs were bounded) is shown in UTC, not a 500.
TEMPLATES[0]["OPTIONS"].setdefault("builtins", []).append("contest.core.templatetags.safe_dates")
# TOTP secrets are stored encrypted (contest.accounts.models.seal_secret) with a key derived from
# TOTP_ENCRYPTION_KEY, or SECRET_KEY when it is empty; keys listed in TOTP_ENCRYPTION_KEY_FALLBACKS
# (comma-separated) still decrypt older secrets, which are re-encrypted at their next use
# (docs/deployment.md, "两步验证密钥的加密与轮换").
TOTP_ENCRYPTION_KEY = os.environ.get("TOTP_ENCRYPTION_KEY", "")
TOTP_ENCRYPTION_KEY_FALLBACKS = env_list("TOTP_ENCRYPTION_KEY_FALLBACKS", "")
# --- end hardening ---

# --- event packages (issue 12) ---
# Package imports whose worker died are failed by run_worker's periodic check (contest.packages).
# PACKAGE_MAX_BYTES bounds an uploaded package (default 8 GB); the reverse proxy must allow such a
# body on /console/packages/ (docs/packages.md).
WORKER_PERIODIC_CHECKS = [*WORKER_PERIODIC_CHECKS, "contest.packages.services.expire_stale_imports"]
PACKAGE_MAX_BYTES = int(os.environ.get("PACKAGE_MAX_BYTES", str(8 * 1024**3)))
# --- end event packages ---
