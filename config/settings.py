"""egov settings: one file, driven by the environment.

Every value has a development default so that any `egov` command works from a fresh
checkout after `make install` with no environment set. Production is selected with
``EGOV_ENV=production``, which turns the defaults strict (no debug, secure cookies,
HSTS, secrets required).
"""

from __future__ import annotations

import os
from pathlib import Path

import dj_database_url
from django.utils.translation import gettext_lazy as _

BASE_DIR = Path(__file__).resolve().parent.parent
VAR_DIR = Path(os.environ.get("EGOV_VAR_DIR", BASE_DIR / "var"))


def envbool(name: str, default: bool) -> bool:
    """Read a boolean; anything but the usual spellings is an error, not a silent False."""
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    if raw.lower() in {"1", "true", "yes", "on"}:
        return True
    if raw.lower() in {"0", "false", "no", "off"}:
        return False
    raise ValueError(f"{name} must be a boolean (true/false), got {raw!r}")


def envint(name: str, default: int) -> int:
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{name} must be an integer, got {raw!r}") from None


def envsecret(name: str, default: str | None) -> str:
    """Read a secret from NAME or from the file NAME_FILE names (for Docker/K8s secrets)."""
    path = os.environ.get(f"{name}_FILE")
    if path:
        return Path(path).read_text().strip()
    value = os.environ.get(name)
    if value:
        return value
    if default is None:
        raise RuntimeError(f"{name} (or {name}_FILE) must be set in production")
    return default


EGOV_ENV = os.environ.get("EGOV_ENV", "development")
PRODUCTION = EGOV_ENV == "production"
DEBUG = envbool("EGOV_DEBUG", False)

# Development secrets are derived from a fixed label so that a checkout works at once;
# production refuses to start without real ones (envsecret with default None).
SECRET_KEY = envsecret("EGOV_SECRET_KEY", None if PRODUCTION else "dev-insecure-secret-key-change-me-0123456789abcdef")
FIELD_ENCRYPTION_KEY = envsecret("EGOV_FIELD_KEY", None if PRODUCTION else "ZGV2LW9ubHktZmllbGQta2V5LTMyLWJ5dGVzLWxvbmc=")
BLIND_INDEX_KEY = envsecret("EGOV_BLIND_INDEX_KEY", None if PRODUCTION else "ZGV2LW9ubHktYmxpbmQtaW5kZXgta2V5LTMyYnl0ZXM=")

ALLOWED_HOSTS = [h for h in os.environ.get("EGOV_ALLOWED_HOSTS", "" if PRODUCTION else "*").split(",") if h]
CSRF_TRUSTED_ORIGINS = [o for o in os.environ.get("EGOV_CSRF_TRUSTED_ORIGINS", "").split(",") if o]
EGOV_BASE_URL = os.environ.get("EGOV_BASE_URL", "http://127.0.0.1:8000")

EGOV_APPS = [
    "egov.core",
    "egov.accounts",
    "egov.registries",
    "egov.exchange",
    "egov.workflow",
    "egov.catalogue",
    "egov.applications",
    "egov.certificates",
    "egov.notifications",
    "egov.procurement",
    "egov.participation",
    "egov.disclosure",
    "egov.records",
    "egov.finance",
    "egov.personnel",
    "egov.education",
    "egov.metrics",
    "egov.portal",
]

INSTALLED_APPS = [
    "whitenoise.runserver_nostatic",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "egov.portal.staticfiles.StaticFilesConfig",  # django.contrib.staticfiles minus unusable KRDS files
    "django_otp",
    "django_otp.plugins.otp_totp",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    *EGOV_APPS,
]

MIDDLEWARE = [
    "egov.core.middleware.RequestMetricsMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "egov.core.middleware.SecurityHeadersMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "egov.accounts.middleware.SessionTimeoutMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "egov.core.middleware.ErrorPageMiddleware",
    "egov.core.access.DenyByDefaultMiddleware",
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"
ASGI_APPLICATION = "config.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "egov.portal.context_processors.portal",
            ],
        },
    },
]

# --- Database -------------------------------------------------------------------------
# DATABASE_URL accepts sqlite:///path or postgresql://... . SQLite is the embedded
# default: WAL journal, IMMEDIATE transactions and a busy timeout let the web workers
# and the background worker share one file without "database is locked" errors.
DEFAULT_SQLITE = VAR_DIR / "egov.sqlite3"
DATABASE_URL = os.environ.get("DATABASE_URL") or f"sqlite:///{DEFAULT_SQLITE}"
_db = dj_database_url.parse(DATABASE_URL, conn_max_age=envint("EGOV_DB_CONN_MAX_AGE", 0))
if _db["ENGINE"] == "django.db.backends.sqlite3":
    _db["OPTIONS"] = {
        "transaction_mode": "IMMEDIATE",
        "timeout": envint("EGOV_SQLITE_TIMEOUT", 30),
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
    }
    # Tests need a file (not :memory:) so that committing tests can copy the migrated template.
    _db["TEST"] = {"NAME": str(VAR_DIR / "test" / f"egov_test_{os.getpid()}.sqlite3")}
else:
    # One test database per test process, so that two runs on one server never collide.
    _db["TEST"] = {"NAME": f"test_{_db['NAME']}_{os.getpid()}"}
DATABASES = {"default": _db}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

# --- Auth -----------------------------------------------------------------------------
AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "django.contrib.auth.backends.ModelBackend",
]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
# ASVS 5.0 V6.2: at least 8 characters, 64 and more allowed, checked against a list of
# common and breached passwords; no composition rules.
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "egov.accounts.passwords.MaximumLengthValidator"},
]
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "portal:home"
LOGOUT_REDIRECT_URL = "portal:home"

AXES_FAILURE_LIMIT = envint("EGOV_LOGIN_FAILURE_LIMIT", 5)
AXES_COOLOFF_TIME = 0.25  # hours: a quarter of an hour of throttling after the limit
# Lock a user ID after repeated failures from anywhere (guessing one account's password)
# and a client address after repeated failures on any accounts (password spraying).
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_CALLABLE = "egov.accounts.views.lockout_response"
AXES_ENABLE_ADMIN = False
AXES_VERBOSE = False  # lockouts are audited by egov itself; no start-up banner on every command

# Officials' second factor; a demo-only bypass code exists only when this is set and
# never in production (checked at start-up by egov.accounts.checks).
EGOV_DEMO_OTP_BYPASS = os.environ.get("EGOV_DEMO_OTP_BYPASS", "")

SESSION_ENGINE = "django.contrib.sessions.backends.db"
SESSION_COOKIE_AGE = envint("EGOV_SESSION_ABSOLUTE_SECONDS", 8 * 3600)  # absolute timeout
EGOV_SESSION_IDLE_SECONDS = envint("EGOV_SESSION_IDLE_SECONDS", 30 * 60)
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
SESSION_COOKIE_SECURE = PRODUCTION
CSRF_COOKIE_SECURE = PRODUCTION
SESSION_COOKIE_NAME = "__Host-egov_session" if PRODUCTION else "egov_session"

# --- Security headers ------------------------------------------------------------------
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"
X_FRAME_OPTIONS = "DENY"
SECURE_HSTS_SECONDS = 31536000 if PRODUCTION else 0
SECURE_HSTS_INCLUDE_SUBDOMAINS = PRODUCTION
SECURE_HSTS_PRELOAD = PRODUCTION
SECURE_SSL_REDIRECT = envbool("EGOV_SSL_REDIRECT", PRODUCTION)
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if PRODUCTION else None
EGOV_CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "font-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'self'; object-src 'none'"
)

# --- I18n -----------------------------------------------------------------------------
LANGUAGE_CODE = "ko"
LANGUAGES = [("ko", _("Korean")), ("en", _("English"))]
LANGUAGE_COOKIE_NAME = "egov_language"
LOCALE_PATHS: list[Path] = []
TIME_ZONE = os.environ.get("EGOV_TIME_ZONE", "Asia/Seoul")
USE_I18N = True
USE_TZ = True

# --- Static files ---------------------------------------------------------------------
STATIC_URL = "/static/"
STATIC_ROOT = VAR_DIR / "static"
# KRDS and the font come from npm (node_modules), never committed.
STATICFILES_DIRS = [("krds", BASE_DIR / "node_modules" / "krds-uiux" / "resources")]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": VAR_DIR / "media"}},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
# A template naming a static file that was added after the last collectstatic gets the
# unhashed URL instead of a server error; `make install` re-collects when files change.
WHITENOISE_MANIFEST_STRICT = False

# --- Background work ------------------------------------------------------------------
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}
EGOV_TASK_LEASE_SECONDS = envint("EGOV_TASK_LEASE_SECONDS", 300)
# Daily jobs an operator adds to those apps register (egov.core.scheduler): dotted paths, optionally "@HH:MM".
EGOV_DAILY_JOBS = [job.strip() for job in os.environ.get("EGOV_DAILY_JOBS", "").split(",") if job.strip()]

# --- Keys, audit, country pack ----------------------------------------------------------
EGOV_KEYS_DIR = Path(os.environ.get("EGOV_KEYS_DIR", VAR_DIR / "keys"))
EGOV_AUDIT_CHECKPOINT_FILE = Path(os.environ.get("EGOV_AUDIT_CHECKPOINT_FILE", VAR_DIR / "audit-checkpoints.jsonl"))
EGOV_AUDIT_CHECKPOINT_EVERY = envint("EGOV_AUDIT_CHECKPOINT_EVERY", 1000)
# "thread": a sealer thread per process chains committed entries in batches (ADR 0010);
# "commit": each committing thread seals at once (the test suite, for determinism).
EGOV_AUDIT_SEALER = os.environ.get("EGOV_AUDIT_SEALER", "thread")
EGOV_COUNTRY = os.environ.get("EGOV_COUNTRY", "kr")
EGOV_COUNTRY_DIR = BASE_DIR / "country" / EGOV_COUNTRY
EGOV_OUTBOX_DIR = Path(os.environ.get("EGOV_OUTBOX_DIR", VAR_DIR / "outbox"))
EGOV_METRICS_TOKEN = os.environ.get("EGOV_METRICS_TOKEN", "")

# --- Signed documents (egov.certificates, docs/certificates.md) ---------------------------
# Days after issue during which anyone can verify a document (Government24: 90).
EGOV_CERTIFICATE_VERIFY_DAYS = envint("EGOV_CERTIFICATE_VERIFY_DAYS", 90)
# Verifications a minute per client address (number or upload), against enumeration.
EGOV_CERTIFICATE_VERIFY_RATE = envint("EGOV_CERTIFICATE_VERIFY_RATE", 30)
EGOV_CERTIFICATE_UPLOAD_MAX_BYTES = envint("EGOV_CERTIFICATE_UPLOAD_MAX_BYTES", 5 * 1024 * 1024)
# How long a share link of a wallet document stays open by default, in hours (the citizen may choose 1-720).
EGOV_CERTIFICATE_SHARE_HOURS = envint("EGOV_CERTIFICATE_SHARE_HOURS", 24)
# Pretendard GOV's TrueType files, installed by `make install` (npm pretendard-gov).
EGOV_CERTIFICATE_FONT_DIR = Path(os.environ.get(
    "EGOV_CERTIFICATE_FONT_DIR", BASE_DIR / "node_modules" / "pretendard-gov" / "dist" / "public" / "static" / "alternative"
))

# Who runs this installation, shown on the portal's footer, contact and privacy pages.
# Left empty (development, demo) the portal says it is a demonstration installation.
EGOV_OPERATOR_NAME = os.environ.get("EGOV_OPERATOR_NAME", "")
EGOV_CONTACT_EMAIL = os.environ.get("EGOV_CONTACT_EMAIL", "")
EGOV_CONTACT_PHONE = os.environ.get("EGOV_CONTACT_PHONE", "")
EGOV_CONTACT_ADDRESS = os.environ.get("EGOV_CONTACT_ADDRESS", "")
EGOV_PRIVACY_OFFICER = os.environ.get("EGOV_PRIVACY_OFFICER", "")

EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
EMAIL_HOST = os.environ.get("EGOV_SMTP_HOST", "127.0.0.1")
EMAIL_PORT = envint("EGOV_SMTP_PORT", 25)
DEFAULT_FROM_EMAIL = os.environ.get("EGOV_FROM_EMAIL", "no-reply@egov.example")
EMAIL_HOST_USER = os.environ.get("EGOV_SMTP_USER", "")
EMAIL_HOST_PASSWORD = envsecret("EGOV_SMTP_PASSWORD", "")
EMAIL_USE_TLS = envbool("EGOV_SMTP_STARTTLS", False)
EMAIL_USE_SSL = envbool("EGOV_SMTP_SSL", False)
# A stuck SMTP server must not hold a worker for ever: the attempt fails and is retried.
EMAIL_TIMEOUT = envint("EGOV_SMTP_TIMEOUT", 30)

# --- Notifications (egov.notifications, docs/notifications.md) ----------------------------
# Channel adapters by dotted path. E-mail goes over SMTP when EGOV_SMTP_HOST names a server
# (or EGOV_EMAIL_CHANNEL=smtp), else to the operators' outbox like SMS and the messenger.
EGOV_EMAIL_CHANNEL = os.environ.get("EGOV_EMAIL_CHANNEL", "smtp" if os.environ.get("EGOV_SMTP_HOST") else "outbox")
EGOV_NOTIFY_ADAPTERS: dict[str, str] = {
    "email": "egov.notifications.channels.SmtpEmailAdapter" if EGOV_EMAIL_CHANNEL == "smtp"
    else "egov.notifications.channels.OutboxEmailAdapter",
}
# Deliveries a minute per channel (0: no limit); beyond it a delivery waits for the next minute.
EGOV_NOTIFY_RATE_LIMITS: dict[str, int] = {
    "email": envint("EGOV_NOTIFY_EMAIL_PER_MINUTE", 600),
    "sms": envint("EGOV_NOTIFY_SMS_PER_MINUTE", 300),
    "messenger": envint("EGOV_NOTIFY_MESSENGER_PER_MINUTE", 300),
}
# Proactive notices: the rules file of the country pack, and the local time the daily job runs.
EGOV_NOTICES_FILE = Path(os.environ.get("EGOV_NOTICES_FILE", BASE_DIR / "country" / EGOV_COUNTRY / "notices.yaml"))
EGOV_NOTICES_AT = os.environ.get("EGOV_NOTICES_AT", "08:00")

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("EGOV_LOG_LEVEL", "INFO")},
    "loggers": {"django.request": {"level": "ERROR"}},
}

# Plug-ins looked up by dotted path, so that core never imports an app.
EGOV_TOKEN_AUTHENTICATOR = "egov.accounts.public.user_for_personal_token"  # noqa: S105 - a dotted path
EGOV_AGENCY_AUTHENTICATOR = "egov.accounts.public.agency_system_for_token"
# Who proves that a citizen account belongs to a resident record (ADR 0050): a national
# identity provider in production; the local implementation issues one-time codes at
# the counter or to the contact on the record.
EGOV_IDENTITY_PROVIDER = os.environ.get("EGOV_IDENTITY_PROVIDER", "egov.registries.proofing.LocalCodeProvider")
EGOV_PAYMENT_PROVIDER = os.environ.get("EGOV_PAYMENT_PROVIDER", "egov.finance.payments.LocalPaymentProvider")
EGOV_PROOFING_CODE_TTL_MINUTES = envint("EGOV_PROOFING_CODE_TTL_MINUTES", 15)

# Idempotent steps that make an empty database usable (egov.core.bootstrap).
EGOV_BOOTSTRAP_STEPS: list[str] = [
    "egov.core.keys.ensure_development_keys", "egov.accounts.public.load_country_pack",
    "egov.exchange.public.load_exchange_pack",
    "egov.catalogue.public.load_catalogue",
    "egov.notifications.public.load_notices_pack",
]

# --- Information sharing (egov.exchange) --------------------------------------------------
# The longest a citizen's consent may last, in days.
EGOV_CONSENT_MAX_DAYS = envint("EGOV_CONSENT_MAX_DAYS", 365)
# Federation between deployments (egov.exchange.federation, ADR 0060): the member code this
# deployment answers and signs as, the base URL its member registry announces, the
# clock skew tolerated on a signed message, how long a trusted member registry that
# could not be refreshed is still relied on, and how long a request waits for the owner.
EGOV_EXCHANGE_MEMBER_CODE = os.environ.get("EGOV_EXCHANGE_MEMBER_CODE", "cen-mois")
EGOV_EXCHANGE_MEMBER_NAME = os.environ.get("EGOV_EXCHANGE_MEMBER_NAME", "")
EGOV_EXCHANGE_BASE_URL = os.environ.get("EGOV_EXCHANGE_BASE_URL", "") or EGOV_BASE_URL
EGOV_EXCHANGE_MAX_SKEW_SECONDS = envint("EGOV_EXCHANGE_MAX_SKEW_SECONDS", 300)
EGOV_EXCHANGE_CONFIGURATION_MAX_AGE_HOURS = envint("EGOV_EXCHANGE_CONFIGURATION_MAX_AGE_HOURS", 72)
EGOV_EXCHANGE_TIMEOUT_SECONDS = envint("EGOV_EXCHANGE_TIMEOUT_SECONDS", 10)
# Key ids of this deployment's exchange-member key withdrawn before their certificate
# expires (comma-separated): left out of the member registry, refused by the others.
EGOV_EXCHANGE_REVOKED_KEY_IDS = [k.strip() for k in os.environ.get("EGOV_EXCHANGE_REVOKED_KEY_IDS", "").split(",")
                                 if k.strip()]
# How far back the download of "Who viewed my data" on My Gov reaches (PIPA: access logs kept two years at least).
EGOV_ACCESS_LOG_DOWNLOAD_DAYS = envint("EGOV_ACCESS_LOG_DOWNLOAD_DAYS", 731)
EGOV_DEMO_ACCOUNTS = "egov.accounts.public.ensure_demo_accounts"
# Run by `egov demo` after the accounts, in order; each returns lines to print.
EGOV_DEMO_STEPS: list[str] = ["egov.registries.demo.ensure_demo_population", "egov.exchange.demo.ensure_demo_exchange",
                               "egov.finance.demo.ensure_demo_local_taxes"]
