"""Settings for the assistance platform: every difference between environments is an
environment variable (see .env.example); each is parsed strictly."""

from datetime import timedelta
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

from .env import (
    database_config,
    env_bool,
    env_duration,
    env_int,
    env_list,
    env_str,
    env_timezone,
    env_url,
)

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = BASE_DIR / "var"

DEBUG = env_bool("DEBUG", False)

SECRET_KEY = env_str("SECRET_KEY") or ""
if not SECRET_KEY:
    if not DEBUG:
        raise ImproperlyConfigured(
            "SECRET_KEY must be set when DEBUG is off (set DEBUG=1 for local work)"
        )
    SECRET_KEY = "insecure-development-key-only-for-debug-mode"  # noqa: S105

ALLOWED_HOSTS = env_list(
    "ALLOWED_HOSTS", ["127.0.0.1", "localhost", "[::1]"] if DEBUG else []
)
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "knox",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_celery_beat",
    "django_htmx",
    "simple_history",
    "common",
    "spreadsheets",
    "places",
    "accounts",
    "needs",
    "teams",
    "matching",
    "activities",
    "planning",
    "evaluations",
    "dashboard",
    "demo",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Content-Security-Policy, Permissions-Policy, Cross-Origin-Opener-Policy
    "assist_platform.security.SecurityHeadersMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    # The request's language (a cookie or Accept-Language, no session), before
    # anything below answers in words
    "assist_platform.middleware.ChosenLanguageMiddleware",
    # 413 for oversized bodies, 400 for NUL bytes (assist_platform/middleware.py)
    "assist_platform.middleware.RequestLimitsMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    # An account with a temporary password sees only the password page
    "accounts.middleware.PasswordChangeRequiredMiddleware",
    # TooManyRequests raised by a page view -> the 429 page
    "assist_platform.middleware.TooManyRequestsMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
    "simple_history.middleware.HistoryRequestMiddleware",
]

ROOT_URLCONF = "assist_platform.urls"

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
            ],
            # Every page translates and links static files: loaded once here
            # instead of a `{% load i18n static %}` at the top of each template.
            "builtins": [
                "django.templatetags.i18n",
                "django.templatetags.static",
            ],
        },
    },
]

WSGI_APPLICATION = "assist_platform.wsgi.application"
ASGI_APPLICATION = "assist_platform.asgi.application"

DATABASES = {"default": database_config("DATABASE_URL", str(VAR_DIR / "db.sqlite3"))}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
# Covering indexes (INCLUDE) are a PostgreSQL feature; the embedded SQLite default of
# the demo simply ignores the extra columns.
SILENCED_SYSTEM_CHECKS = ["models.W040"]

AUTH_USER_MODEL = "accounts.User"
# Sessions in the database, each knowing its account (accounts/sessions.py).
SESSION_ENGINE = "accounts.sessions"
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"
# Sign-in throttling (accounts/throttling.py): FAILED attempts per fixed window of
# LOGIN_THROTTLE_WINDOW seconds, for one account from one address (the lock a
# mistyped password meets), for one account from anywhere, and from one address
# for any accounts. A successful sign-in never counts.
LOGIN_THROTTLE_WINDOW = env_int("LOGIN_THROTTLE_WINDOW", 900, minimum=1)
LOGIN_THROTTLE_PAIR_FAILURES = env_int("LOGIN_THROTTLE_PAIR_FAILURES", 5, minimum=1)
LOGIN_THROTTLE_ACCOUNT_FAILURES = env_int(
    "LOGIN_THROTTLE_ACCOUNT_FAILURES", 50, minimum=1
)
LOGIN_THROTTLE_ADDRESS_FAILURES = env_int(
    "LOGIN_THROTTLE_ADDRESS_FAILURES", 100, minimum=1
)
# How many reverse proxies stand in front of the application, each appending the
# address it was reached from to X-Forwarded-For. 0 (the default): the header is
# ignored and the client is REMOTE_ADDR.
TRUSTED_PROXY_COUNT = env_int("TRUSTED_PROXY_COUNT", 0, minimum=0)
# Accounts a coordinator creates get a one-time link to choose their password
# (accounts/invitations.py); it works for this long, once.
ACCOUNT_INVITATION_TTL = env_duration(
    "ACCOUNT_INVITATION_TTL", 7 * 24 * 3600, minimum=3600
)
# At most this many such links are sent to one account in an hour.
ACCOUNT_INVITATIONS_PER_HOUR = env_int("ACCOUNT_INVITATIONS_PER_HOUR", 3, minimum=1)
AUTH_PASSWORD_VALIDATORS = [
    {
        "NAME": "django.contrib.auth.password_validation."
        "UserAttributeSimilarityValidator"
    },
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

# Internationalisation: Chinese first, English available.
LANGUAGE_CODE = env_str("LANGUAGE_CODE", "zh-hans")
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
if LANGUAGE_CODE not in dict(LANGUAGES):
    raise ImproperlyConfigured(
        f"LANGUAGE_CODE must be one of {', '.join(dict(LANGUAGES))}, "
        f"got {LANGUAGE_CODE!r}"
    )
LOCALE_PATHS = [BASE_DIR / "locale"]
# The language switch sticks for a year, across sign-out and sign-in; without a
# choice every page is in LANGUAGE_CODE (see assist_platform/middleware.py).
LANGUAGE_COOKIE_AGE = 365 * 24 * 60 * 60
LANGUAGE_COOKIE_SAMESITE = "Lax"
TIME_ZONE = env_timezone("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
STATIC_ROOT = BASE_DIR / "var" / "static"
STATICFILES_DIRS = [BASE_DIR / "static"]
_NODE_ASSETS = BASE_DIR / "node_modules"
# Chart.js is installed from npm at set-up time (`make install`), never from a CDN;
# dashboard/finders.py serves just the files the pages use from node_modules.
STATICFILES_FINDERS = [
    "django.contrib.staticfiles.finders.FileSystemFinder",
    "django.contrib.staticfiles.finders.AppDirectoriesFinder",
    "dashboard.finders.NodeAssetsFinder",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": env_str(
            "STATICFILES_STORAGE",
            "django.contrib.staticfiles.storage.StaticFilesStorage"
            if DEBUG
            else "whitenoise.storage.CompressedManifestStaticFilesStorage",
        )
    },
}
# Uploaded evidence (thread and activity attachments) goes through the default storage;
# production may swap the backend (object storage). There is deliberately no MEDIA_URL:
# files are served only by views that check access (needs/attachments.py).
MEDIA_ROOT = Path(env_str("MEDIA_ROOT", str(VAR_DIR / "media")))
ATTACHMENT_MAX_BYTES = env_int("ATTACHMENT_MAX_BYTES", 10 * 1024 * 1024, minimum=1024)
ATTACHMENT_MAX_FILES = env_int("ATTACHMENT_MAX_FILES", 4, minimum=1)
# Local teachers one activity may plausibly reach; above it a note is required and the
# activity is flagged to the county's coordinators.
ACTIVITY_PLAUSIBLE_REACH = env_int("ACTIVITY_PLAUSIBLE_REACH", 60, minimum=1)
# The dashboard serves figures computed earlier while no write has committed since
# (dashboard/figure_cache.py; PostgreSQL only). Off: every request computes them.
DASHBOARD_CACHE = env_bool("DASHBOARD_CACHE", True)

# Redis: broker and cache when set; without it Celery runs tasks in process (the
# embedded default used by `make demo`).
REDIS_URL = env_url("REDIS_URL", ("redis", "rediss", "unix"))
if REDIS_URL:
    # Fails soft: while Redis is unreachable each cache operation is answered from
    # the process's memory instead of failing the request (assist_platform/cache.py).
    CACHES = {
        "default": {
            "BACKEND": "assist_platform.cache.FailSoftRedisCache",
            "LOCATION": REDIS_URL,
            "KEY_PREFIX": env_str("CACHE_KEY_PREFIX", "assist"),
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    CELERY_BROKER_URL = REDIS_URL
    CELERY_TASK_ALWAYS_EAGER = False
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
    CELERY_BROKER_URL = "memory://"
    CELERY_TASK_ALWAYS_EAGER = True
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BEAT_SCHEDULER = "django_celery_beat.schedulers:DatabaseScheduler"
CELERY_TIMEZONE = TIME_ZONE

# E-mail: console by default; SMTP when EMAIL_HOST is set.
EMAIL_HOST = env_str("EMAIL_HOST", "")
if EMAIL_HOST:
    EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    EMAIL_PORT = env_int("EMAIL_PORT", 25, minimum=1)
    EMAIL_HOST_USER = env_str("EMAIL_HOST_USER", "")
    EMAIL_HOST_PASSWORD = env_str("EMAIL_HOST_PASSWORD", "")
    EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
else:
    EMAIL_BACKEND = "django.core.mail.backends.console.EmailBackend"
DEFAULT_FROM_EMAIL = env_str("DEFAULT_FROM_EMAIL", "noreply@assist.local")

# Security. Behind a TLS-terminating proxy the defaults are strict; the demo and tests
# run with DEBUG or set SECURE_SSL_REDIRECT=0 explicitly.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not DEBUG)
SECURE_HSTS_SECONDS = env_int(
    "SECURE_HSTS_SECONDS", 0 if DEBUG else 31536000, minimum=0
)
SECURE_HSTS_INCLUDE_SUBDOMAINS = env_bool("SECURE_HSTS_INCLUDE_SUBDOMAINS", not DEBUG)
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not DEBUG)
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not DEBUG)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not DEBUG)
SESSION_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"

# Spreadsheet imports (spreadsheets/reader.py): what an upload may hold. The
# reading costs what the file really holds, never what it declares.
SPREADSHEET_MAX_UPLOAD_BYTES = env_int(
    "SPREADSHEET_MAX_UPLOAD_BYTES", 10 * 1024 * 1024, minimum=1024
)
SPREADSHEET_MAX_ROWS = env_int("SPREADSHEET_MAX_ROWS", 20_000, minimum=1)
# Each row costs its cells, empty ones included, up to this many (templates have 14).
SPREADSHEET_MAX_COLUMNS = env_int("SPREADSHEET_MAX_COLUMNS", 50, minimum=1)
# Excel's own limit for one cell.
SPREADSHEET_MAX_CELL_CHARS = env_int("SPREADSHEET_MAX_CELL_CHARS", 32_767, minimum=1)
# An .xlsx file's parts that are read, inflated, together; and how many times more
# than its compressed size a part over 1 MiB may inflate to.
SPREADSHEET_MAX_UNPACKED_BYTES = env_int(
    "SPREADSHEET_MAX_UNPACKED_BYTES", 64 * 1024 * 1024, minimum=1024
)
SPREADSHEET_MAX_COMPRESSION_RATIO = env_int(
    "SPREADSHEET_MAX_COMPRESSION_RATIO", 100, minimum=1
)

# Request bodies: forms and JSON are small here (1 MiB); spreadsheet uploads may be
# up to SPREADSHEET_MAX_UPLOAD_BYTES, attachments their count times their size, plus
# the multipart envelope. Larger requests are refused with 413
# (assist_platform/middleware.py).
DATA_UPLOAD_MAX_MEMORY_SIZE = env_int(
    "DATA_UPLOAD_MAX_MEMORY_SIZE", 1024 * 1024, minimum=1024
)
FILE_UPLOAD_LIMIT = (
    max(SPREADSHEET_MAX_UPLOAD_BYTES, ATTACHMENT_MAX_BYTES * ATTACHMENT_MAX_FILES)
    + 1024 * 1024
)

# Rows on a page of every list, in the pages and the API alike (the API takes
# ?page_size= up to PAGE_SIZE_MAX).
PAGE_SIZE = 20
PAGE_SIZE_MAX = 100

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.tokens.ApiTokenAuthentication",
        "accounts.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_PAGINATION_CLASS": "common.pagination.StandardPagination",
    "DEFAULT_PARSER_CLASSES": [
        "assist_platform.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_FILTER_BACKENDS": [
        "django_filters.rest_framework.DjangoFilterBackend",
        "rest_framework.filters.SearchFilter",
        "rest_framework.filters.OrderingFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "assist_platform.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "common.errors.api_exception_handler",
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": (
        "assist_platform.negotiation.DownloadNegotiation"
    ),
    "DATETIME_FORMAT": "iso-8601",
    "DATE_FORMAT": "iso-8601",
}
# API tokens (accounts/tokens.py): django-rest-knox stores only a SHA-512 digest of
# each token; a token ends API_TOKEN_TTL after it was issued (never extended by use),
# when its owner revokes it, and when the owner's password changes or the account is
# deactivated.
API_TOKEN_TTL = env_duration("API_TOKEN_TTL", 30 * 24 * 3600, minimum=60)
REST_KNOX = {
    "TOKEN_TTL": timedelta(seconds=API_TOKEN_TTL),
    "AUTO_REFRESH": False,
    "AUTH_HEADER_PREFIX": "Token",
}
SPECTACULAR_SETTINGS = {
    # Generators name the client package after the title: plain ASCII words.
    "TITLE": "Assist Platform API",
    "DESCRIPTION": (
        "组团式帮扶需求匹配平台 (group-based assistance): needs of assisted "
        "vocational schools, dispatched teachers, matching and evaluation."
    ),
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "assist_platform.openapi.document_error_responses",
        # Last: names from code identifiers, unique for SDK generators.
        "assist_platform.openapi.name_schema_from_code",
    ],
    "ENUM_NAME_OVERRIDES": {
        "NeedStatusEnum": "needs.models.NeedStatus",
        "NeedKindEnum": "needs.models.NeedKind",
        "SchoolKindEnum": "places.models.SchoolKind",
        "GoalOutcomeEnum": "needs.models.GoalOutcome",
        "GoalStateEnum": "needs.models.GoalState",
        "GoalMarkActionEnum": "needs.models.GoalMarkAction",
        "RoleEnum": "accounts.models.Role",
        "EvaluationStatusEnum": "evaluations.models.EvaluationStatus",
        "CycleStatusEnum": "evaluations.models.CycleStatus",
        "IndicatorKindEnum": "evaluations.models.IndicatorKind",
        "RunStatusEnum": "matching.models.RunStatus",
        "AssignmentStatusEnum": "matching.models.AssignmentStatus",
        "ActivityKindEnum": "activities.models.ActivityKind",
        "ScenarioStatusEnum": "planning.models.ScenarioStatus",
        "TeamProposalStatusEnum": "planning.models.ProposalStatus",
    },
}

# Need priority (needs/services.py): weights of the four diagnosis scores (1-5 each)
# in the weighted mean that is mapped linearly onto 0-100.
NEED_PRIORITY_WEIGHTS = {
    "urgency": 35,
    "students_affected": 25,
    "industry_fit": 25,
    "readiness": 15,
}
# How long after a school confirmed a need fulfilled a coordinator may reopen it.
NEED_REOPEN_DAYS = 30
# Coordinators are reminded (in the daily digest) of needs waiting for review and
# proposals waiting for a decision longer than this.
NOTIFY_WAITING_AFTER_DAYS = env_int("NOTIFY_WAITING_AFTER_DAYS", 3, minimum=1)

# Matching weights (DESIGN section 5); see matching/solver.py for how each is used.
MATCHING_WEIGHTS = {
    "specialty_exact": 40.0,  # exact specialty, scaled by the teacher's level / 5
    "specialty_class": 30.0,  # same class (专业类, e.g. 7102), scaled by level / 5
    "specialty_family": 20.0,  # same family only, scaled by level / 5
    "overlap": 20.0,  # share of the need's window the teacher covers
    "place_same": 10.0,  # stationed in the need's county
    "place_neighbour": 4.0,  # stationed in a neighbouring county (when allowed)
    "priority": 20.0,  # the coordinator's diagnosed priority / 100
    "coverage": 15.0,  # first teacher a school receives
}
MATCHING_ALLOW_NEIGHBOURS = env_bool("MATCHING_ALLOW_NEIGHBOURS", False)

# Recruitment plans (planning/recruitment.py): a recruit serves this many needs at
# once, at this level (1-5) in their specialty; a plan proposes at most
# PLANNING_BUDGET recruits unless asked for more (up to PLANNING_MAX_BUDGET) and
# stops when one more would add fewer score points than PLANNING_MIN_GAIN; needs of
# schools diagnosed less ready than PLANNING_MIN_READINESS (1-5) are not planned for.
PLANNING_RECRUIT_CAPACITY = 2
PLANNING_RECRUIT_LEVEL = 4
PLANNING_BUDGET = 20
PLANNING_MAX_BUDGET = 200
PLANNING_MIN_GAIN = 1.0
PLANNING_MIN_READINESS = 2

# Team formation (planning/formation.py): points (on the matching score's scale) a
# team loses for each home school its members come from, so that a team drawn from
# few schools wins a near tie; the solver's time limit (seconds) and its threads.
TEAM_FORMATION_COHESION = 5.0
TEAM_FORMATION_TIME_LIMIT = 5.0
TEAM_FORMATION_WORKERS = 2

# The Content-Security-Policy of every page (assist_platform/security.py): no inline
# script or style, nothing from another origin.
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)

# Evaluation grades (lower bounds, inclusive).
EVALUATION_GRADES = [("优秀", 90), ("良好", 80), ("合格", 60), ("不合格", 0)]
# A team's result blends its own framework score with its members' mean score; this
# is the members' share in percent (see evaluations/scoring.py).
EVALUATION_TEAM_MEMBER_SHARE = 50
# A rater role's own figures are shown to the person evaluated only when at least
# this many of its raters submitted (coordinators and admins see all).
EVALUATION_MIN_RATERS_SHOWN = 3
# Closing a cycle needs this share of each subject's rater weight submitted, unless
# forced with a reason (the results are then provisional).
EVALUATION_MIN_COMPLETION = 0.6
# At most this many team peers rate a teacher (chosen fairly, recorded).
EVALUATION_MAX_PEER_TASKS = 5
# Days after a cycle closes in which a subject may appeal their result.
EVALUATION_APPEAL_DAYS = 14
# The CJK font of certificates and PDF reports (Debian: fonts-wqy-microhei).
CERTIFICATE_FONT_FILE = env_str(
    "CERTIFICATE_FONT_FILE", "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc"
)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": env_str("LOG_LEVEL", "INFO")},
}
