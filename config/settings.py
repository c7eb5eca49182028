"""Settings, read from the environment.

With nothing set, a fresh clone runs on SQLite with Celery tasks executed
in-process; production sets DATABASE_URL, CELERY_BROKER_URL, SECRET_KEY,
DEBUG=0 and ALLOWED_HOSTS (see docker-compose.yml and .env.example).
"""
import importlib.util
import ipaddress
import os
from datetime import timedelta
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent


def env_bool(name, default):
    return os.environ.get(name, str(default)).strip().lower() in {"1", "true", "yes", "on"}


def env_list(name, default):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DEBUG = env_bool("DEBUG", True)
# The demo setup (a first run): seed_demo may make its users with their published password, and the
# login page lists them. Never in production (DEBUG=0). Kept apart from DEBUG, which tests turn off.
DEMO = DEBUG
SECRET_KEY = os.environ.get("SECRET_KEY", "dev-only-insecure-key-change-me" if DEBUG else "")
if not SECRET_KEY:
    raise RuntimeError("SECRET_KEY must be set when DEBUG is off")
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")
# A stale form's refusal in the office's layout and language, not Django's own page (config/errors.py).
CSRF_FAILURE_VIEW = "config.errors.csrf_failure"

INSTALLED_APPS = [
    # The admin registers its models when the URLs load (config/urls.py), not in every command.
    "django.contrib.admin.apps.SimpleAdminConfig",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    # Its widget templates, for the form renderer that reads TEMPLATES (FORM_RENDERER below).
    "django.forms",
    "django_tables2",
    "django_filters",
    "axes",
    # The second factor of office accounts: TOTP codes from a phone app (people/second_factor.py).
    "django_otp",
    "django_otp.plugins.otp_totp",
    "people",
    "registry",
    "inventory",
    "printing",
    "backlog",
    # The office's pages and commands, above the write side and the apps it writes (desks/__init__.py).
    "desks",
    "public",
]
# tools/ (the benchmark, the translation merge) is for development: .dockerignore keeps it out of the
# production image, which must still start without it.
if importlib.util.find_spec("tools") is not None:
    INSTALLED_APPS.append("tools")

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Indonesian whatever the browser asks for; English only through the switch (people/language.py).
    "people.language.OfficeLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # A one-time password is changed, and a required second factor set up, before any other page.
    "people.duties.AccountDutiesMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "people.login_throttle.SlowDownMiddleware",
    # A view that finds the database out of reach answers 503 with one sentence (config/outage.py).
    "config.outage.DatabaseOutageMiddleware",
    # Last, as django-axes asks: it turns a blocked login into the blocked page.
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
            # {% form_token %}, the one-time token of every desk form (people/access.py); {{ n|number }}, a number
            # grouped in the page's language (common/numbers.py).
            "builtins": ["people.templatetags.desk", "people.templatetags.roles", "common.numbers"],
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]
# The office tables' own template: every cell labelled with its column, for the stacked rows on a phone.
DJANGO_TABLES2_TEMPLATE = "table.html"

# Every field through templates/_field.html ({{ field.as_field_group }}), common/forms.py.
FORM_RENDERER = "common.forms.FieldRenderer"

DATABASES = {
    # Unset or empty: the embedded SQLite file.
    "default": dj_database_url.parse(
        os.environ.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'db.sqlite3'}",
        # Without persistent connections page throughput falls by ~4x (STYLE.md).
        conn_max_age=int(os.environ.get("CONN_MAX_AGE", "60")),
        conn_health_checks=True,
    )
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # Several clerks (threads) write at once even in a first run; wait for the lock.
    DATABASES["default"]["OPTIONS"] = {"timeout": 20}
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    # A file, not memory: tests run management commands in child processes.
    DATABASES["default"]["TEST"] = {"NAME": str(BASE_DIR / f".test-db-{os.getpid()}.sqlite3")}
# A PostgreSQL streaming replica of DATABASE_URL: the residents' pages read it while it is at most
# REPLICA_MAX_LAG_SECONDS behind, and the primary otherwise (config/routers.py, config/replica.py).
# Unset (the default): one database for everything.
REPLICA_DATABASE_URL = os.environ.get("REPLICA_DATABASE_URL", "")
REPLICA_MAX_LAG_SECONDS = float(os.environ.get("REPLICA_MAX_LAG_SECONDS", "5"))
if REPLICA_DATABASE_URL:
    DATABASES["replica"] = dj_database_url.parse(REPLICA_DATABASE_URL, conn_max_age=DATABASES["default"]["CONN_MAX_AGE"],
                                                 conn_health_checks=True)
    # A replica out of reach costs a page at most this long, once a second (config/replica.py).
    DATABASES["replica"].setdefault("OPTIONS", {}).setdefault("connect_timeout", 2)
    # Under test the replica is the test database itself.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["config.routers.ReplicaRouter"]
    # Innermost: only the public view itself (and its template) reads the replica.
    MIDDLEWARE.append("config.routers.PublicReadsMiddleware")
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "registry.User"
# django-axes first: it refuses a blocked address before any password is checked.
AUTHENTICATION_BACKENDS = ["axes.backends.AxesStandaloneBackend", "django.contrib.auth.backends.ModelBackend"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
# The name a phone app shows beside the office account's codes.
OTP_TOTP_ISSUER = "e-KTP"
# No throttle on the device itself: a stranger's wrong codes would then keep its owner's right code out (what
# the login throttle refuses to do with passwords). Guessing is bounded by the password's throttle instead.
OTP_TOTP_THROTTLE_FACTOR = 0
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# A working day: a clerk logs in once in the morning.
SESSION_COOKIE_AGE = int(os.environ.get("SESSION_COOKIE_AGE", str(10 * 60 * 60)))
# A desk's message names the resident ("Tercetak: NAME, NIK ..."): kept with the session on the server, never in a cookie.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

LANGUAGE_CODE = "id"
LANGUAGES = [("id", _("Bahasa Indonesia")), ("en", _("English"))]
LOCALE_PATHS = [BASE_DIR / "locale"]
# The server's own clock (the admin, logs, Celery beat). Each office keeps its own (Office.time_zone, common/dates.py).
TIME_ZONE = os.environ.get("TIME_ZONE", "Asia/Jakarta")
USE_I18N = True
# One date and time format on every page (config/formats/<language>/formats.py); numbers grouped the page's
# language's way (1.312) wherever a template writes them (common/numbers.py for the rest).
FORMAT_MODULE_PATH = ["config.formats"]
USE_THOUSAND_SEPARATOR = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "staticfiles"
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", BASE_DIR / "media"))
# Uploaded SIAK files and their rejected-rows reports in an S3-compatible bucket that every web process and
# worker reaches (MinIO in docker-compose.yml), when AWS_STORAGE_BUCKET_NAME is set; else under MEDIA_ROOT.
# Private: the pages hand the files out themselves, to the office's own people only.
AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
# Empty: Amazon S3 itself. MinIO and most other S3-compatible stores want path-style addresses.
AWS_S3_ENDPOINT_URL = os.environ.get("AWS_S3_ENDPOINT_URL", "")
if AWS_STORAGE_BUCKET_NAME:
    STORAGES["default"] = {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": {
        "bucket_name": AWS_STORAGE_BUCKET_NAME,
        "endpoint_url": AWS_S3_ENDPOINT_URL or None,
        "region_name": os.environ.get("AWS_S3_REGION_NAME") or None,
        "access_key": os.environ.get("AWS_ACCESS_KEY_ID", ""),
        "secret_key": os.environ.get("AWS_SECRET_ACCESS_KEY", ""),
        "addressing_style": "path" if AWS_S3_ENDPOINT_URL else None,
        "signature_version": "s3v4",
        "default_acl": "private",
        "querystring_auth": True,
        # A second upload of the same name is stored beside the first, never over it.
        "file_overwrite": False,
    }}
# The largest SIAK export the upload page takes. demo.write_demo_csv writes ~106 bytes a row: a
# 5,000,000-row export is ~530 MB, and the default leaves room for longer addresses and extra columns.
UPLOAD_MAX_MEGABYTES = int(os.environ.get("UPLOAD_MAX_MEGABYTES", "1024"))
# Django's defaults, said outright: an upload above 2.5 MB streams to a temporary file on disk, never
# into memory, and a form's other fields stay small.
FILE_UPLOAD_MAX_MEMORY_SIZE = 2_621_440
DATA_UPLOAD_MAX_MEMORY_SIZE = 2_621_440

# The print desk marks a card printed at once only if it is among this many next in print order; a card
# further back is marked only with the clerk's reason, kept in its history (backlog.desks.mark_printed).
PRINT_OUT_OF_ORDER_WINDOW = int(os.environ.get("PRINT_OUT_OF_ORDER_WINDOW", "20"))

# The cache carries upload progress from the worker to the pages and keeps the public board: Redis in
# production, a cache that only saves work (config/cache.py): with Redis away, pages go on without it.
REDIS_URL = os.environ.get("REDIS_URL", os.environ.get("CELERY_BROKER_URL", "") if os.environ.get("CELERY_BROKER_URL", "").startswith("redis") else "")
REDIS_CACHE = {"BACKEND": "config.cache.ForgivingRedisCache", "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}
CACHES = {
    "default": {**REDIS_CACHE, "LOCATION": REDIS_URL} if REDIS_URL else {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
}

# Celery: with no broker configured, tasks run in-process (the embedded default).
CELERY_TASK_ALWAYS_EAGER = not os.environ.get("CELERY_BROKER_URL")
CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", "memory://localhost/")
CELERY_TASK_EAGER_PROPAGATES = True
# No task's result is read: with no result backend, asking for a task while Redis is down fails in
# well under a second (with one, Celery retried for about 19 s and then carried on silently).
CELERY_RESULT_BACKEND = os.environ.get("CELERY_RESULT_BACKEND") or None
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_TIMEOUT = 2
CELERY_TASK_PUBLISH_RETRY_POLICY = {"max_retries": 2, "interval_start": 0, "interval_step": 0.2, "interval_max": 0.5}
# Acknowledged once done: a task whose worker died is delivered again (an upload's import, backlog.imports). With
# a prefetch of 1 a worker reserves no task beyond the ones it runs, so the sweep's one build per office spreads
# over every worker rather than waiting behind a busy one (tests/test_offices.py).
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = TIME_ZONE
# How often Celery beat sweeps for work that is due (a queue build where blanks wait for cards, an
# upload waiting for its import), whether or not the task asked for at the time reached the broker.
# Uploaded SIAK files and their rejected-rows reports are deleted this many days after their import (a daily task).
UPLOAD_RETENTION_DAYS = int(os.environ.get("UPLOAD_RETENTION_DAYS", "30"))
WORK_SWEEP_SECONDS = float(os.environ.get("WORK_SWEEP_SECONDS", "30"))
# A queue build commits batch by batch, so a print click waits for one batch, not the whole build. Each batch is
# sized by time: as many cards as the last batch's pace queues in QUEUE_BUILD_SECONDS under the ledger lock
# (QUEUE_BUILD_BATCH cards first; 0 seconds: every batch that many cards). See the README's Benchmark.
QUEUE_BUILD_BATCH = int(os.environ.get("QUEUE_BUILD_BATCH", "1000"))
QUEUE_BUILD_SECONDS = float(os.environ.get("QUEUE_BUILD_SECONDS", "0.15"))

# Security headers, sent in every mode so that development sees what production sends.
# config/security.py adds Content-Security-Policy and Permissions-Policy.
MIDDLEWARE.insert(MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1, "config.security.SecurityHeadersMiddleware")
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CROSS_ORIGIN_OPENER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"

if not DEBUG:
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
    SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", True)
    SESSION_COOKIE_SECURE = True
    CSRF_COOKIE_SECURE = True
    SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", str(int(timedelta(days=365).total_seconds()))))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = True
    SECURE_HSTS_PRELOAD = True

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}
# Login throttle (people/login_throttle.py). LOGIN_FAILURES_PER_ADDRESS failed logins from one address,
# for one account or across accounts, block that address for LOGIN_BLOCK_MINUTES after its last try.
# LOGIN_FAILURES_PER_ACCOUNT failures for one account from any addresses only slow that account down:
# one try per 2, 4, 8 ... seconds (at most LOGIN_SLOW_DOWN_MAX_SECONDS) from addresses it never logged in from.
LOGIN_FAILURES_PER_ADDRESS = int(os.environ.get("LOGIN_FAILURES_PER_ADDRESS", "5"))
LOGIN_BLOCK_MINUTES = int(os.environ.get("LOGIN_BLOCK_MINUTES", "15"))
LOGIN_FAILURES_PER_ACCOUNT = int(os.environ.get("LOGIN_FAILURES_PER_ACCOUNT", "10"))
LOGIN_SLOW_DOWN_MAX_SECONDS = int(os.environ.get("LOGIN_SLOW_DOWN_MAX_SECONDS", "60"))
# django-axes keeps the failures in PostgreSQL (its database handler), so every process sees the same
# count and the throttle works with Redis down. Its limits are read from the settings above at each request.
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_LOCKOUT_PARAMETERS = ["ip_address"]
AXES_FAILURE_LIMIT = "people.login_throttle.failures_per_address"
AXES_COOLOFF_TIME = "people.login_throttle.block_length"
AXES_CLIENT_IP_CALLABLE = "people.login_throttle.login_address"
AXES_LOCKOUT_CALLABLE = "people.login_throttle.blocked_response"
# A success does not wipe the address's failures: a clerk's own account would otherwise reset the count
# between guesses at the head's password.
AXES_RESET_ON_SUCCESS = False
# Tries from a blocked address are refused without being counted: the block ends LOGIN_BLOCK_MINUTES after
# the last real failure, and a hammering address cannot keep an account's slow-down going.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_VERBOSE = False

# Printed on documents (the Suket's QR code points at the public check page under it).
PUBLIC_BASE_URL = os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
# Residents' lookups (my card, Suket check): at most PUBLIC_LOOKUP_LIMIT per client address per window.
PUBLIC_LOOKUP_LIMIT = int(os.environ.get("PUBLIC_LOOKUP_LIMIT", "10"))
PUBLIC_LOOKUP_WINDOW_SECONDS = int(os.environ.get("PUBLIC_LOOKUP_WINDOW_SECONDS", "600"))
# The reverse proxies of ours in front of the app (comma-separated CIDRs). The client address (for the
# public lookup limit and the login throttle) is REMOTE_ADDR, followed back through X-Forwarded-For only
# while the hop is in one of these networks (common.addresses.client_address). Empty (the default): the
# header is never read, since anyone can send it. Behind docker-compose's proxy: the compose network,
# for example 172.16.0.0/12, or every resident shares the proxy's one limit.
TRUSTED_PROXIES = env_list("TRUSTED_PROXIES", "")
for _cidr in TRUSTED_PROXIES:
    try:
        ipaddress.ip_network(_cidr, strict=False)
    except ValueError:
        raise ImproperlyConfigured(f"TRUSTED_PROXIES: {_cidr!r} is not an address or a network (CIDR)") from None
# The ready-for-pickup board is public and the same for everyone: computed at most this often.
PUBLIC_BOARD_CACHE_SECONDS = int(os.environ.get("PUBLIC_BOARD_CACHE_SECONDS", "300"))
SUKET_VALID_MONTHS = int(os.environ.get("SUKET_VALID_MONTHS", "6"))
