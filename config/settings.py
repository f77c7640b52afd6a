"""Boucle settings, read from the environment.

With nothing set, Boucle runs on its embedded default: a SQLite file, Celery in eager mode,
mail on the console. Production sets at least ``SECRET_KEY``, ``DEBUG=false``,
``ALLOWED_HOSTS``, ``DATABASE_URL`` (PostgreSQL) and ``REDIS_URL``.
"""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import urlsplit

import dj_database_url
from django.utils.translation import gettext_lazy as _

from config.storage import default_storage_backend

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
# The embedded default has a development key; production refuses to start without its own.
SECRET_KEY = os.environ.get("SECRET_KEY", "")
if not SECRET_KEY:
    if not DEBUG:
        raise RuntimeError("SECRET_KEY must be set when DEBUG is off.")
    SECRET_KEY = "django-insecure-boucle-development-only"

ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "localhost,127.0.0.1,[::1]" if DEBUG else "")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    # OpClass in the trigram indexes of the inventory's search (a no-op on SQLite).
    "django.contrib.postgres",
    "rest_framework",
    "rest_framework.authtoken",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "common",
    "axes",
    "organisations",
    "inventory",
    "reuse",
    "procurement",
    "documents",
    "impact",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "common.headers.SecurityHeaders",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "common.null_characters.RefuseNullCharacters",
    "common.pages.ApplicationErrorPages",
    # Last, as django-axes asks: it turns a login refused for a lockout into the lockout answer.
    "axes.middleware.AxesMiddleware",
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
                "organisations.context_processors.active_organisation",
            ],
        },
    },
]

DATABASES = {
    "default": dj_database_url.config(
        default=f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        conn_max_age=int(os.environ.get("DATABASE_CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
# django-axes first: it refuses a locked-out client before the password is even checked.
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, reading a session's user with their memberships in one query.
    "organisations.backends.MembershipModelBackend",
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "dashboard"
LOGOUT_REDIRECT_URL = "login"

LANGUAGE_CODE = "fr"
LANGUAGES = [("fr", _("French")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Europe/Paris"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_URL = "media/"
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# Files under MEDIA_ROOT, or on an S3-compatible bucket when BOUCLE_S3_BUCKET is set.
STORAGES = {
    "default": default_storage_backend(os.environ),
    "staticfiles": {
        "BACKEND": (
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage"
        )
    },
}

# collectstatic compresses each file for WhiteNoise (gzip and Brotli), the source maps of the API
# documentation's bundles included, which no visitor's browser asks for unless its developer
# tools are open: by far the slowest to compress, they are served as they are.
WHITENOISE_SKIP_COMPRESS_EXTENSIONS = (
    "jpg", "jpeg", "png", "gif", "webp", "zip", "gz", "tgz", "bz2", "tbz", "xz", "br", "swf",
    "flv", "woff", "woff2", "3gp", "3gpp", "asf", "avi", "m4v", "mov", "mp4", "mpeg", "mpg",
    "webm", "wmv", "map",
)  # fmt: skip
# Pages and documents name static files by their hashed names only ({% static %}): the copies
# under the plain names would only double what collectstatic compresses.
WHITENOISE_KEEP_ONLY_HASHED_FILES = True

# Mail: console by default, SMTP when EMAIL_HOST is set.
EMAIL_HOST = os.environ.get("EMAIL_HOST", "")
EMAIL_BACKEND = (
    "django.core.mail.backends.smtp.EmailBackend"
    if EMAIL_HOST
    else "django.core.mail.backends.console.EmailBackend"
)
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "587"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", True)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "Boucle <noreply@boucle.localhost>")

# Celery: eager (inline) without a broker, Redis with one.
REDIS_URL = os.environ.get("REDIS_URL", "")
# Tests run in parallel processes (pytest-xdist names them gw0, gw1…): each takes a Redis
# database of its own, 1 + its number, so that no test process's workers take another's tasks
# or heartbeat. The processes a test starts inherit it through the environment, or are given
# another Redis by the test: BOUCLE_TEST_REDIS_URL says the choice was made.
if (
    REDIS_URL
    and env_bool("BOUCLE_TESTING", False)
    and os.environ.get("PYTEST_XDIST_WORKER")
    and not os.environ.get("BOUCLE_TEST_REDIS_URL")
):
    process_number = int(os.environ["PYTEST_XDIST_WORKER"].removeprefix("gw"))
    REDIS_URL = urlsplit(REDIS_URL)._replace(path=f"/{1 + process_number}").geturl()
    os.environ["REDIS_URL"] = os.environ["BOUCLE_TEST_REDIS_URL"] = REDIS_URL
# Without Redis, tasks run inline but Celery still opens a producer on the broker: an in-memory
# one, named by host so that kombu does not warn "No hostname was supplied".
CELERY_BROKER_URL = REDIS_URL or "memory://localhost/"
CELERY_RESULT_BACKEND = REDIS_URL or None
CELERY_TASK_ALWAYS_EAGER = not REDIS_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
# Processes of a worker; Celery's default (empty) is one per CPU.
if os.environ.get("BOUCLE_WORKER_CONCURRENCY"):
    CELERY_WORKER_CONCURRENCY = int(os.environ["BOUCLE_WORKER_CONCURRENCY"])
# A worker child whose resident memory passed this many kilobytes after a task is replaced by a
# fresh one: a large import's memory goes back to the system instead of staying with the child.
CELERY_WORKER_MAX_MEMORY_PER_CHILD = int(
    os.environ.get("BOUCLE_CELERY_MAX_MEMORY_PER_CHILD_KB", str(400 * 1024))
)
# A task whose worker died is delivered again after this many seconds (Redis keeps it unacked).
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("BOUCLE_CELERY_VISIBILITY_TIMEOUT", "3600"))
}
CELERY_TIMEZONE = TIME_ZONE
# Queuing a task after its request committed gives up quickly when Redis does not answer: the
# work stays committed as pending and the re-queue task below queues it again (a request
# whose change committed answers success).
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {
    "max_retries": 2,
    "interval_start": 0,
    "interval_step": 0.2,
    "interval_max": 0.5,
}

CACHES = {
    "default": (
        {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
        if REDIS_URL
        else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    )
}

# Reverse proxies in front of Boucle whose X-Forwarded-For is trusted for the client's address
# (login lockout and API throttles); 0: the connection's address only, the header ignored.
BOUCLE_TRUSTED_PROXIES = int(os.environ.get("BOUCLE_TRUSTED_PROXIES", "0"))

# Login lockout (django-axes, its state in the database, so shared by every process): after
# BOUCLE_LOGIN_FAILURE_LIMIT failures, an account is locked whatever the address it is tried
# from (guessing one password from many addresses), and an address is locked whatever the
# accounts it tries (trying one password on many accounts), for BOUCLE_LOGIN_COOLOFF_MINUTES
# counted from the last failure. A success forgets the failures of that account.
AXES_FAILURE_LIMIT = int(os.environ.get("BOUCLE_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("BOUCLE_LOGIN_COOLOFF_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_CLIENT_IP_CALLABLE = "common.client_address.client_address"
AXES_LOCKOUT_CALLABLE = "common.lockout.lockout_response"
AXES_HTTP_RESPONSE_CODE = 429

REST_FRAMEWORK = {
    # Token first: an anonymous call then gets 401 with a WWW-Authenticate header.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "organisations.authentication.MembershipTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    # Throttles count per client address, X-Forwarded-For trusted only behind trusted proxies.
    "NUM_PROXIES": BOUCLE_TRUSTED_PROXIES,
    "DEFAULT_THROTTLE_RATES": {
        "auth_token": os.environ.get("BOUCLE_TOKEN_THROTTLE_RATE", "10/minute"),
    },
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_FILTER_BACKENDS": [
        "common.api.FilterBackend",
        "rest_framework.filters.SearchFilter",
        "common.api.StableOrderingFilter",
    ],
    "DEFAULT_PAGINATION_CLASS": "rest_framework.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "common.errors.api_exception_handler",
    # DRF's own parsers, refusing NUL characters (PostgreSQL refuses them) with 400.
    "DEFAULT_PARSER_CLASSES": [
        "common.parsers.JSONParser",
        "common.parsers.FormParser",
        "common.parsers.MultiPartParser",
    ],
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Boucle API",
    "DESCRIPTION": (
        "The reuse loop of a territory's public IT equipment: organisations, the shared device "
        'inventory and its lifecycle. Errors answer `{"error": {"code", "message", '
        '"fields"}}`.'
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SCHEMA_PATH_PREFIX": r"/api/v[0-9]+",
    "COMPONENT_SPLIT_REQUEST": True,
    # Swagger UI served by Boucle itself (drf-spectacular-sidecar), never from a CDN.
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "common.api.document_every_error_answer",
    ],
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "ENUM_NAME_OVERRIDES": {
        "DeviceStateEnum": "inventory.choices.DeviceState",
        "DeviceCategoryEnum": "inventory.choices.DeviceCategory",
        "StorageTypeEnum": "inventory.choices.StorageType",
        "OrganisationKindEnum": "organisations.choices.OrganisationKind",
        "PickupStateEnum": "reuse.choices.PickupState",
        "AllocationReasonEnum": "procurement.choices.AllocationReason",
        "CessionEligibilityEnum": "organisations.choices.CessionEligibility",
    },
}

# Boucle's own settings.
BOUCLE_DEVICE_PAGE_SIZE = int(os.environ.get("BOUCLE_DEVICE_PAGE_SIZE", "50"))

# What a browser may load and use: everything from Boucle itself, images also as data: URIs
# (QR codes), no inline script or style, no plugin, no framing; no camera, microphone,
# location, payment or USB.
BOUCLE_CONTENT_SECURITY_POLICY = os.environ.get(
    "BOUCLE_CONTENT_SECURITY_POLICY",
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; "
    "form-action 'self'; frame-ancestors 'none'",
)
BOUCLE_PERMISSIONS_POLICY = os.environ.get(
    "BOUCLE_PERMISSIONS_POLICY",
    "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), bluetooth=(), "
    "accelerometer=(), gyroscope=(), magnetometer=(), display-capture=()",
)

# Production hardening, active whenever DEBUG is off.
if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    # A load balancer or a monitor asks /health/ over plain HTTP, on the machine's network.
    SECURE_REDIRECT_EXEMPT = [r"^health/$"]
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "31536000"))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", True)
    SECURE_CONTENT_TYPE_NOSNIFF = True
    X_FRAME_OPTIONS = "DENY"

# Libraries that report their steps at INFO say only what goes wrong (WARNING and above):
# otherwise WeasyPrint and fontTools log each render and font subset, and a task run inline (no
# broker) its success, in the middle of the command or page that ran it. A worker's own log
# (celery -A config worker --loglevel=…) keeps Celery's INFO lines, its "ready." among them.
QUIET_LIBRARIES = [
    "fontTools",
    "weasyprint",
    # factur-x logs each schema check and each XML it embeds or extracts.
    "factur-x",
    "PIL",
    "kombu",
    "amqp",
    "redis",
    "asyncio",
    # django-axes logs each login at INFO; its warnings (failures, lockouts) stay.
    "axes",
]
if CELERY_TASK_ALWAYS_EAGER:
    QUIET_LIBRARIES.append("celery")
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "INFO")},
    "loggers": {
        # Django's own console handler would print each of its lines a second time, through the
        # root logger's (the autoreloader's "Watching for file changes", say).
        "django": {"handlers": [], "level": "INFO", "propagate": True},
        **{library: {"level": "WARNING"} for library in QUIET_LIBRARIES},
    },
}

# Tests: fast password hashing (set by pytest through BOUCLE_TESTING).
if env_bool("BOUCLE_TESTING", False):
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    # Each test starts with an empty cache of its own (throttle counters, say).
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    # Tasks run inline in tests, Redis or not; the tests about the worker start a real one.
    CELERY_TASK_ALWAYS_EAGER = True

# Device imports: the largest file accepted, and the size above which a Celery task imports it.
BOUCLE_IMPORT_MAX_BYTES = int(os.environ.get("BOUCLE_IMPORT_MAX_BYTES", str(50 * 1024 * 1024)))
# How long the file of a successful dry run is kept for "Import" without sending it again.
BOUCLE_IMPORT_DRY_RUN_HOURS = int(os.environ.get("BOUCLE_IMPORT_DRY_RUN_HOURS", "24"))
BOUCLE_IMPORT_ASYNC_BYTES = int(os.environ.get("BOUCLE_IMPORT_ASYNC_BYTES", str(1024 * 1024)))
# The most rows of devices (the header aside) and columns an XLSX sheet may hold or declare.
BOUCLE_IMPORT_MAX_ROWS = int(os.environ.get("BOUCLE_IMPORT_MAX_ROWS", "1000000"))
BOUCLE_IMPORT_MAX_COLUMNS = int(os.environ.get("BOUCLE_IMPORT_MAX_COLUMNS", "256"))
# An XLSX file is a zip: checked in its central directory before anything is decompressed.
# The largest part once uncompressed (a sheet, its shared strings), all parts together, and
# how many times a part of 1 MB or more may expand; then the most shared strings.
BOUCLE_XLSX_MAX_PART_BYTES = int(
    os.environ.get("BOUCLE_XLSX_MAX_PART_BYTES", str(128 * 1024 * 1024))
)
BOUCLE_XLSX_MAX_TOTAL_BYTES = int(
    os.environ.get("BOUCLE_XLSX_MAX_TOTAL_BYTES", str(256 * 1024 * 1024))
)
# ODS and XLS files are read whole by calamine: an XLS file's size, and the cells of a sheet
# (rows times the widest row) of either, are bounded.
BOUCLE_XLS_MAX_BYTES = int(os.environ.get("BOUCLE_XLS_MAX_BYTES", str(20 * 1024 * 1024)))
BOUCLE_CALAMINE_MAX_CELLS = int(os.environ.get("BOUCLE_CALAMINE_MAX_CELLS", "4000000"))
BOUCLE_XLSX_MAX_RATIO = int(os.environ.get("BOUCLE_XLSX_MAX_RATIO", "100"))
BOUCLE_XLSX_MAX_SHARED_STRINGS = int(os.environ.get("BOUCLE_XLSX_MAX_SHARED_STRINGS", "1000000"))

# nwipe logs: the largest log accepted (checked before it is read), and the most drives it
# may list (a run erases a few; each drive is a record written in the request).
BOUCLE_NWIPE_MAX_BYTES = int(os.environ.get("BOUCLE_NWIPE_MAX_BYTES", str(2 * 1024 * 1024)))
BOUCLE_NWIPE_MAX_DRIVES = int(os.environ.get("BOUCLE_NWIPE_MAX_DRIVES", "64"))

# Claims: a partner's claim lapses after this many days without collection.
BOUCLE_CLAIM_EXPIRY_DAYS = int(os.environ.get("BOUCLE_CLAIM_EXPIRY_DAYS", "14"))

# Planned pickups: a partner plans a pickup at most this many days ahead; an open plan keeps
# its devices' claims from lapsing until the end of its day plus this many days (a pickup
# that slips a day or two, a collection recorded the next working day), no longer, so that an
# abandoned plan never holds devices out of the shared inventory.
BOUCLE_PICKUP_MAX_DAYS_AHEAD = int(os.environ.get("BOUCLE_PICKUP_MAX_DAYS_AHEAD", "60"))
BOUCLE_PICKUP_MARGIN_DAYS = int(os.environ.get("BOUCLE_PICKUP_MARGIN_DAYS", "2"))

# Work handed to the worker: queued again when still waiting after this many seconds (the
# broker was unreachable, or lost it), and, once started, recovered when its heartbeat
# stopped for this many seconds (queued again once, then failed). The heartbeat of a running
# import beats at each step of a few thousand rows, a document's when its rendering starts:
# keep the threshold well above the longest step (a minute for the largest import).
BOUCLE_REQUEUE_AFTER_SECONDS = int(os.environ.get("BOUCLE_REQUEUE_AFTER_SECONDS", "60"))
BOUCLE_WORKER_STALLED_SECONDS = int(os.environ.get("BOUCLE_WORKER_STALLED_SECONDS", "180"))

# The worker's heartbeat (see common.health): beat queues it every BOUCLE_HEARTBEAT_SECONDS,
# and /health/ names the worker as failing once the last one is older than
# BOUCLE_HEARTBEAT_STALE_SECONDS. Keep the threshold a few beats above the period: a worker
# whose every process is busy with a long task runs the heartbeat when one is free.
BOUCLE_HEARTBEAT_SECONDS = int(os.environ.get("BOUCLE_HEARTBEAT_SECONDS", "30"))
BOUCLE_HEARTBEAT_STALE_SECONDS = int(os.environ.get("BOUCLE_HEARTBEAT_STALE_SECONDS", "120"))
# Where beat keeps when each periodic task last ran.
CELERY_BEAT_SCHEDULE_FILENAME = os.environ.get(
    "BOUCLE_BEAT_SCHEDULE_FILE", str(BASE_DIR / "celerybeat-schedule")
)

# Periodic work, run by `celery -A config beat`.
CELERY_BEAT_SCHEDULE = {
    "worker-heartbeat": {
        "task": "common.tasks.worker_heartbeat",
        "schedule": BOUCLE_HEARTBEAT_SECONDS,
        # A heartbeat that waited longer than its period in the queue says nothing any more.
        "options": {"expires": BOUCLE_HEARTBEAT_SECONDS},
    },
    "requeue-pending-work": {
        "task": "common.tasks.requeue_pending_work",
        "schedule": 60,
    },
    "watch-stalled-work": {
        "task": "common.tasks.watch_stalled_work",
        "schedule": 60,
    },
    "forget-expired-dry-runs": {
        "task": "inventory.tasks.forget_expired_dry_runs",
        "schedule": 60 * 60,  # hourly; a dry run's file is kept for hours
    },
    "expire-claims": {
        "task": "reuse.tasks.expire_overdue_claims",
        "schedule": 60 * 60,  # hourly; an expiry is due to the day, not the minute
    },
    "close-due-campaigns": {
        "task": "procurement.tasks.close_due_campaigns",
        "schedule": 60,  # a campaign closes within a minute of its closing time
    },
    "remind-closing-campaigns": {
        "task": "procurement.tasks.remind_closing_campaigns",
        "schedule": 15 * 60,  # the day-before reminder, sent once
    },
}

# Documents: where issued PDFs are kept (under MEDIA_ROOT with the default storage).
BOUCLE_DOCUMENTS_FOLDER = "documents"
