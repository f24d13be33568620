"""OneTrip settings. Everything deployment-specific comes from the environment.

DATABASE_URL    PostgreSQL in production and CI; unset means the embedded SQLite demo database.
ONETRIP_VAR_DIR  where the demo keeps its database, secret and collected static files (var/).
ONETRIP_DEBUG   "1" only on a developer's machine (tracebacks, route lists); off unless asked.
ONETRIP_DEMO    "1" for a local demo install (`make demo` sets it): plain HTTP on loopback, and a
                random per-install secret kept in var/secret_key.
ONETRIP_SECRET_KEY  required outside the demo and debug: a start without it refuses to run.
ONETRIP_ALLOWED_HOSTS  comma-separated host names served.
ONETRIP_HTTPS   "1" (default outside the demo and debug): redirect to HTTPS, HSTS, secure cookies.
ONETRIP_HSTS_SECONDS  HSTS max-age (default one year).
ONETRIP_TLS_PROXY  "1" behind a TLS-terminating proxy that sets X-Forwarded-Proto.
ONETRIP_CACHE_URL  redis://127.0.0.1:6379/0 in production: the rate-limit and lockout counters
                and a copy of each session live there, shared by every worker; unset means
                local memory (demo, tests), and sessions in the database alone.
ONETRIP_PG_SERVER_BINDING  "1" (default): prepared statements on PostgreSQL; "0" behind PgBouncer.
"""

import datetime as dt
import os
import secrets
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("ONETRIP_VAR_DIR", BASE_DIR / "var"))

# The patient model, named for core's audit page (core imports no domain app).
ONETRIP_PATIENT_MODEL = "identity.Patient"
# The face check's identity-verification service (R-ID-3), and whether checking in on the phone
# needs one the same day (desks and kiosks see the patient).
ONETRIP_FACE_VERIFIER = os.environ.get(
    "ONETRIP_FACE_VERIFIER", "onetrip.identity.face_sandbox.SandboxFaceVerifier"
)
ONETRIP_FACE_CHECK_ON_PHONE_CHECK_IN = os.environ.get("ONETRIP_FACE_CHECK_ON_PHONE", "1") == "1"
# The public address of the site: links in text messages are built from it.
ONETRIP_SITE_URL = os.environ.get("ONETRIP_SITE_URL", "http://127.0.0.1:8000")
DEBUG = os.environ.get("ONETRIP_DEBUG", "0") == "1"
DEMO = os.environ.get("ONETRIP_DEMO", "0") == "1"


def _per_install_secret(path: Path) -> str:
    """The demo's secret: random, made once per install, readable by its owner only. A published
    constant would let anyone forge bill links and report verification tokens (D57)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return path.read_text().strip()
    with os.fdopen(fd, "w") as file:
        file.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


def _secret_key() -> str:
    if configured := os.environ.get("ONETRIP_SECRET_KEY", ""):
        return configured
    if DEMO or DEBUG:
        return _per_install_secret(VAR_DIR / "secret_key")
    raise ImproperlyConfigured(
        "ONETRIP_SECRET_KEY is not set. Set it to a long random value in production, "
        "or ONETRIP_DEMO=1 for a local demo install."
    )


SECRET_KEY = _secret_key()
ALLOWED_HOSTS = os.environ.get("ONETRIP_ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",")
# The reverse proxies (addresses or networks, comma-separated) whose X-Forwarded-For is believed
# for the client address in the audit trail; nobody's by default (docs/security.md).
ONETRIP_TRUSTED_PROXIES = [
    hop.strip() for hop in os.environ.get("ONETRIP_TRUSTED_PROXIES", "").split(",") if hop.strip()
]

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_tasks",
    "ninja",
    "axes",
    "django_ratelimit",
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
    "onetrip.service",
    "onetrip.prescribing",
    "onetrip.pharmacy",
    "onetrip.inpatient",
    "onetrip.emergency",
    "onetrip.publichealth",
    "onetrip.simulator",
    "onetrip.demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # After whitenoise, so static files keep their long cache lifetime (D58).
    "onetrip.core.middleware.ContentSecurityPolicyMiddleware",
    "onetrip.core.middleware.SecurityHeadersMiddleware",
    "onetrip.core.api_security.CrossSiteApiGuard",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "onetrip.core.middleware.PathlessLocaleMiddleware",
    # After the language is chosen, so its refusal is in the visitor's language.
    "onetrip.core.middleware.NulCharacterGuard",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "onetrip.core.middleware.LazyMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    # Last: turns a locked-out staff sign-in into the lockout page (django-axes).
    "axes.middleware.AxesMiddleware",
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
# Staff sign-in throttling and lockout (django-axes, D58): five wrong passwords for one user name
# lock it for 30 minutes; a system administrator unlocks sooner in the back office (Access
# attempts) or with `onetrip axes_reset_username NAME`. Attempts are rows in the database, so the
# lockout holds across workers and the failures stay on record.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend with the staff profile joined and one permission read (D246).
    "onetrip.core.auth_backend.StaffModelBackend",
]
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = dt.timedelta(minutes=30)
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "core/staff_locked_out.html"
AXES_CLIENT_IP_CALLABLE = "onetrip.core.actors.client_ip"

# Counters for rate limits (django-ratelimit, D58). Redis in production, shared by every worker;
# local memory in the demo (one server process) and tests.
CACHE_URL = os.environ.get(
    "ONETRIP_CACHE_URL", "locmem://" if (DEBUG or DEMO) else "redis://127.0.0.1:6379/0"
)
# axes.W006 asks to lock client addresses too: a hospital's staff share one NAT address, so
# locking it would lock every desk after a few typos.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
if CACHE_URL.startswith("redis://"):
    # Django's Redis backend with one redis-py client per connection pool instead of one built
    # for every command (D304).
    CACHES = {"default": {"BACKEND": "onetrip.core.redis_cache.RedisCache", "LOCATION": CACHE_URL}}
    # django-ratelimit lists only django-redis by name; Django's own Redis cache increments
    # atomically too.
    SILENCED_SYSTEM_CHECKS += ["django_ratelimit.W001"]
    # Signed-in requests read their session from Redis, not a database row (D324); sessions
    # stay in the database, and a sign-out reaches every worker at once (one shared cache).
    SESSION_ENGINE = "onetrip.core.session_store"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # Not shared between processes: right for one demo server and for tests, never production.
    SILENCED_SYSTEM_CHECKS += ["django_ratelimit.E003", "django_ratelimit.W001"]
RATELIMIT_USE_CACHE = "default"
# What sends or guesses, and how often (docs/security.md, "Limits"). A rate is count/period.
ONETRIP_LIMITS = {
    "sign_in_code_per_phone": ["5/h", "10/d"],
    "sign_in_code_per_client": ["10/m", "30/h"],
    "sign_in_code_everyone": ["5000/d"],
    "sign_in_guess_per_phone": ["10/h"],
    "sign_in_guess_per_client": ["30/h"],
    "identity_claim_per_account": ["5/d"],
    "record_claim_guess_per_account": ["10/d"],
    # R-PAY-8: each policy check asks the insurer; each refresh asks the insurance office.
    "commercial_policy_per_account": ["10/h", "20/d"],
    "claim_refresh_per_claim": ["30/h"],
    "kiosk_lookup_per_client": ["60/h"],
    "kiosk_key_per_client_address": ["10/h"],
    # Issue 21: each complaint or record-copy application from the phone sends an SMS.
    "service_filing_per_account": ["5/h", "20/d"],
}

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
NINJA_PAGINATION_CLASS = "onetrip.core.pagination.BoundedLimitOffset"
SESSION_COOKIE_AGE = 8 * 3600
SESSION_COOKIE_HTTPONLY = True

# Transport security (D57): on unless this is the loopback demo or a developer's debug server.
HTTPS = os.environ.get("ONETRIP_HTTPS", "0" if (DEBUG or DEMO) else "1") == "1"
if HTTPS:
    SECURE_SSL_REDIRECT = True
    SECURE_HSTS_SECONDS = int(os.environ.get("ONETRIP_HSTS_SECONDS", str(365 * 24 * 3600)))
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
if os.environ.get("ONETRIP_TLS_PROXY", "0") == "1":
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_REFERRER_POLICY = "same-origin"

# Every asset is local: scripts and styles from this origin only, no inline code, no framing
# (django-csp, D58). Inline SVG charts and the data: favicon need img-src data:.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
# No page uses a device feature: refuse them all, for embedded content too.
PERMISSIONS_POLICY = (
    "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), "
    "gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), usb=()"
)

if not (DEBUG or DEMO):
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }
