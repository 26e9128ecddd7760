"""Settings for Roadmap Tracker, read from the environment (see .env.example).

Production is the default: DEBUG is off, SECRET_KEY and ALLOWED_HOSTS must be given, and the
security settings below pass `manage.py check --deploy`. `make run` sets DEBUG=true for local
development, which is the only case where insecure defaults apply.
"""

import ipaddress
import math
import re
from pathlib import Path

import environ
from corsheaders.defaults import default_headers as cors_default_headers
from csp.constants import NONE, SELF
from django.core.exceptions import ImproperlyConfigured

from coalition import logs

BASE_DIR = Path(__file__).resolve().parent.parent
DATA_DIR = BASE_DIR / "var"

env = environ.Env()
if (BASE_DIR / ".env").is_file():
    env.read_env(BASE_DIR / ".env")

DEBUG = env.bool("DEBUG", default=False)

if DEBUG:
    SECRET_KEY = env.str("SECRET_KEY", default="django-insecure-local-development-only")
else:
    SECRET_KEY = env.str("SECRET_KEY", default="")
    if not SECRET_KEY:
        raise ImproperlyConfigured(
            "Set SECRET_KEY in the environment (it is optional only when DEBUG=true)."
        )

ALLOWED_HOSTS = env.list("ALLOWED_HOSTS", default=["127.0.0.1", "localhost"] if DEBUG else [])
CSRF_TRUSTED_ORIGINS = env.list("CSRF_TRUSTED_ORIGINS", default=[])

INSTALLED_APPS = [
    "commitments.admin_site.TrackerAdminConfig",  # django.contrib.admin, with its own site
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "corsheaders",
    "django_filters",
    "rest_framework",
    "knox",
    "simple_history",
    "axes",
    "csp",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    # Before commitments, whose admin takes the task queue's ModelAdmin away.
    "django_tasks",
    "django_tasks_db",
    "commitments",
]

MIDDLEWARE = [
    # Outermost, so that every response carries its X-Request-ID and its access line, however
    # early a middleware answered it. The id a request brings in X-Request-ID is believed only
    # from the proxies of TRUSTED_PROXY_COUNT (docs/operations.md).
    "commitments.request_log.RequestLogMiddleware",
    # Next, so that it times and counts what every other middleware does too.
    "commitments.metrics.middleware.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    # Early, so that it compresses what every later middleware has written.
    "commitments.middleware.APICompressionMiddleware",
    "commitments.middleware.ContentSecurityPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    # After the session (where a chosen language is kept), before CommonMiddleware.
    "django.middleware.locale.LocaleMiddleware",
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    # Once the user is known: their own language beats their browser's (commitments.languages).
    "commitments.middleware.UserLanguageMiddleware",
    # Outside the response cache, so that a hit tells its client where it stands now.
    "commitments.api.throttling.RateLimitHeadersMiddleware",
    # Anonymous API reads from the versioned response cache: after the middleware whose headers
    # depend on the request (CORS, CSP, security, gzip), which a hit gets as any response does.
    "commitments.api.response_cache.ResponseCacheMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "commitments.middleware.DatabaseUnavailableMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
    # Last, as django-axes asks: it turns a locked-out login into its lockout response.
    "axes.middleware.AxesMiddleware",
]

AUTHENTICATION_BACKENDS = [
    # First, so that a locked-out username is refused before its password is checked.
    "axes.backends.AxesStandaloneBackend",
    # Django's ModelBackend, with a user's permissions read in one query (not two).
    "commitments.auth_backend.PermissionsBackend",
]

ROOT_URLCONF = "coalition.urls"

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

WSGI_APPLICATION = "coalition.wsgi.application"
ASGI_APPLICATION = "coalition.asgi.application"

# Database: DATABASE_URL, or an SQLite file in the git-ignored var/ folder.
if "DATABASE_URL" not in env:
    DATA_DIR.mkdir(exist_ok=True)
DATABASES = {"default": env.db("DATABASE_URL", default=f"sqlite:///{DATA_DIR / 'db.sqlite3'}")}
POSTGRESQL = DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql"

# No request waits on PostgreSQL longer than a worker may live (gunicorn's 30 s): the server
# cancels a statement that runs longer than DATABASE_STATEMENT_TIMEOUT seconds and a wait for a
# lock longer than DATABASE_LOCK_TIMEOUT (a 503 with Retry-After: "busy"), and the client gives
# up on a server that does not answer at all soon after (commitments/db_deadlines.py). 0: none.
# These limits are for processes that serve requests, which say so (ROADMAP_SERVING, set by
# coalition/wsgi.py, coalition/asgi.py and `manage.py runserver`). Everything else, management
# commands above all (migrate, load_roadmap, import_updates, ..., however they are started:
# manage.py, django-admin, python -m django), waits as long as its work takes: an operator runs
# and watches it, and a migration or an import may rightly take minutes.
SERVING = env.bool("ROADMAP_SERVING", default=False)
DATABASE_STATEMENT_TIMEOUT = env.float("DATABASE_STATEMENT_TIMEOUT", default=10)
DATABASE_LOCK_TIMEOUT = env.float("DATABASE_LOCK_TIMEOUT", default=5)
# A replica's limit, to connect and per statement: an anonymous read is a few milliseconds, and
# a replica past it is set aside while the primary answers.
DATABASE_REPLICA_TIMEOUT = env.float("DATABASE_REPLICA_TIMEOUT", default=2)
if min(DATABASE_STATEMENT_TIMEOUT, DATABASE_LOCK_TIMEOUT, DATABASE_REPLICA_TIMEOUT) < 0:
    raise ImproperlyConfigured("The DATABASE_..._TIMEOUT settings are seconds: 0 (none) or more.")
DATABASE_CLIENT_DEADLINES = POSTGRESQL and SERVING


# PostgreSQL's JIT compiles a query to machine code when the planner's cost estimate is high,
# which the API's largest reads are (the timeline, as-of summaries, the week's changes): at size M
# the compiling took longer than it saved, and the timeline's cold read went from 1.23 to 0.82 s
# with it off (docs/performance.md). None of the API's queries runs long enough to gain from it.
SESSION_SETTINGS = {"jit": "off"}


def _server_options(database, **timeouts):
    """`database`'s OPTIONS with SESSION_SETTINGS and PostgreSQL timeouts for each of its
    sessions (in seconds; 0 leaves one out), before any `options` that DATABASE_URL gives,
    which win."""
    options = database.get("OPTIONS", {})
    ours = [f"-c {name}={value}" for name, value in SESSION_SETTINGS.items()]
    ours += [f"-c {name}={round(seconds * 1000)}" for name, seconds in timeouts.items() if seconds]
    combined = " ".join([*ours, options.get("options", "")]).strip()
    return {**options, "options": combined} if combined else options


if POSTGRESQL:
    # Persistent connections, checked before reuse so that a database restart costs one
    # failed health check instead of an error on the next request.
    DATABASES["default"]["CONN_MAX_AGE"] = env.int("CONN_MAX_AGE", default=60)
    DATABASES["default"]["CONN_HEALTH_CHECKS"] = True
    # A server that does not answer a new connection (frozen, or its host gone) is given up
    # after this many seconds, not the kernel's minutes (DATABASE_URL's own value wins).
    DATABASES["default"]["OPTIONS"] = {
        "connect_timeout": 3,
        **DATABASES["default"].get("OPTIONS", {}),
    }
    if SERVING:
        DATABASES["default"]["OPTIONS"] = _server_options(
            DATABASES["default"],
            statement_timeout=DATABASE_STATEMENT_TIMEOUT,
            lock_timeout=DATABASE_LOCK_TIMEOUT,
        )
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    # SQLite has one writer at a time. Each transaction takes the write lock when it begins:
    # one that reads first and writes later cannot wait for the lock, SQLite refuses it at
    # once ("database is locked") rather than risk a deadlock. Writers then wait their turn, up
    # to the timeout in seconds (below gunicorn's 30-second worker timeout), and the WAL
    # journal lets reads go on while a write commits. Options in DATABASE_URL take precedence.
    DATABASES["default"]["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL",
        **DATABASES["default"].get("OPTIONS", {}),
    }

# Read replicas: DATABASE_REPLICA_URLS, comma-separated PostgreSQL URLs of streaming replicas of
# DATABASE_URL, become the aliases replica_1, replica_2, ... Anonymous GET and HEAD requests read
# one of them; everything else reads and writes the primary (commitments/db_router.py,
# docs/scaling.md). A test run does not create them: they mirror the primary's test database.
DATABASE_REPLICAS = []
for _number, _url in enumerate(env.list("DATABASE_REPLICA_URLS", default=[]), start=1):
    if not POSTGRESQL:
        raise ImproperlyConfigured("DATABASE_REPLICA_URLS needs PostgreSQL in DATABASE_URL.")
    _replica = env.db_url_config(_url)
    # A replica that does not answer must not hold a request long: it is then set aside and
    # the request reads the primary (commitments.middleware.ReplicaReadsMiddleware).
    # connect_timeout covers a new connection (libpq counts whole seconds); statement_timeout
    # a query, and the client's deadline a replica that is frozen (commitments/db_deadlines.py);
    # the keepalives, a connection kept open (CONN_MAX_AGE) to a replica whose host went away.
    _replica["OPTIONS"] = _server_options(
        {
            **_replica,
            "OPTIONS": {
                "connect_timeout": math.ceil(DATABASE_REPLICA_TIMEOUT) or 2,
                "keepalives": 1,
                "keepalives_idle": 10,
                "keepalives_interval": 2,
                "keepalives_count": 3,
                **_replica.get("OPTIONS", {}),
            },
        },
        statement_timeout=DATABASE_REPLICA_TIMEOUT,
    )
    DATABASES[f"replica_{_number}"] = {
        **_replica,
        "CONN_MAX_AGE": DATABASES["default"]["CONN_MAX_AGE"],
        "CONN_HEALTH_CHECKS": True,
        "TEST": {"MIRROR": "default"},
    }
    DATABASE_REPLICAS.append(f"replica_{_number}")
# Seconds for which a client that wrote (or signed in or out) reads the primary, not a replica,
# so that it sees its own write: longer than the replicas' usual lag.
REPLICA_PIN_SECONDS = env.int("REPLICA_PIN_SECONDS", default=5)
if DATABASE_REPLICAS:
    DATABASE_ROUTERS = ["commitments.db_router.ReplicaRouter"]
    MIDDLEWARE.insert(
        MIDDLEWARE.index("commitments.middleware.DatabaseUnavailableMiddleware") + 1,
        "commitments.middleware.ReplicaReadsMiddleware",
    )

# Shared cache (throttle counts, the Roadmap summary, API responses): Redis via CACHE_URL, e.g.
# redis://127.0.0.1:6379/0; in-process memory when unset. Redis is optional: while it does not
# answer, each process uses its own memory instead and requests go on (coalition/redis_cache.py).
# Its socket timeouts (seconds) bound what a frozen Redis costs a request.
# Only these two: the rate limits count in one step with the cache's lookup, which they offer
# (coalition.redis_cache.CountingCache).
CACHES = {"default": env.cache("CACHE_URL", default="locmemcache://")}
if CACHES["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache":
    CACHES["default"]["BACKEND"] = "coalition.redis_cache.LocMemCache"
elif CACHES["default"]["BACKEND"] == "django.core.cache.backends.redis.RedisCache":
    CACHES["default"]["BACKEND"] = "coalition.redis_cache.FailOpenRedisCache"
else:
    raise ImproperlyConfigured("CACHE_URL must be a Redis URL (redis://...), or unset.")
if CACHES["default"]["BACKEND"] == "coalition.redis_cache.FailOpenRedisCache":
    CACHES["default"]["OPTIONS"] = {
        "socket_timeout": env.float("REDIS_SOCKET_TIMEOUT", default=0.5),
        "socket_connect_timeout": env.float("REDIS_CONNECT_TIMEOUT", default=0.5),
        **CACHES["default"].get("OPTIONS", {}),
    }
# How long a computed summary is kept. Any write changes its key, so this only bounds memory.
SUMMARY_CACHE_SECONDS = env.int("SUMMARY_CACHE_SECONDS", default=3600)
# The versioned response cache of the read API (commitments/api/response_cache.py): JSON, CSV
# and XLSX responses, kept under a key that holds the reader's visibility class and the data
# version, so a write is visible
# to the very next read. The TTL only bounds memory; larger bodies (a CSV of everything) are
# not kept.
RESPONSE_CACHE = env.bool("RESPONSE_CACHE", default=True)
RESPONSE_CACHE_SECONDS = env.int("RESPONSE_CACHE_SECONDS", default=600)
RESPONSE_CACHE_MAX_BYTES = env.int("RESPONSE_CACHE_MAX_BYTES", default=1024 * 1024)
# A token reader's user and visibility class are remembered in Redis (commitments/api/readers.py)
# so that their cache hit needs no query of the token: forgotten at once on any change of tokens,
# users, groups or permissions made through Django, and at most this many seconds after one that
# no signal sees (an update() or a database shell). 0 checks every token in the database.
TOKEN_READER_CACHE_SECONDS = env.int("TOKEN_READER_CACHE_SECONDS", default=300)

# The briefing pack's PDF and .docx (commitments/briefing.py), which take seconds to render:
# requests per client and period (anonymous clients by address, signed-in users by user), far
# fewer than the API's; rendered documents kept in the shared cache under the data version and
# the pack's dates and format, up to this size (0 keeps none), for SUMMARY_CACHE_SECONDS; and
# how many renders may run at once on this machine, across gunicorn's workers and threads, a
# request waiting at most BRIEFING_RENDER_WAIT_SECONDS for its turn before a 503 (short: a
# waiting request holds a worker's thread), the slots being locks on files in BRIEFING_LOCK_DIR
# (the project's own folder, not the shared temporary one, where anyone may create the file).
BRIEFING_THROTTLE = env.str("BRIEFING_THROTTLE", default="10/minute")
BRIEFING_CACHE_MAX_BYTES = env.int("BRIEFING_CACHE_MAX_BYTES", default=4 * 1024 * 1024)
BRIEFING_RENDERS = env.int("BRIEFING_RENDERS", default=1)
BRIEFING_RENDER_WAIT_SECONDS = env.float("BRIEFING_RENDER_WAIT_SECONDS", default=1)
BRIEFING_LOCK_DIR = Path(env.str("BRIEFING_LOCK_DIR", default=str(DATA_DIR / "locks")))
if BRIEFING_RENDERS < 1:
    raise ImproperlyConfigured("BRIEFING_RENDERS is how many renders may run at once: 1 or more.")
# What the pack prints at the top and foot of every page: the marking of how it is handled
# (empty: none), the organisation that issues it, and its logo, a PNG or JPEG among the static
# files (the PDF and the .docx embed it; nothing is fetched; empty: none). The pack is public
# while reads are (ROADMAP_PUBLIC_READ): mark it accordingly. A missing logo fails `check`.
BRIEFING_MARKING = env.str("BRIEFING_MARKING", default="OFFICIAL")
BRIEFING_ORGANISATION = env.str("BRIEFING_ORGANISATION", default="Roadmap Tracker")
BRIEFING_LOGO = env.str("BRIEFING_LOGO", default="briefing/logo.png")

# /readyz fails when the disk of an SQLite database has less free space than this, in MiB
# (commitments/dependencies.py). PostgreSQL's disk is the server's: only its errors tell.
MIN_FREE_DISK_MB = env.int("MIN_FREE_DISK_MB", default=100)

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "en-gb"
# The coalition's languages (README: adding a language). Every string of ours is marked for
# translation; the catalogs are locale/<language>/LC_MESSAGES/django.po and djangojs.po.
LANGUAGES = [("en-gb", "English"), ("fr", "Français"), ("ar", "العربية")]
LOCALE_PATHS = [BASE_DIR / "locale"]
# One way of writing dates across the admin (coalition/formats/en_GB/formats.py).
FORMAT_MODULE_PATH = ["coalition.formats"]
TIME_ZONE = env.str("TIME_ZONE", default="UTC")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = DATA_DIR / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
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

# Security. Behind a TLS-terminating proxy, set SECURE_PROXY_SSL_HEADER=HTTP_X_FORWARDED_PROTO
# so that Django knows the original request was HTTPS.
if proxy_header := env.str("SECURE_PROXY_SSL_HEADER", default=""):
    SECURE_PROXY_SSL_HEADER = (proxy_header, "https")
USE_X_FORWARDED_HOST = env.bool("USE_X_FORWARDED_HOST", default=False)
# How many proxies of the operator's own stand in front of the app. The client's address, which
# the API's rate limits and the admin's login lockouts count by, is the one the outermost of
# them saw: the TRUSTED_PROXY_COUNT-th address from the end of X-Forwarded-For. 0 (the default)
# ignores the header, which anyone can forge, and uses the connection's own address.
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)
if TRUSTED_PROXY_COUNT < 0:
    raise ImproperlyConfigured("TRUSTED_PROXY_COUNT is a number of proxies: 0 or more.")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=not DEBUG)
SESSION_COOKIE_SECURE = env.bool("SESSION_COOKIE_SECURE", default=not DEBUG)
CSRF_COOKIE_SECURE = env.bool("CSRF_COOKIE_SECURE", default=not DEBUG)
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=0 if DEBUG else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env.bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", default=not DEBUG)
# The preload directive only allows submission to browsers' preload lists; it submits nothing.
SECURE_HSTS_PRELOAD = env.bool("SECURE_HSTS_PRELOAD", default=not DEBUG)
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SESSION_COOKIE_HTTPONLY = True
# Load balancers probe health, and Prometheus scrapes, over plain HTTP.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]

# /metrics (commitments/metrics): served only to the bearer of METRICS_TOKEN or to a client at
# one of METRICS_ALLOWED_ADDRESSES (addresses or networks, e.g. 10.0.0.0/8, judged as the rate
# limits judge them, with TRUSTED_PROXY_COUNT); with neither, it is a 404.
METRICS_TOKEN = env.str("METRICS_TOKEN", default="")
try:
    METRICS_ALLOWED_ADDRESSES = [
        ipaddress.ip_network(network, strict=False)
        for network in env.list("METRICS_ALLOWED_ADDRESSES", default=[])
    ]
except ValueError as error:
    raise ImproperlyConfigured(
        f"METRICS_ALLOWED_ADDRESSES lists addresses or networks, e.g. 10.0.0.0/8: {error}"
    ) from error
# Where each gunicorn worker writes its counts for /metrics to add up (prometheus-client's
# multiprocess mode; gunicorn.conf.py makes a folder of its own when this is unset). The
# client reads the variable itself, from the environment.
PROMETHEUS_MULTIPROC_DIR = env.str("PROMETHEUS_MULTIPROC_DIR", default="")

# Content-Security-Policy: every script, style, image and font comes from this site; no page
# may be framed. The dashboard and the API docs are built to need nothing more.
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        "style-src": [SELF],
        "img-src": [SELF, "data:"],
        "font-src": [SELF],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}

# Logs and request ids (docs/operations.md): RequestLogMiddleware, first in MIDDLEWARE.
# json: one JSON object a line (time, level, logger, message, request_id, and each access
# line's route, status, duration_ms, user_id), for a log shipper; text: lines for a person,
# the default with DEBUG (`make run`). gunicorn's lines follow it too (gunicorn.conf.py).
LOG_FORMAT = env.str("LOG_FORMAT", default="text" if DEBUG else "json")
if LOG_FORMAT not in logs.FORMATS:
    raise ImproperlyConfigured("LOG_FORMAT is how lines are written: json or text.")
LOGGING_CONFIG = "coalition.logs.configure"
LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"request_id": {"()": "coalition.logs.RequestIdFilter"}},
    "formatters": {
        "json": {"()": "coalition.logs.JsonFormatter"},
        "text": {"()": "coalition.logs.TextFormatter"},
    },
    "handlers": {
        "console": {
            "class": "logging.StreamHandler",
            "filters": ["request_id"],
            "formatter": LOG_FORMAT,
        }
    },
    "root": {"handlers": ["console"], "level": env.str("LOG_LEVEL", default="INFO")},
    # django-axes announces itself at INFO on every start; its lockouts are WARNINGs.
    "loggers": {
        "axes": {"level": "WARNING"},
        # WeasyPrint tells each step of every PDF it renders (the briefing pack) at INFO.
        "weasyprint.progress": {"level": "WARNING"},
    },
}

# Roadmap Tracker's own settings.
# A commitment without its own update cadence is stale when its latest assessment is older
# than this many days.
STALE_AFTER_DAYS = env.int("STALE_AFTER_DAYS", default=90)
# The same bounds as a commitment's own cadence (commitments.models.MAX_CADENCE_DAYS).
if not 1 <= STALE_AFTER_DAYS <= 3650:
    raise ImproperlyConfigured("STALE_AFTER_DAYS must be a whole number of days, from 1 to 3650.")

# Email (the reminders of `manage.py send_reminders`): EMAIL_URL names the backend and the server,
# e.g. smtp+tls://user:password@smtp.example.org:587 (the password URL-encoded). The default
# prints messages to the console, which is right for development and sends nothing.
for _name, _value in env.email_url("EMAIL_URL", default="consolemail://").items():
    # A console or file URL has no host or port: Django's defaults stay for those.
    if _value not in (None, ""):
        globals()[_name] = _value
# A daily job must not hang on an SMTP server that stops answering (Django waits for ever).
EMAIL_TIMEOUT = env.int("EMAIL_TIMEOUT", default=30)
DEFAULT_FROM_EMAIL = env.str("DEFAULT_FROM_EMAIL", default="Roadmap Tracker <roadmap@localhost>")
# Where the site is served, for the links in emails, which are written without a request to
# take the address from: scheme and host (and path prefix, if any), no trailing slash.
SITE_URL = env.str("SITE_URL", default="http://localhost:8000").rstrip("/")
if not SITE_URL.startswith(("https://", "http://")):
    raise ImproperlyConfigured("SITE_URL is the site's address, e.g. https://roadmap.example.org.")

# Background tasks (the webhooks' deliveries): Django's task framework (django-tasks, django.tasks
# in Django 6). TASK_QUEUE=database (the default) keeps the queue in the database, worked by
# `manage.py task_worker` beside the web server, no other server needed; TASK_QUEUE=rq puts it
# on Redis at TASK_REDIS_URL, worked by the same command, for more workers on more machines
# (docs/scaling.md). The same task functions run on either.
TASK_QUEUE = env.str("TASK_QUEUE", default="database")
if TASK_QUEUE == "database":
    TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
elif TASK_QUEUE == "rq":
    INSTALLED_APPS.append("django_rq")
    TASKS = {"default": {"BACKEND": "django_tasks_rq.RQBackend", "QUEUES": ["default"]}}
    RQ_QUEUES = {
        "default": {
            "URL": env.str("TASK_REDIS_URL", default="redis://127.0.0.1:6379/1"),
            "DEFAULT_TIMEOUT": 300,
        }
    }
else:
    raise ImproperlyConfigured("TASK_QUEUE is where background tasks wait: database or rq.")

# Webhooks (commitments/webhooks.py). Seconds between a failed attempt and the next (after the
# last, the delivery has failed): 30 s to 12 h, over 34 hours in all. An endpoint is disabled,
# and its owner emailed, after WEBHOOK_DISABLE_AFTER deliveries in a row have failed. A
# delivery claimed by a worker that died is attempted again after WEBHOOK_CLAIM_SECONDS
# (longer than any attempt: WEBHOOK_TIMEOUT to connect, and again to read the answer), found
# by the sweep that each task worker runs every WEBHOOK_SWEEP_SECONDS.
WEBHOOK_RETRY_DELAYS = [
    int(delay)
    for delay in env.list(
        "WEBHOOK_RETRY_DELAYS",
        default=[30, 120, 600, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 12 * 3600],
    )
]
WEBHOOK_DISABLE_AFTER = env.int("WEBHOOK_DISABLE_AFTER", default=5)
WEBHOOK_TIMEOUT = env.float("WEBHOOK_TIMEOUT", default=10)
WEBHOOK_CLAIM_SECONDS = env.float("WEBHOOK_CLAIM_SECONDS", default=120)
WEBHOOK_SWEEP_SECONDS = env.float("WEBHOOK_SWEEP_SECONDS", default=60)
if WEBHOOK_CLAIM_SECONDS <= 2 * WEBHOOK_TIMEOUT:
    raise ImproperlyConfigured("WEBHOOK_CLAIM_SECONDS must exceed twice WEBHOOK_TIMEOUT.")
# Endpoints on private, loopback, link-local or reserved addresses are refused (no server-side
# request forgery), and plain http is refused, except in development: DEBUG allows http on
# loopback and private addresses. Tests that deliver to a local receiver set it explicitly.
WEBHOOKS_ALLOW_PRIVATE = env.bool("WEBHOOKS_ALLOW_PRIVATE", default=DEBUG)

# Four eyes: a status update is pending until a Reviewer (or an Editor) other than its author
# approves it, and only approved updates count. Off: every update is approved on submission.
REVIEW_REQUIRED = env.bool("REVIEW_REQUIRED", default=True)
# Releasability (commitments.clearance): the marking a record gets when its author names none,
# per kind of record, "public", "coalition" or "secretariat". The README's table says who reads
# each.
RELEASABILITY_DEFAULTS = {
    record: env.str(f"RELEASABILITY_DEFAULT_{record.upper()}", default="public")
    for record in ("statusupdate", "indicatorvalue", "contribution", "evidence")
}
for _record, _level in RELEASABILITY_DEFAULTS.items():
    if _level not in ("public", "coalition", "secretariat"):
        raise ImproperlyConfigured(
            f"RELEASABILITY_DEFAULT_{_record.upper()} must be public, coalition or secretariat."
        )
# The grade below which a reviewer may return an update for its evidence alone (every piece it
# cites graded below it on one count or the other, or none cited): a source reliability A-F and
# an information credibility 1-6 (STANAG 2511), e.g. C3. The README's table says what each means.
EVIDENCE_GRADE_THRESHOLD = env.str("EVIDENCE_GRADE_THRESHOLD", default="C3").strip().upper()
if not re.fullmatch(r"[A-F][1-6]", EVIDENCE_GRADE_THRESHOLD):
    raise ImproperlyConfigured(
        "EVIDENCE_GRADE_THRESHOLD is a grade: a letter A-F and a digit 1-6, e.g. C3."
    )
# The largest CSV file of status updates the admin's import page takes, in bytes. Between its
# dry run and its confirmation the file waits in the user's session (in the database), so it is
# kept small; larger files go through `manage.py import_updates`.
ADMIN_IMPORT_MAX_BYTES = env.int("ADMIN_IMPORT_MAX_BYTES", default=2 * 1024 * 1024)

# The API: /api/v1/, see commitments/api/.
ROADMAP_PUBLIC_READ = env.bool("ROADMAP_PUBLIC_READ", default=True)
API_MAX_BODY_BYTES = env.int("API_MAX_BODY_BYTES", default=64 * 1024)

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "commitments.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["commitments.api.permissions.ReadOrModelPermission"],
    "DEFAULT_PARSER_CLASSES": ["commitments.api.parsers.BoundedJSONParser"],
    "DEFAULT_RENDERER_CLASSES": [
        "commitments.api.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_FILTER_BACKENDS": ["commitments.api.filters.FilterBackend"],
    "DEFAULT_PAGINATION_CLASS": "commitments.api.pagination.PageNumberPagination",
    "DEFAULT_SCHEMA_CLASS": "commitments.api.schema.AutoSchema",
    "DEFAULT_THROTTLE_CLASSES": [
        "commitments.api.throttling.AnonRateThrottle",
        "commitments.api.throttling.UserRateThrottle",
    ],
    "DEFAULT_THROTTLE_RATES": {
        "anon": env.str("THROTTLE_ANON", default="120/minute"),
        "user": env.str("THROTTLE_USER", default="1200/minute"),
    },
    "EXCEPTION_HANDLER": "commitments.api.exceptions.exception_handler",
    "TEST_REQUEST_DEFAULT_FORMAT": "json",
}

# API tokens: stored hashed, shown once when created in the admin, revoked by deleting them.
REST_KNOX = {
    "TOKEN_TTL": None,  # expiry is chosen per token in the admin
    "TOKEN_PREFIX": "rt_",  # lets secret scanners recognise a leaked token
    "AUTO_REFRESH": False,
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Roadmap Tracker API",
    "DESCRIPTION": (
        "Commitments of the Paris Roadmap (Global Coalition to Defeat Daesh/ISIS, 25 June 2019) "
        "and their status over time.\n\n"
        "**Access.** Reads are public unless the deployment keeps them private. Writes need an "
        "API token (`Authorization: Bearer <token>`; `Token <token>` works too) or a signed-in "
        "session of a user whose role allows them.\n\n"
        "**Conventions.** Absent optional values are `null`. Every GET carries an `ETag` and "
        "`Last-Modified` and answers 304 to `If-None-Match` or `If-Modified-Since`; its "
        "`Cache-Control: no-cache` asks a cache to revalidate before each use (`private, "
        "no-cache, no-store` for a signed-in reader: kept by no cache). A POST may carry an "
        "`Idempotency-Key`: retried with the same key, it answers what it answered the first "
        "time and writes nothing again. Errors are problems (RFC 9457, "
        "`application/problem+json`): `type`, `title`, `status`, a `detail` for a person, a "
        "stable `code` for a program, and for a 400 the messages per field or parameter under "
        "`errors`. Every response carries its request's id in `X-Request-ID`, which a problem "
        "repeats as `request_id`: quote it when asking about a response. A query parameter "
        "the operation does not take is a 400 "
        "(`unknown_parameter`) naming it; `format` and the paging parameters are taken "
        "everywhere. Every response says the client's rate limit in `RateLimit-Policy` and "
        "`RateLimit` (IETF draft); a 429 says `Retry-After`. Lists are paged (`page`, "
        "`page_size` up to 200; the feed of updates pages with a cursor), and the next and "
        'previous pages are in a `Link` header (`rel="next"`, `rel="prev"`) as in the body.\n\n'
        "**Languages.** Messages, labels and names come in English (`en-gb`, the default), "
        "French (`fr`) or Arabic (`ar`): `?lang=` chooses, else the language the user chose "
        "for themselves, else `Accept-Language`; `Content-Language` says which. Codes, field "
        "names, enum values and this documentation are the same in every language."
    ),
    "VERSION": "1",
    "SERVERS": [{"url": "/", "description": "This deployment"}],
    "LICENSE": {"name": "Data: the Coalition's public statements; see the README"},
    "CONTACT": {"name": "Roadmap Tracker maintainers"},
    "TAGS": [
        {"name": "commitments", "description": "The Roadmap's commitments and their status."},
        {"name": "updates", "description": "Status updates: assessments, newest first."},
        {"name": "summary", "description": "The Roadmap at a glance."},
        {"name": "reference", "description": "Pillars, themes, places, partners, documents."},
        {
            "name": "contributions",
            "description": "What partners contribute to commitments, and the matrix of totals.",
        },
        {
            "name": "indicators",
            "description": "What measures each commitment (and the Roadmap's context), its "
            "values, and the progress computed from them.",
        },
        {
            "name": "time",
            "description": "The Roadmap over time: what changed between two dates, and the "
            "counts month by month. (The list, detail and summary take ?as_of= and ?known_on=.)",
        },
        {
            "name": "events",
            "description": "Every change of what readers see, as one append-only stream to follow.",
        },
        {
            "name": "evidence",
            "description": "Graded evidence (STANAG 2511: source reliability A-F, information "
            "credibility 1-6) that status updates, indicator values and contributions cite.",
        },
        {
            "name": "releases",
            "description": "Records released to a wider audience than their marking: proposed "
            "with a reason, approved by a second person (staff).",
        },
    ],
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "commitments.api.schema.declare_http_contract",
    ],
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "ENUM_NAME_OVERRIDES": {
        "StatusEnum": "commitments.models.Status",
        "AssessmentStatusEnum": "commitments.models.Status.assessments",
        # Several fields are called kind: each vocabulary keeps one name, however many
        # components use it.
        "PlaceKindEnum": "commitments.models.Place.Kind",
        "PartnerKindEnum": "commitments.models.PartnerKind",
        "ContributionKindEnum": "commitments.models.ContributionKind",
        "CurrencyEnum": "commitments.models.CURRENCY_CHOICES",
        # The qualifier of a baseline, a target and a value is one vocabulary.
        "QualifierEnum": "commitments.models.Qualifier",
        # A decision as read (approve, return, or its author's withdraw), and as a reviewer
        # sends it (approve or return).
        "DecisionEnum": "commitments.models.ReviewDecision.Decision",
        "ReviewerDecisionEnum": "commitments.models.records.REVIEWER_DECISIONS",
        "IndicatorUnitEnum": "commitments.models.IndicatorUnit",
        "EventTypeEnum": "commitments.models.EventType",
        "DirectionEnum": "commitments.models.Direction",
        # A marking, wherever it is read or sent (a record's, a release's from and to).
        "ReleasabilityEnum": "commitments.models.Releasability",
        # The timeline's intervals keep their name beside the matrix's wider choice.
        "IntervalEnum": ["month", "quarter"],
        "MatrixIntervalEnum": "commitments.selectors.INTERVALS",
    },
}

# Dashboards on other origins may read the API; nothing else is shared across origins.
CORS_ALLOWED_ORIGINS = env.list("CORS_ALLOWED_ORIGINS", default=[])
CORS_URLS_REGEX = r"^/api/.*$"
CORS_EXPOSE_HEADERS = [
    "ETag",
    "Last-Modified",
    "Location",
    "Retry-After",
    "Idempotent-Replayed",
    "X-Request-ID",
]
# What a dashboard on another origin may send besides the usual: a key that makes a retried
# POST safe (commitments/api/idempotency.py).
CORS_ALLOW_HEADERS = (*cors_default_headers, "idempotency-key")

# Messages live in the session, not in a cookie: a new API token is shown once as a message, and
# must not travel back and forth in a cookie the browser keeps.
MESSAGE_STORAGE = "django.contrib.messages.storage.session.SessionStorage"

# History is for reading: a correction is a new edit, made and recorded like any other.
SIMPLE_HISTORY_REVERT_DISABLED = True

# The only sign-in page is the admin's (the API has none of its own; DRF's browsable API uses
# the session): there, and after it when its `next` is missing or points off the site, rather
# than Django's /accounts/ pages, which this site does not have.
LOGIN_URL = "admin:login"
LOGIN_REDIRECT_URL = "admin:index"

# Admin logins: after AXES_FAILURE_LIMIT failures for one username from one address, further
# attempts are refused for AXES_COOLOFF_HOURS (`manage.py axes_reset` lifts a lockout early).
AXES_FAILURE_LIMIT = env.int("AXES_FAILURE_LIMIT", default=5)
AXES_COOLOFF_TIME = env.float("AXES_COOLOFF_HOURS", default=0.25)
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_RESET_ON_SUCCESS = True
# The client's address as the API's throttles see it (TRUSTED_PROXY_COUNT).
AXES_CLIENT_IP_CALLABLE = "commitments.client_address.client_address"
