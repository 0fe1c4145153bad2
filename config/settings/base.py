"""Settings for every environment, read from the environment (CONTRACT.md section 1)."""

import ipaddress
from datetime import timedelta
from pathlib import Path
from typing import Any

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from kombu import Queue

from config.env import env_bool, env_counts, env_int, env_list, env_str
from config.secret_keys import public_key_pem, require_strong_secret

BASE_DIR = Path(__file__).resolve().parent.parent.parent
VAR_DIR = Path(env_str("VAR_DIR", str(BASE_DIR / "var")))

DEBUG = env_bool("DEBUG", False)

_DEV_SECRET_KEY = "dev-only-insecure-key-never-use-in-production"  # noqa: S105 (only when DEBUG is on)
SECRET_KEY = env_str("SECRET_KEY", _DEV_SECRET_KEY)
if not DEBUG:
    # Missing, short or repetitive keys stop start-up (Django's security.W009 rule).
    require_strong_secret("SECRET_KEY", env_str("SECRET_KEY"))

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", ["localhost", "127.0.0.1"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "django_filters",
    "drf_spectacular",
    # Swagger UI and ReDoc as static files: the API docs need no CDN (config/api_docs.py).
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "core",
    "tenants",
    "appointments",
    "participants",
    "notifications",
    "calendars",
]

MIDDLEWARE = [
    # Outermost: every line logged while a request is served carries its id (X-Request-ID).
    "core.request_id.RequestIdMiddleware",
    # Counts and times every request by route template (appointments_http_* on /metrics).
    "core.http_metrics.HttpMetricsMiddleware",
    # /healthz, /readyz and /metrics answer before host checks and HTTPS redirects (core/health.py).
    "core.health.ProbeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Oversized /api/ bodies get their 413 before sessions, CSRF or authentication run.
    "core.api.body_size.ApiBodyLimitMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # The admin's dates in the zone the user's browser reports (cookie set by console.js).
    "core.time_zones.ConsoleTimeZoneMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "csp.middleware.CSPMiddleware",
    # Innermost, so it sees Django's own 404/405/500 pages under /api/ (DEBUG's too)
    # and the middleware above still add their headers and APPEND_SLASH redirects.
    "core.api.envelope.ApiErrorEnvelopeMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.parse(
        env_str("DATABASE_URL", f"sqlite:///{BASE_DIR / 'db.sqlite3'}"),
        conn_max_age=env_int("DATABASE_CONN_MAX_AGE", 60),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # The web server, the worker and beat share one SQLite file in development:
    # wait for a lock instead of failing at once.
    DATABASES["default"].setdefault("OPTIONS", {})["timeout"] = 20
    # A deferred transaction that reads, then writes, fails at once with "database is
    # locked" when another writer got there first (SQLite cannot wait without risking
    # a deadlock); BEGIN IMMEDIATE takes the write lock up front, so it waits instead.
    # WAL lets readers go on while one writes (an in-memory test database ignores it).
    DATABASES["default"]["OPTIONS"]["transaction_mode"] = "IMMEDIATE"
    DATABASES["default"]["OPTIONS"]["init_command"] = "PRAGMA journal_mode=WAL"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
# The short-link pages (calendars/link_pages.py) speak these languages; messages pick their own.
LANGUAGES = [("en", "English"), ("de", "Deutsch"), ("el", "Ελληνικά")]
LOCALE_PATHS = [BASE_DIR / "locale"]
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# --- Security -------------------------------------------------------------
# TLS normally ends at a proxy in front of gunicorn; trust its header.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SESSION_COOKIE_SECURE = not DEBUG
CSRF_COOKIE_SECURE = not DEBUG
SESSION_COOKIE_HTTPONLY = True
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
# Every response names what its page may load (django-csp); it matters for the HTML
# ones, the console and the API docs (config/api_docs.py adds what those two pages need).
CONTENT_SECURITY_POLICY: dict[str, Any] = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        # Inline styles stay allowed: the template preview shows an email's HTML, styled
        # inline as emails must be, in a srcdoc frame that inherits this policy.
        "style-src": ["'self'", "'unsafe-inline'"],
        "img-src": ["'self'"],
        "object-src": ["'none'"],
        "base-uri": ["'none'"],
        "form-action": ["'self'"],
        "frame-ancestors": ["'none'"],
    }
}
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])
SILENCED_SYSTEM_CHECKS = [
    # HSTS and the HTTP->HTTPS redirect belong to the TLS-terminating proxy,
    # which is the only hop that speaks HTTPS (README, "Production").
    "security.W004",
    "security.W008",
]

# --- REST API -------------------------------------------------------------
# An /api/ body larger than this is refused with 413 before authentication
# (core/api/body_size.py); Django reads no more than this either, admin forms included.
API_MAX_BODY_BYTES = env_int("API_MAX_BODY_BYTES", 1024 * 1024)
DATA_UPLOAD_MAX_MEMORY_SIZE = API_MAX_BODY_BYTES
# JSON nested deeper than this, in a body or in a string field holding JSON, is a 400.
# Python's json parser recurses once per level and fails near 1,000 levels.
API_MAX_JSON_DEPTH = env_int("API_MAX_JSON_DEPTH", 32)
if API_MAX_BODY_BYTES < 1:
    raise ImproperlyConfigured(f"API_MAX_BODY_BYTES must be positive, not {API_MAX_BODY_BYTES}")
if not 1 <= API_MAX_JSON_DEPTH <= 200:
    raise ImproperlyConfigured(f"API_MAX_JSON_DEPTH must lie between 1 and 200, not {API_MAX_JSON_DEPTH}")
REST_FRAMEWORK: dict[str, Any] = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["tenants.authentication.PrincipalJWTAuthentication"],
    "DEFAULT_PERMISSION_CLASSES": ["tenants.permissions.IsAuthenticatedPrincipal"],
    "DEFAULT_RENDERER_CLASSES": ["core.api.renderers.ORJSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["core.api.parsers.DepthLimitedJSONParser"],
    "DEFAULT_FILTER_BACKENDS": ["django_filters.rest_framework.DjangoFilterBackend"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "core.api.exceptions.api_exception_handler",
    "DATETIME_FORMAT": "%Y-%m-%dT%H:%M:%SZ",
    "UNAUTHENTICATED_USER": None,
}
if DEBUG:
    REST_FRAMEWORK["DEFAULT_RENDERER_CLASSES"].append("rest_framework.renderers.BrowsableAPIRenderer")

JWT_ALGORITHM = env_str("JWT_ALGORITHM", "HS256")
if JWT_ALGORITHM not in {"HS256", "RS256"}:
    raise ImproperlyConfigured(f"JWT_ALGORITHM must be HS256 or RS256, not {JWT_ALGORITHM!r}")
SIMPLE_JWT: dict[str, Any] = {
    "ALGORITHM": JWT_ALGORITHM,
    "SIGNING_KEY": env_str("JWT_SIGNING_KEY", SECRET_KEY),
    "VERIFYING_KEY": env_str("JWT_VERIFYING_KEY", None),
    "AUDIENCE": env_str("JWT_AUDIENCE", None),
    "ISSUER": env_str("JWT_ISSUER", None),
    "ACCESS_TOKEN_LIFETIME": timedelta(seconds=env_int("JWT_ACCESS_TOKEN_TTL", 3600)),
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_CLAIM": "user_id",
    "TOKEN_TYPE_CLAIM": "token_type",
    "JTI_CLAIM": "jti",
    "LEEWAY": 0,
}
if JWT_ALGORITHM == "RS256" and not (SIMPLE_JWT["VERIFYING_KEY"] or env_str("JWT_SIGNING_KEY")):
    raise ImproperlyConfigured("RS256 needs JWT_VERIFYING_KEY (public key) or JWT_SIGNING_KEY (private key).")
if JWT_ALGORITHM == "RS256" and not SIMPLE_JWT["VERIFYING_KEY"]:
    # Derive the public key from the private one so that tokens minted here verify.
    SIMPLE_JWT["VERIFYING_KEY"] = public_key_pem(SIMPLE_JWT["SIGNING_KEY"], name="JWT_SIGNING_KEY")
# An RS256 key is a PEM private key, whose strength is its size, not its characters:
# the secret rule applies to HS256 only. Unset, the key is SECRET_KEY, checked above.
if JWT_ALGORITHM == "HS256" and not DEBUG and env_str("JWT_SIGNING_KEY") is not None:
    require_strong_secret("JWT_SIGNING_KEY", env_str("JWT_SIGNING_KEY"))

# How long a web process trusts that a token's application exists (and its
# organization) before asking the database again; 0 asks on every request.
APPLICATION_CACHE_SECONDS = env_int("APPLICATION_CACHE_SECONDS", 30)

SPECTACULAR_SETTINGS: dict[str, Any] = {
    "TITLE": "Appointments API",
    "DESCRIPTION": "Schedules video calls between contact-center agents and their customers.",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "COMPONENT_SPLIT_REQUEST": True,
    "SCHEMA_PATH_PREFIX": r"/api/",
    # From our own static files (drf-spectacular-sidecar), not a CDN: the docs work offline.
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
}

# --- Celery ---------------------------------------------------------------
# Without CELERY_BROKER_URL the worker and beat talk through a folder on disk:
# kombu's filesystem transport needs no server at all.
CELERY_BROKER_URL = env_str("CELERY_BROKER_URL", "filesystem://")
CELERY_BROKER_TRANSPORT_OPTIONS = {}
if CELERY_BROKER_URL.startswith("filesystem://"):
    _broker_dir = VAR_DIR / "broker"
    CELERY_BROKER_TRANSPORT_OPTIONS = {
        "data_folder_in": str(_broker_dir / "queue"),
        "data_folder_out": str(_broker_dir / "queue"),
        "processed_folder": str(_broker_dir / "processed"),
        # Broadcast messages (worker control, pings) would otherwise land in ./control.
        "control_folder": str(_broker_dir / "control"),
        "store_processed": False,
    }
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "UTC"
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", False)

# --- Mail, SMS and links --------------------------------------------------
EMAIL_HOST = env_str("EMAIL_HOST", "")
EMAIL_PORT = env_int("EMAIL_PORT", 25)
EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_TIMEOUT = env_int("EMAIL_TIMEOUT", 10)
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "no-reply@localhost")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)

TWILIO_ACCOUNT_SID = env_str("TWILIO_ACCOUNT_SID", "")
TWILIO_AUTH_TOKEN = env_str("TWILIO_AUTH_TOKEN", "")
TWILIO_API_BASE_URL = env_str("TWILIO_API_BASE_URL", "")

ROOM_BASE_URL = env_str("ROOM_BASE_URL", "https://video.example.com").rstrip("/")
PUBLIC_BASE_URL = env_str("PUBLIC_BASE_URL", "http://localhost:8000").rstrip("/")
# How long the short /l/ links of messages keep working after the appointment ends.
LINK_TOKEN_TTL_AFTER_END = timedelta(days=env_int("LINK_TOKEN_TTL_AFTER_END_DAYS", 30))

# --- Logging --------------------------------------------------------------
# JSON lines in production; readable text where DEBUG is on (bin/dev). Every line carries
# the request id and the pipeline's ids in context (core/logs.py, docs/operations.md).
LOG_FORMAT = env_str("LOG_FORMAT", "text" if DEBUG else "json")
if LOG_FORMAT not in {"json", "text"}:
    raise ImproperlyConfigured(f"LOG_FORMAT must be json or text, not {LOG_FORMAT!r}")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"context": {"()": "core.logs.LogContextFilter"}},
    "formatters": {"json": {"()": "core.logs.JsonFormatter"}, "text": {"()": "core.logs.TextFormatter"}},
    "handlers": {
        "console": {"class": "logging.StreamHandler", "formatter": LOG_FORMAT, "filters": ["context"]}
    },
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
    # The Twilio SDK logs every request's headers at INFO.
    "loggers": {"twilio.http_client": {"level": "WARNING"}},
}

# --- notifications ---
# One backend class per channel, chosen by dotted path like EMAIL_BACKEND; an
# empty value switches the channel off (its endpoints then answer 404).
NOTIFICATION_BACKENDS = {
    "EMAIL": env_str("NOTIFICATIONS_EMAIL_BACKEND", "notifications.backends.email.DjangoEmailBackend"),
    "SMS": env_str(
        "NOTIFICATIONS_SMS_BACKEND",
        "notifications.backends.sms.TwilioSmsBackend"
        if TWILIO_ACCOUNT_SID and TWILIO_AUTH_TOKEN
        else "notifications.backends.sms.LogSmsBackend",
    ),
    "WEBHOOK": env_str(
        "NOTIFICATIONS_WEBHOOK_BACKEND", "notifications.backends.webhook.RequestsWebhookBackend"
    ),
}
NOTIFICATIONS_SMS_TIMEOUT = env_int("NOTIFICATIONS_SMS_TIMEOUT", 10)
NOTIFICATIONS_WEBHOOK_TIMEOUT = env_int("NOTIFICATIONS_WEBHOOK_TIMEOUT", 5)
# Webhooks to private, loopback and link-local addresses are refused unless this is on.
NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE = env_bool("NOTIFICATIONS_WEBHOOK_ALLOW_PRIVATE", False)
NOTIFICATIONS_EMAIL_LOCAL_PART = env_str("NOTIFICATIONS_EMAIL_LOCAL_PART", "no-reply")
NOTIFICATIONS_VERIFICATION_TTL = timedelta(seconds=env_int("NOTIFICATIONS_VERIFICATION_TTL", 600))
NOTIFICATIONS_VERIFICATION_MAX_ATTEMPTS = env_int("NOTIFICATIONS_VERIFICATION_MAX_ATTEMPTS", 5)
_NOTIFICATIONS_DEFAULT_LOCALES = (
    "en_US,en_GB,de_DE,de_AT,de_CH,el_GR,el_CY,fr_FR,fr_BE,fr_CA,es_ES,es_MX,it_IT,nl_NL,nl_BE,"
    "pt_PT,pt_BR,sv_SE,da_DK,nb_NO,fi_FI,pl_PL,cs_CZ,sk_SK,ro_RO,hu_HU,bg_BG,hr_HR,sl_SI,tr_TR,ja_JP"
)
# The locales templates may be written in (GET /api/notifications/locales).
NOTIFICATIONS_LOCALES = env_list("NOTIFICATIONS_LOCALES", _NOTIFICATIONS_DEFAULT_LOCALES.split(","))
# Named once for the OpenAPI document, so other apps' `type`/`channel` enums do not collide.
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {}).update(
    {
        "NotificationTypeEnum": "notifications.models.NotificationType",
        "NotificationChannelEnum": "notifications.models.Channel",
        "NotificationRequestChannelEnum": "notifications.serializers.REQUEST_CHANNELS",
    }
)

# --- appointments ---
# (Phone numbers written without a country code are read in their application's
# default_region, set in the admin; there is deliberately no service-wide region.)
# Longest appointment accepted; also keeps start + duration inside the calendar.
APPOINTMENT_MAX_DURATION = timedelta(hours=env_int("APPOINTMENT_MAX_DURATION_HOURS", 24 * 7))
# Customer one-time codes for POST /api/appointments/basic (CONTRACT.md section 6).
OTP_VALIDITY = timedelta(seconds=env_int("OTP_VALIDITY_SECONDS", 600))
OTP_MAX_ATTEMPTS = env_int("OTP_MAX_ATTEMPTS", 5)
OTP_RATE_WINDOW = timedelta(seconds=env_int("OTP_RATE_WINDOW_SECONDS", 3600))
OTP_MAX_PER_CONTACT = env_int("OTP_MAX_PER_CONTACT", 5)
OTP_MAX_PER_ADDRESS = env_int("OTP_MAX_PER_ADDRESS", 20)
# Wrong guesses per client address and OTP_RATE_WINDOW (429 beyond): guessing is
# throttled by address, so that wrong guesses never lock the customer out.
OTP_MAX_GUESSES_PER_ADDRESS = env_int("OTP_MAX_GUESSES_PER_ADDRESS", 20)
# Waiting-room escalation and no-shows (appointments/attendance.py): beat's attendance tick
# runs this often and marks at most this many appointments of each kind a tick. It looks for
# no-shows among the appointments that ended within the lookback: one that passed its end
# while beat was down longer than that is never marked.
APPOINTMENTS_ATTENDANCE_INTERVAL_SECONDS = env_int("APPOINTMENTS_ATTENDANCE_INTERVAL_SECONDS", 30)
APPOINTMENTS_ATTENDANCE_BATCH_SIZE = env_int("APPOINTMENTS_ATTENDANCE_BATCH_SIZE", 500)
APPOINTMENTS_NO_SHOW_LOOKBACK = timedelta(hours=env_int("APPOINTMENTS_NO_SHOW_LOOKBACK_HOURS", 24))
# Name the appointment enums in the OpenAPI schema after what they are, not after
# their field names ("type", "state"), which other components use for other sets.
SPECTACULAR_SETTINGS.setdefault("ENUM_NAME_OVERRIDES", {}).update(
    {
        "RoutingTypeEnum": ["GENESYS_CLOUD_FLOW", "GENESYS_CLOUD_QUEUE", "TALKDESK_DIGITAL_CONNECT"],
        "ParticipantStateEnum": ["WAITING", "JOINED", "LEFT"],
    }
)

# --- notifications pipeline ---
# The database row holds each notification's schedule; beat only ticks. Each
# tick returns expired leases, then claims due rows in batches and queues one
# send task per NOTIFICATIONS_SEND_BATCH_SIZE rows of one application and channel.
NOTIFICATIONS_DISPATCH_INTERVAL_SECONDS = env_int("NOTIFICATIONS_DISPATCH_INTERVAL_SECONDS", 20)
NOTIFICATIONS_DISPATCH_BATCH_SIZE = env_int("NOTIFICATIONS_DISPATCH_BATCH_SIZE", 500)
# A tick stops claiming after this many batches, so that it ends before the next one.
NOTIFICATIONS_DISPATCH_MAX_BATCHES = env_int("NOTIFICATIONS_DISPATCH_MAX_BATCHES", 20)
NOTIFICATIONS_SEND_BATCH_SIZE = env_int("NOTIFICATIONS_SEND_BATCH_SIZE", 50)
# Appointments re-planned per transaction after a template change (notifications_replan).
NOTIFICATIONS_REPLAN_BATCH_SIZE = env_int("NOTIFICATIONS_REPLAN_BATCH_SIZE", 500)
# A claimed row whose worker has not renewed the claim within this time goes back to
# PENDING: short, so that rows a killed worker held are sent seconds later, not minutes.
# A worker renews the claims of its batch while it works through it; a batch still
# waiting in the queue when its claim runs out is claimed and queued again, and whichever
# copy comes first sends it.
NOTIFICATIONS_CLAIM_LEASE_SECONDS = env_int("NOTIFICATIONS_CLAIM_LEASE_SECONDS", 20)
# How long a worker keeps retrying a write that meets a lost database connection (a
# PostgreSQL restart) before it gives up and leaves the row to the reconciler.
NOTIFICATIONS_DB_RETRY_SECONDS = env_int("NOTIFICATIONS_DB_RETRY_SECONDS", 60)
# Messages a second per channel across every worker ("SMS=100,EMAIL=200"; absent or 0:
# no cap): set SMS to the Twilio account's rate so that a burst does not meet 429s. Counted
# in Redis (this URL, else the broker's when it is Redis), else in each process.
NOTIFICATIONS_RATE_LIMITS = env_counts("NOTIFICATIONS_RATE_LIMITS", {})
NOTIFICATIONS_RATE_LIMIT_REDIS_URL = env_str("NOTIFICATIONS_RATE_LIMIT_REDIS_URL", "")
# Longer than any provider call (SMTP, Twilio, webhook timeouts): past it, the worker is taken as lost.
NOTIFICATIONS_SEND_LEASE_SECONDS = env_int("NOTIFICATIONS_SEND_LEASE_SECONDS", 120)
NOTIFICATIONS_MAX_ATTEMPTS = env_int("NOTIFICATIONS_MAX_ATTEMPTS", 5)
# Retry n waits a random time in [0, min(cap, base * 2**(n-1))] ("full jitter").
NOTIFICATIONS_RETRY_BASE_SECONDS = env_int("NOTIFICATIONS_RETRY_BASE_SECONDS", 30)
NOTIFICATIONS_RETRY_CAP_SECONDS = env_int("NOTIFICATIONS_RETRY_CAP_SECONDS", 3600)
# Twilio posts message status changes here (PUBLIC_BASE_URL + path); 0 leaves SMS without a callback.
NOTIFICATIONS_TWILIO_STATUS_CALLBACK = env_bool("NOTIFICATIONS_TWILIO_STATUS_CALLBACK", True)
# The embedded broker polls its folder; kombu's default of once a second caps a
# worker at about `concurrency` tasks a second.
if CELERY_BROKER_URL.startswith("filesystem://"):
    CELERY_BROKER_TRANSPORT_OPTIONS["polling_interval"] = env_int("CELERY_BROKER_POLLING_MS", 100) / 1000
# A queue name of its own lets several deployments (or test runs) share one Redis.
CELERY_TASK_DEFAULT_QUEUE = env_str("CELERY_TASK_DEFAULT_QUEUE", "celery")
# Ticks get a queue of their own, which every worker also consumes (a worker started
# without -Q serves all CELERY_TASK_QUEUES): a tick never waits behind a backlog of sends.
NOTIFICATIONS_DISPATCH_QUEUE = f"{CELERY_TASK_DEFAULT_QUEUE}-dispatch"
CELERY_TASK_QUEUES = (Queue(CELERY_TASK_DEFAULT_QUEUE), Queue(NOTIFICATIONS_DISPATCH_QUEUE))
CELERY_TASK_ROUTES = {
    "notifications.dispatch_tick": {"queue": NOTIFICATIONS_DISPATCH_QUEUE},
    "appointments.attendance_tick": {"queue": NOTIFICATIONS_DISPATCH_QUEUE},
}
# Declared here once; DatabaseScheduler
# copies it into django-celery-beat's tables when beat starts.
CELERY_BEAT_SCHEDULE = {
    "notifications-dispatch": {
        "task": "notifications.dispatch_tick",
        "schedule": timedelta(seconds=NOTIFICATIONS_DISPATCH_INTERVAL_SECONDS),
        # A tick that waited longer than one interval in the queue is worthless: the next one comes.
        "options": {"expires": NOTIFICATIONS_DISPATCH_INTERVAL_SECONDS},
    },
    "appointments-attendance": {
        "task": "appointments.attendance_tick",
        "schedule": timedelta(seconds=APPOINTMENTS_ATTENDANCE_INTERVAL_SECONDS),
        "options": {"expires": APPOINTMENTS_ATTENDANCE_INTERVAL_SECONDS},
    },
}

# --- operations: metrics, readiness, error reports (docs/operations.md) ----------
# /metrics answers a direct request from these addresses or networks, or one bearing
# METRICS_BEARER_TOKEN; nothing else. A request relayed by a proxy is judged by the token only.
METRICS_ALLOWED_ADDRESSES = env_list("METRICS_ALLOWED_ADDRESSES", ["127.0.0.1", "::1"])
for _network in METRICS_ALLOWED_ADDRESSES:
    try:
        ipaddress.ip_network(_network, strict=False)
    except ValueError:
        raise ImproperlyConfigured(
            f"METRICS_ALLOWED_ADDRESSES: {_network!r} is not an address or network"
        ) from None
METRICS_BEARER_TOKEN = env_str("METRICS_BEARER_TOKEN", "")
if METRICS_BEARER_TOKEN and not DEBUG:
    require_strong_secret("METRICS_BEARER_TOKEN", METRICS_BEARER_TOKEN)
# A Celery worker serves its own metrics on this port (0: not at all), under the same rule;
# with the prefork pool, set PROMETHEUS_MULTIPROC_DIR so its pool processes are summed.
WORKER_METRICS_PORT = env_int("WORKER_METRICS_PORT", 0)
WORKER_METRICS_ADDRESS = env_str("WORKER_METRICS_ADDRESS", "127.0.0.1")
# /readyz: each dependency must answer within this; the beat must have ticked within the other.
READINESS_CHECK_TIMEOUT_SECONDS = env_int("READINESS_CHECK_TIMEOUT_SECONDS", 2)
READINESS_BEAT_MAX_AGE_SECONDS = env_int(
    "READINESS_BEAT_MAX_AGE_SECONDS", 3 * NOTIFICATIONS_DISPATCH_INTERVAL_SECONDS
)
# Error reports go to Sentry only when a DSN is set; personal data is scrubbed first (core/sentry.py).
SENTRY_DSN = env_str("SENTRY_DSN", "")
SENTRY_ENVIRONMENT = env_str("SENTRY_ENVIRONMENT", "production")
if SENTRY_DSN:
    from core.sentry import sentry_init

    sentry_init(dsn=SENTRY_DSN, environment=SENTRY_ENVIRONMENT)
