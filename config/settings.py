"""Django settings for DutyRoom. Every deployment knob comes from ``config.env``."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path
from typing import Any

from config import env

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = env.secret_key()
DEBUG = os.environ.get("DUTYROOM_DEBUG", "") == "1"
ALLOWED_HOSTS = [h for h in os.environ.get("DUTYROOM_ALLOWED_HOSTS", "*").split(",") if h]

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django_otp",  # TOTP second factor (dutyroom.accounts.otp)
    "django_otp.plugins.otp_totp",
    "axes",  # login throttling and lock-out (dutyroom.accounts.security)
    "ninja",  # Swagger UI served from the package's own static files, never a CDN
    "dutyroom.common",
    "dutyroom.orgs",
    "dutyroom.accounts",
    "dutyroom.audit",
    "dutyroom.obligations",
    "dutyroom.incidents",
    "dutyroom.reports",
    "dutyroom.notifications",
    "dutyroom.leads",
    "dutyroom.assessment",
    "dutyroom.duty",
    "dutyroom.alerts",
    "dutyroom.api",
    "dutyroom.instructions",
    "dutyroom.handover",
    "dutyroom.documents",
    "dutyroom.interop",
    "dutyroom.web",
]

MIDDLEWARE = [
    "dutyroom.common.middleware.SecurityHeadersMiddleware",  # outermost: headers on every answer, 413 included
    "dutyroom.common.middleware.BodyLimitMiddleware",  # every body is read or refused (413) before any view
    "dutyroom.common.middleware.ApiErrorShapeMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django_otp.middleware.OTPMiddleware",
    "dutyroom.accounts.otp.SecondFactorMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "axes.middleware.AxesMiddleware",  # last: turns a locked-out login into the lock-out page
]
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # first: refuses a locked-out username before checking the password
    "django.contrib.auth.backends.ModelBackend",
]

ROOT_URLCONF = "config.urls"
WSGI_APPLICATION = "config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
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

DATABASES = {"default": env.database_config()}
# Optional read replica for the board, statistics and assessment (dutyroom/common/replica.py).
if (_replica := env.replica_config()) is not None:
    DATABASES["replica"] = _replica
    DATABASE_ROUTERS = ["dutyroom.common.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "accounts.User"

PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 8}},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "dutyroom" / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env.data_dir() / "static"
STATIC_ROOT.mkdir(exist_ok=True)
# Front-end libraries come from npm (node_modules), never copied into the repository.
STATICFILES_DIRS: list[Any] = [p for p in [BASE_DIR / "node_modules" / "htmx.org" / "dist"] if p.is_dir()]
STATICFILES_DIRS += [("echarts", p) for p in [BASE_DIR / "node_modules" / "echarts" / "dist"] if p.is_dir()]
# Tests and `serve` without collectstatic still find files (whitenoise looks in the finders).
WHITENOISE_USE_FINDERS = True

LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"
SECURE_REFERRER_POLICY = "same-origin"
SECURE_CONTENT_TYPE_NOSNIFF = True
# Behind TLS (DUTYROOM_TLS=1): cookies only over HTTPS, HSTS, and trust the proxy's X-Forwarded-Proto.
DUTYROOM_TLS = os.environ.get("DUTYROOM_TLS", "") == "1"
SESSION_COOKIE_SECURE = CSRF_COOKIE_SECURE = DUTYROOM_TLS
SECURE_HSTS_SECONDS = 31_536_000 if DUTYROOM_TLS else 0
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https") if DUTYROOM_TLS else None
# A session ends after this many seconds without a request (default 12 hours, one duty shift).
SESSION_COOKIE_AGE = int(os.environ.get("DUTYROOM_SESSION_IDLE_SECONDS", str(12 * 3600)))
SESSION_SAVE_EVERY_REQUEST = True
# Request bodies over this are refused with 413 (dutyroom.common.middleware); Django's own cap matches it.
DUTYROOM_MAX_BODY_BYTES = int(os.environ.get("DUTYROOM_MAX_BODY_BYTES", str(1024 * 1024)))
DATA_UPLOAD_MAX_MEMORY_SIZE = DUTYROOM_MAX_BODY_BYTES
# The lead form takes photos from phones: 4 photos of up to 5 MB each (dutyroom.leads.photos) and the form's
# text. Only these paths get the larger limit; Django streams the files to disk past FILE_UPLOAD_MAX_MEMORY_SIZE.
DUTYROOM_UPLOAD_PATHS = ("/leads/new/",)
DUTYROOM_MAX_UPLOAD_BYTES = int(os.environ.get("DUTYROOM_MAX_UPLOAD_BYTES", str(21 * 1024 * 1024)))

# Lead intake per sender (grid workers, informants, any person filing leads; never the duty room, feeds or CAP):
# at most DUTYROOM_LEAD_LIMIT leads in any DUTYROOM_LEAD_WINDOW_SECONDS. Why 20 in 10 minutes: see
# dutyroom.leads.services.intake_limit_check. 0 turns the limit off.
DUTYROOM_LEAD_LIMIT = int(os.environ.get("DUTYROOM_LEAD_LIMIT", "20"))
DUTYROOM_LEAD_WINDOW_SECONDS = int(os.environ.get("DUTYROOM_LEAD_WINDOW_SECONDS", "600"))

# Login throttling: after AXES_FAILURE_LIMIT wrong passwords for one username, that username is locked for
# AXES_COOLOFF_TIME (or until `dutyroom user unlock NAME`). Per username, not per address: a duty room sits
# behind one NAT address, and locking that would lock the whole room out.
AXES_FAILURE_LIMIT = int(os.environ.get("DUTYROOM_LOGIN_FAILURE_LIMIT", "5"))
AXES_COOLOFF_TIME = timedelta(minutes=int(os.environ.get("DUTYROOM_LOGIN_LOCKOUT_MINUTES", "15")))
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
AXES_LOCKOUT_TEMPLATE = "web/locked.html"
AXES_HTTP_RESPONSE_CODE = 429
AXES_VERBOSE = False
# axes.W006 warns that a lock keyed without the address can be dodged by rotating cookies; ours is keyed on the
# username, which rotating cookies does not change.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]

# Roles that must give a TOTP code after their password. Production default: the duty room and administrators;
# `make run` (the demo city) sets DUTYROOM_OTP_ROLES to empty so a first look logs straight in.
DUTYROOM_OTP_ROLES = frozenset(
    r.strip() for r in os.environ.get("DUTYROOM_OTP_ROLES", "duty_officer,duty_leader,admin").split(",") if r.strip()
)
OTP_TOTP_ISSUER = "DutyRoom"

DUTYROOM_RULEBOOK = env.rulebook_name()
# Lead photos live here, outside every static path; they are served only through an access check.
DUTYROOM_UPLOADS_DIR = env.data_dir() / "uploads"
# The audit chain's HMAC key and append-only anchor file live outside the database (dutyroom.audit.anchor).
DUTYROOM_AUDIT_KEY = env.audit_key()
DUTYROOM_AUDIT_ANCHOR = env.audit_anchor_path()
# How audit entries join the chain: "inline" (in the change's transaction) or "deferred" (sealed by the worker);
# empty = inline on SQLite, deferred on PostgreSQL (dutyroom/audit/services.py says why).
DUTYROOM_AUDIT_APPEND = os.environ.get("DUTYROOM_AUDIT_APPEND", "")
# Run the deadline worker inside `dutyroom serve` (the embedded default); production runs `dutyroom worker`.
DUTYROOM_EMBEDDED_WORKER = os.environ.get("DUTYROOM_EMBEDDED_WORKER", "1") == "1"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s: %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": os.environ.get("DUTYROOM_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Documents and interop: this instance's name, its parent instance (分级报送), its children, and
# when the worker writes the daily duty report. See dutyroom/interop/config.py for what each means.
DUTYROOM_INSTANCE_CODE = os.environ.get("DUTYROOM_INSTANCE_CODE", "taicang")
DUTYROOM_INSTANCE_NAME = os.environ.get("DUTYROOM_INSTANCE_NAME", "太仓市")
DUTYROOM_CAP_SENDER = os.environ.get("DUTYROOM_CAP_SENDER", "dutyroom.taicang.gov.cn")
DUTYROOM_PUBLIC_URL = os.environ.get("DUTYROOM_PUBLIC_URL", "")
DUTYROOM_PARENT_URL = os.environ.get("DUTYROOM_PARENT_URL", "")
DUTYROOM_PARENT_KEY = os.environ.get("DUTYROOM_PARENT_KEY", "")
DUTYROOM_PARENT_AUTHORITY = os.environ.get("DUTYROOM_PARENT_AUTHORITY", "suzhou")
DUTYROOM_CHILDREN = os.environ.get("DUTYROOM_CHILDREN", "")
DUTYROOM_FORWARD_BACKOFF_MAX = float(os.environ.get("DUTYROOM_FORWARD_BACKOFF_MAX", "300"))
# Upward reports wait for the duty leader's 签发; grades listed here (e.g. "I,II") go at once instead. Empty by
# default: the phone call meets the notice's phone-speed limits, the written forwarding is signed (outbound.py).
DUTYROOM_FORWARD_AUTO_GRADES = os.environ.get("DUTYROOM_FORWARD_AUTO_GRADES", "")
DUTYROOM_DAILY_REPORT_AT = os.environ.get("DUTYROOM_DAILY_REPORT_AT", "07:30")
# Alerts and delivery. E-mail: DUTYROOM_SMTP_URL=smtp://user:pass@host:port (smtps:// for TLS,
# ?starttls=1); unset = printed to the console so a newcomer sees them. SMS: a generic HTTP gateway
# (DUTYROOM_SMS_URL may hold {phone}; DUTYROOM_SMS_AUTH_HEADER "Name: value"; DUTYROOM_SMS_FORMAT json|form);
# unset = console. Links in messages point at DUTYROOM_BASE_URL.
EMAIL_BACKEND, _email = env.email_config()
for _name, _value in _email.items():
    globals()[_name] = _value
DEFAULT_FROM_EMAIL = os.environ.get("DUTYROOM_MAIL_FROM", "dutyroom@localhost")
DUTYROOM_SMS_URL = os.environ.get("DUTYROOM_SMS_URL", "")
DUTYROOM_SMS_AUTH_HEADER = os.environ.get("DUTYROOM_SMS_AUTH_HEADER", "")
DUTYROOM_SMS_FORMAT = os.environ.get("DUTYROOM_SMS_FORMAT", "json")
DUTYROOM_BASE_URL = env.base_url()  # unset: the address `dutyroom serve` binds (HOST, PORT)
DUTYROOM_DELIVERY_MAX_ATTEMPTS = int(os.environ.get("DUTYROOM_DELIVERY_MAX_ATTEMPTS", "8"))
DUTYROOM_DELIVERY_TIMEOUT = float(os.environ.get("DUTYROOM_DELIVERY_TIMEOUT", "5"))
# Outbound HTTP (feeds, webhooks, the SMS gateway, federation: dutyroom/common/http.py) refuses loopback and private
# addresses unless listed here: IP addresses and CIDR networks separated by commas or spaces
# ("127.0.0.1, 10.20.0.0/16, fd00::/8"), or "*" for any address (a closed network whose peers are all private).
DUTYROOM_FEEDS_ALLOW = os.environ.get("DUTYROOM_FEEDS_ALLOW", "")
# how long a claimed delivery stays with its worker before another may take it (a killed worker's rows)
DUTYROOM_DELIVERY_LEASE = float(os.environ.get("DUTYROOM_DELIVERY_LEASE", "60"))
