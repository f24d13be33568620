"""OneTrip settings. Everything deployment-specific comes from the environment.

DATABASE_URL    PostgreSQL in production and CI; unset means the embedded SQLite demo database.
ONETRIP_DEBUG   "1" (default) for the demo and tests; "0" in production.
ONETRIP_SECRET_KEY, ONETRIP_ALLOWED_HOSTS  required when ONETRIP_DEBUG=0.
ONETRIP_PG_SERVER_BINDING  "1" (default): prepared statements on PostgreSQL; "0" behind PgBouncer.
"""

import os
from pathlib import Path

import dj_database_url

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

DEBUG = os.environ.get("ONETRIP_DEBUG", "1") == "1"
SECRET_KEY = os.environ.get("ONETRIP_SECRET_KEY", "onetrip-demo-only-secret" if DEBUG else "")
ALLOWED_HOSTS = os.environ.get("ONETRIP_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "ninja",
    "onetrip.core",
    "onetrip.consortium",
    "onetrip.identity",
    "onetrip.notifications",
    "onetrip.scheduling",
    "onetrip.mpi",
    "onetrip.exams",
    "onetrip.reports",
    "onetrip.billing",
    "onetrip.insurance",
    "onetrip.ebills",
    "onetrip.journey",
    "onetrip.metrics",
    "onetrip.referral",
    "onetrip.simulator",
    "onetrip.demo",
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
]

ROOT_URLCONF = "onetrip.urls"
WSGI_APPLICATION = "onetrip.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "onetrip" / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{VAR_DIR / 'onetrip.sqlite3'}",
        conn_max_age=60,
    )
}
PREPARED_STATEMENTS = os.environ.get("ONETRIP_PG_SERVER_BINDING", "1") == "1"
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql" and PREPARED_STATEMENTS:
    # Server-side binding lets psycopg prepare a statement the fifth time a connection runs it,
    # so the hot paths (booking, slot lists) skip parsing and planning (docs/decisions.md D18).
    # Behind a transaction-mode pooler, set ONETRIP_PG_SERVER_BINDING=0.
    DATABASES["default"]["OPTIONS"] = {"server_side_binding": True, "prepare_threshold": 5}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several writers (runserver threads, the task worker) share the file: wait instead of failing.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20, "transaction_mode": "IMMEDIATE"}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "staff-login"
LOGIN_REDIRECT_URL = "staff-home"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "onetrip" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = VAR_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "onetrip" / "static"]
STATIC_ROOT.mkdir(parents=True, exist_ok=True)
# Serve straight from the app folders too, so the demo needs no collectstatic step.
WHITENOISE_USE_FINDERS = True

TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# Notifications (docs/decisions.md D39): where each channel's adapter sends ("sandbox" stores
# messages for the sandbox page at /staff/sms/; a real provider adapter is added beside it when a
# contract exists, nothing is ever sent for real here), and the worker's retry policy: attempt
# n waits base × 2^(n-1) seconds, at most the cap; after max_attempts the notice has failed.
ONETRIP_NOTIFY = {
    "backends": {
        "sms": os.environ.get("ONETRIP_SMS_BACKEND", "sandbox"),
        "app": os.environ.get("ONETRIP_APP_BACKEND", "sandbox"),
        "wechat": os.environ.get("ONETRIP_WECHAT_BACKEND", "sandbox"),
    },
    "max_attempts": 6,
    "backoff_base_seconds": 30,
    "backoff_cap_seconds": 3600,
    # A claimed notice not finished within the lease (a worker that died) is taken again.
    "lease_seconds": 300,
}
ONETRIP_OTP = {"ttl_seconds": 300, "max_attempts": 5, "resend_after_seconds": 60}

NINJA_PAGINATION_PER_PAGE = 20
SESSION_COOKIE_AGE = 8 * 3600
SESSION_COOKIE_HTTPONLY = True

if not DEBUG:
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
