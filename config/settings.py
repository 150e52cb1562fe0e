"""Django settings for DutyRoom. Every deployment knob comes from ``config.env``."""

from __future__ import annotations

import os
from pathlib import Path

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
    "dutyroom.common",
    "dutyroom.orgs",
    "dutyroom.accounts",
    "dutyroom.audit",
    "dutyroom.obligations",
    "dutyroom.incidents",
    "dutyroom.reports",
    "dutyroom.notifications",
    "dutyroom.leads",
    "dutyroom.duty",
    "dutyroom.alerts",
    "dutyroom.api",
    "dutyroom.instructions",
    "dutyroom.documents",
    "dutyroom.interop",
    "dutyroom.web",
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
if (_replica := env.replica_config()) is not None:
    DATABASES["replica"] = _replica
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
STATICFILES_DIRS = [p for p in [BASE_DIR / "node_modules" / "htmx.org" / "dist"] if p.is_dir()]
# Tests and `serve` without collectstatic still find files (whitenoise looks in the finders).
WHITENOISE_USE_FINDERS = True

LOGIN_URL = "/login/"
LOGIN_REDIRECT_URL = "/"
SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"
CSRF_COOKIE_SAMESITE = "Lax"
X_FRAME_OPTIONS = "DENY"

DUTYROOM_RULEBOOK = env.rulebook_name()
# Lead photos live here, outside every static path; they are served only through an access check.
DUTYROOM_UPLOADS_DIR = env.data_dir() / "uploads"
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

# Documents and interop (issue 10): this instance's name, its parent instance (分级报送), its children, and
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
DUTYROOM_DAILY_REPORT_AT = os.environ.get("DUTYROOM_DAILY_REPORT_AT", "07:30")
# Alerts and delivery (issue 7). E-mail: DUTYROOM_SMTP_URL=smtp://user:pass@host:port (smtps:// for TLS,
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
DUTYROOM_BASE_URL = os.environ.get("DUTYROOM_BASE_URL", "http://127.0.0.1:8000").rstrip("/")
DUTYROOM_DELIVERY_MAX_ATTEMPTS = int(os.environ.get("DUTYROOM_DELIVERY_MAX_ATTEMPTS", "8"))
DUTYROOM_DELIVERY_TIMEOUT = float(os.environ.get("DUTYROOM_DELIVERY_TIMEOUT", "5"))
# how long a claimed delivery stays with its worker before another may take it (a killed worker's rows)
DUTYROOM_DELIVERY_LEASE = float(os.environ.get("DUTYROOM_DELIVERY_LEASE", "60"))
