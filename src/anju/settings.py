"""Anju settings, read from environment variables.

Embedded mode (no variables set): SQLite under ``ANJU_DATA_DIR`` (default ``./var``), eager
background tasks, local-memory cache, log-only SMS/email. Production: set the variables listed
in README.md ("Production") and run ``anju check --deploy``.
"""

import json
import os
import sys
from datetime import timedelta
from pathlib import Path

import dj_database_url
from csp.constants import NONE, SELF, UNSAFE_INLINE
from django.core.exceptions import ImproperlyConfigured

from anju import domain_settings

PACKAGE_DIR = Path(__file__).resolve().parent


def env(name, default=None):
    return os.environ.get(name, default)


TRUE_WORDS, FALSE_WORDS = {"1", "true", "yes", "on"}, {"0", "false", "no", "off", ""}


def env_bool(name, default=False):
    """A yes/no variable; anything but 1/true/yes/on or 0/false/no/off (or empty) is refused,
    so that a typo never reads as "off"."""
    value = os.environ.get(name)
    if value is None:
        return default
    word = value.strip().lower()
    if word not in TRUE_WORDS | FALSE_WORDS:
        raise ImproperlyConfigured(f"{name}={value!r}: use 1/true/yes/on or 0/false/no/off")
    return word in TRUE_WORDS


def env_int(name, default):
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    try:
        return int(value)
    except ValueError:
        raise ImproperlyConfigured(f"{name}={value!r}: a whole number") from None


def env_list(name, default=""):
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


DATA_DIR = Path(env("ANJU_DATA_DIR", str(Path.cwd() / "var"))).resolve()

DEBUG = env_bool("DEBUG", False)
EMBEDDED = not env("SECRET_KEY")
# The embedded key only protects a laptop demo; production must set SECRET_KEY (check --deploy).
SECRET_KEY = env(
    "SECRET_KEY", "django-insecure-anju-embedded-mode-only-set-SECRET_KEY-in-production"
)
ALLOWED_HOSTS = env_list("ALLOWED_HOSTS", "127.0.0.1,localhost,testserver,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("CSRF_TRUSTED_ORIGINS", "")

# Key for encrypting personal data at rest (ID numbers). Falls back to SECRET_KEY in embedded mode.
# Production must set it (system check anju.W001): rotating SECRET_KEY must not lose ID numbers.
ANJU_FIELD_KEY = env("ANJU_FIELD_KEY", "")
FIELD_ENCRYPTION_KEY = ANJU_FIELD_KEY or SECRET_KEY

INSTALLED_APPS = [
    # Anju first: its templates and translations take precedence over Django's own.
    "anju.core.apps.CoreConfig",
    "anju.accounts.apps.AccountsConfig",
    "anju.servicedesk.apps.ServicedeskConfig",
    "anju.billing.apps.BillingConfig",
    "anju.governance.apps.GovernanceConfig",
    "anju.facilities.apps.FacilitiesConfig",
    "anju.notices.apps.NoticesConfig",
    "anju.spaces.apps.SpacesConfig",
    "anju.iot.apps.IotConfig",
    "anju.staff.apps.StaffConfig",
    "anju.parking.apps.ParkingConfig",
    "anju.gate.apps.GateConfig",
    "anju.works.apps.WorksConfig",
    "anju.life.apps.LifeConfig",
    "anju.green.apps.GreenConfig",
    "anju.people.apps.PeopleConfig",
    "anju.finance.apps.FinanceConfig",
    "anju.handover.apps.HandoverConfig",
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    "rest_framework",
    "csp",
    "axes",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # Early: every /api/ answer in the error format, whichever layer below made it.
    "anju.core.api.middleware.ApiErrorMiddleware",
    "csp.middleware.CSPMiddleware",
    "anju.core.middleware.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "anju.core.logins.SessionActivityMiddleware",
    "anju.core.middleware.LazyMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "anju.core.middleware.CurrentCommunityMiddleware",
    # A view that lost the database answers 503 with Retry-After, not 500 (core.faults).
    "anju.core.faults.DatabaseOutageMiddleware",
    # Last: turns a lockout on a login path that is not ours (the admin site) into a 429.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "anju.urls"
WSGI_APPLICATION = "anju.wsgi.application"
FORM_RENDERER = "anju.core.forms.FormRenderer"  # labels capitalised (core.forms)

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
                "anju.core.context_processors.anju",
            ],
            "builtins": ["anju.core.templatetags.anju"],
        },
    }
]

DATABASES = {
    "default": dj_database_url.parse(
        env("DATABASE_URL", f"sqlite:///{DATA_DIR / 'anju.sqlite3'}"),
        conn_max_age=env_int("DB_CONN_MAX_AGE", 60),
        # A pooled connection is checked before a request reuses it: one that PostgreSQL
        # dropped (a restart, a failover) is replaced instead of failing the request.
        conn_health_checks=True,
    )
}
# A request that loses the database anyway answers 503 with this Retry-After (core.faults).
ANJU_RETRY_AFTER_SECONDS = env_int("ANJU_RETRY_AFTER_SECONDS", 5)
if DATABASES["default"]["ENGINE"] == "django.db.backends.postgresql":
    DATABASES["default"]["ENGINE"] = "anju.core.db.postgresql"  # C datetime parsing, see there
    # The few hand-written hot statements (core.db.prepared_cursor) are planned once per
    # connection. Behind a transaction-mode pooler without prepared-statement support
    # (PgBouncer < 1.21), set DB_PREPARED_STATEMENTS=0.
    DATABASES["default"].setdefault("OPTIONS", {})["anju_prepared"] = env(
        "DB_PREPARED_STATEMENTS", "1"
    ) not in ("0", "false", "no")
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    DATABASES["default"]["OPTIONS"] = {
        "timeout": 20,
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0
# A PostgreSQL streaming replica for reports, exports, dashboards and the comparison
# (core.db.replica): reads there only where a page says so, never inside a write or after a
# write in the same page, and not while the replica lags more than the limit.
DATABASE_REPLICA_URL = env("DATABASE_REPLICA_URL", "")
DATABASE_REPLICA_MAX_LAG_SECONDS = env_int("DATABASE_REPLICA_MAX_LAG_SECONDS", 5)
DATABASE_REPLICA_CHECK_SECONDS = env_int("DATABASE_REPLICA_CHECK_SECONDS", 2)
if DATABASE_REPLICA_URL:
    DATABASES["replica"] = dj_database_url.parse(
        DATABASE_REPLICA_URL,
        conn_max_age=DATABASES["default"].get("CONN_MAX_AGE", 0),
        conn_health_checks=True,
    )
    DATABASES["replica"]["ENGINE"] = DATABASES["default"]["ENGINE"]
    DATABASES["replica"]["OPTIONS"] = dict(DATABASES["default"].get("OPTIONS", {}))
    # Tests read the primary's test database through this alias; the replica tests
    # (core/tests/test_replica.py) point it at the real replica themselves.
    DATABASES["replica"]["TEST"] = {"MIRROR": "default"}
DATABASE_ROUTERS = ["anju.core.db.replica.ReplicaRouter"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "core.User"
AUTHENTICATION_BACKENDS = [
    # First: refuses every authenticate() of a locked-out account or address (core.signin).
    "anju.core.signin.LockoutBackend",
    "anju.core.auth.UsernameOrPhoneBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
]
LOGIN_URL = "/console/login/"

# Logins (core.logins): API tokens live this long; a token's or session's "last used" is
# written at most once per ANJU_LOGIN_TOUCH_MINUTES.
ANJU_TOKEN_TTL_HOURS = env_int("ANJU_TOKEN_TTL_HOURS", 720)
ANJU_LOGIN_TOUCH_MINUTES = env_int("ANJU_LOGIN_TOUCH_MINUTES", 5)
# Login throttling (django-axes, core.signin): failures per account and per address within
# the cool-off before further logins are refused until it has passed. An address gets more
# tries: a whole office or a carrier's NAT shares one.
ANJU_LOGIN_FAILURE_LIMIT = env_int("ANJU_LOGIN_FAILURE_LIMIT", 5)
ANJU_LOGIN_ADDRESS_FAILURE_LIMIT = env_int("ANJU_LOGIN_ADDRESS_FAILURE_LIMIT", 30)
ANJU_LOGIN_COOLOFF_MINUTES = env_int("ANJU_LOGIN_COOLOFF_MINUTES", 15)
# Reverse proxies in front of Anju that append to X-Forwarded-For (0: the peer address is the
# client's). Throttling per address and the login list read the client address through it.
ANJU_PROXY_COUNT = env_int("ANJU_PROXY_COUNT", 0)
AXES_ENABLED = True
AXES_HANDLER = "anju.core.signin.AttemptHandler"
AXES_FAILURE_LIMIT = ANJU_LOGIN_FAILURE_LIMIT
AXES_COOLOFF_TIME = timedelta(minutes=ANJU_LOGIN_COOLOFF_MINUTES)
AXES_LOCKOUT_PARAMETERS = ["username", "ip_address"]
AXES_USERNAME_CALLABLE = "anju.core.signin.account_key"
AXES_CLIENT_IP_CALLABLE = "anju.core.signin.client_address"
AXES_LOCKOUT_CALLABLE = "anju.core.signin.lockout_response"
# A refused attempt during a lockout does not restart it: the wait shown stays true.
AXES_RESET_COOL_OFF_ON_FAILURE_DURING_LOCKOUT = False
AXES_RESET_ON_SUCCESS = False
AXES_DISABLE_ACCESS_LOG = True  # core.Login records successful logins
AXES_VERBOSE = False

REDIS_URL = env("REDIS_URL", "")
if REDIS_URL:
    CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": REDIS_URL}
    }
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
TIME_ZONE = env("TIME_ZONE", "Asia/Shanghai")
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = Path(env("STATIC_ROOT", str(DATA_DIR / "static")))
MEDIA_URL = "/media/"
MEDIA_ROOT = Path(env("MEDIA_ROOT", str(DATA_DIR / "media")))
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {
        "BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"
        if not DEBUG and not EMBEDDED
        else "django.contrib.staticfiles.storage.StaticFilesStorage"
    },
}
WHITENOISE_USE_FINDERS = True

# Uploads (core.attachments): judged by their bytes, re-encoded, stored under random names and
# served only by /files/<id>/ after the owning object's scope check (core.files).
ANJU_UPLOAD_PHOTO_MAX_MB = env_int("ANJU_UPLOAD_PHOTO_MAX_MB", 10)
ANJU_UPLOAD_DOCUMENT_MAX_MB = env_int("ANJU_UPLOAD_DOCUMENT_MAX_MB", 20)
ANJU_UPLOAD_SPREADSHEET_MAX_MB = env_int("ANJU_UPLOAD_SPREADSHEET_MAX_MB", 10)
ANJU_UPLOAD_MAX_FILES = env_int("ANJU_UPLOAD_MAX_FILES", 9)
ANJU_UPLOAD_MAX_MEGAPIXELS = env_int("ANJU_UPLOAD_MAX_MEGAPIXELS", 90)
ANJU_UPLOAD_THUMBNAIL_PX = env_int("ANJU_UPLOAD_THUMBNAIL_PX", 640)
# Behind nginx: the internal location that serves MEDIA_ROOT (X-Accel-Redirect); empty: Django
# streams the files itself.
ANJU_FILES_ACCEL_PREFIX = env("ANJU_FILES_ACCEL_PREFIX", "")
# S3-compatible object storage (AWS, MinIO, Aliyun OSS, Tencent COS ...): set the bucket.
ANJU_S3_BUCKET = env("ANJU_S3_BUCKET", "")
ANJU_S3_ENDPOINT_URL = env("ANJU_S3_ENDPOINT_URL", "")
ANJU_S3_REGION = env("ANJU_S3_REGION", "")
ANJU_S3_ACCESS_KEY_ID = env("ANJU_S3_ACCESS_KEY_ID", "")
ANJU_S3_SECRET_ACCESS_KEY = env("ANJU_S3_SECRET_ACCESS_KEY", "")
ANJU_S3_ADDRESSING_STYLE = env("ANJU_S3_ADDRESSING_STYLE", "")
ANJU_S3_URL_TTL_SECONDS = env_int("ANJU_S3_URL_TTL_SECONDS", 300)


def s3_storage(conf):
    """The default storage on an S3-compatible bucket (django-storages), from ``conf``'s
    ANJU_S3_* values: private objects, signed URLs of ANJU_S3_URL_TTL_SECONDS."""
    options = {
        "bucket_name": conf.ANJU_S3_BUCKET,
        "default_acl": None,  # the bucket's own (private) policy
        "querystring_auth": True,
        "querystring_expire": conf.ANJU_S3_URL_TTL_SECONDS,
        "file_overwrite": False,
        "signature_version": "s3v4",
    }
    optional = {
        "endpoint_url": conf.ANJU_S3_ENDPOINT_URL,
        "region_name": conf.ANJU_S3_REGION,
        "access_key": conf.ANJU_S3_ACCESS_KEY_ID,
        "secret_key": conf.ANJU_S3_SECRET_ACCESS_KEY,
        "addressing_style": conf.ANJU_S3_ADDRESSING_STYLE,
    }
    options.update({key: value for key, value in optional.items() if value})
    return {"BACKEND": "storages.backends.s3.S3Storage", "OPTIONS": options}


if ANJU_S3_BUCKET:
    STORAGES["default"] = s3_storage(sys.modules[__name__])

# Production hardening; check --deploy passes when SECRET_KEY is set and HTTPS is terminated.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env_bool("SECURE_SSL_REDIRECT", not EMBEDDED)
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]  # a load balancer's probe speaks plain HTTP
SESSION_COOKIE_SECURE = env_bool("SESSION_COOKIE_SECURE", not EMBEDDED)
CSRF_COOKIE_SECURE = env_bool("CSRF_COOKIE_SECURE", not EMBEDDED)
SECURE_HSTS_SECONDS = env_int("SECURE_HSTS_SECONDS", 0 if EMBEDDED else 31536000)
SECURE_HSTS_INCLUDE_SUBDOMAINS = not EMBEDDED
SECURE_HSTS_PRELOAD = env_bool("SECURE_HSTS_PRELOAD", not EMBEDDED)
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"

# Content-Security-Policy (django-csp): scripts only from our own static files, never inline
# (templates pass data in <script type="application/json"> blocks and data-* attributes). With
# S3 storage, ANJU_CSP_IMG_SRC adds the bucket's origin, where /files/<id>/ redirects images.
ANJU_CSP_IMG_SRC = env_list("ANJU_CSP_IMG_SRC", "")
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": [SELF],
        "script-src": [SELF],
        # style="" attributes and the small <style> of htmx and the API docs
        "style-src": [SELF, UNSAFE_INLINE],
        "img-src": [SELF, "data:", "blob:", *ANJU_CSP_IMG_SRC],
        "font-src": [SELF, "data:"],
        "connect-src": [SELF],
        "object-src": [NONE],
        "base-uri": [SELF],
        "form-action": [SELF],
        "frame-ancestors": [NONE],
    }
}
# Browser features no page uses are off; geolocation only for our own pages (an inspection on
# the phone records where it was done); the camera only for our own pages (the QR scanner of the
# field pages, core/static/anju/scan.js). Photo inputs with capture= need no camera permission.
ANJU_PERMISSIONS_POLICY = env(
    "ANJU_PERMISSIONS_POLICY",
    "accelerometer=(), camera=(self), display-capture=(), geolocation=(self), gyroscope=(), "
    "magnetometer=(), microphone=(), midi=(), payment=(), usb=()",
)
SILENCED_SYSTEM_CHECKS = env_list("SILENCED_SYSTEM_CHECKS", "")

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "anju.core.api.authentication.TokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["anju.core.api.permissions.RolePermission"],
    "DEFAULT_RENDERER_CLASSES": [
        "anju.core.api.renderers.JSONRenderer",
        "rest_framework.renderers.BrowsableAPIRenderer",
    ],
    "DEFAULT_PARSER_CLASSES": [
        "anju.core.api.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
        "rest_framework.parsers.MultiPartParser",
    ],
    "DEFAULT_PAGINATION_CLASS": "anju.core.api.pagination.Pagination",
    "PAGE_SIZE": 50,
    "DEFAULT_FILTER_BACKENDS": [
        "anju.core.api.filters.FilterBackend",
        "rest_framework.filters.OrderingFilter",
        "rest_framework.filters.SearchFilter",
    ],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "anju.core.api.errors.exception_handler",
    "DEFAULT_THROTTLE_CLASSES": ["rest_framework.throttling.AnonRateThrottle"],
    "DEFAULT_THROTTLE_RATES": {"anon": env("ANJU_ANON_RATE", "120/min")},
    "COERCE_DECIMAL_TO_STRING": True,
}
SPECTACULAR_SETTINGS = {
    "TITLE": "Anju (安居) API",
    "DESCRIPTION": "Property management: communities, houses, people, service desk, billing, governance.",
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "REDOC_DIST": "SIDECAR",
    "COMPONENT_SPLIT_REQUEST": True,
    # The schema is validated by its own test (tests/test_project.py), not by check --deploy.
    "ENABLE_DJANGO_DEPLOY_CHECK": False,
    # Error answers and upload file types documented on every operation (core.api.schema).
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "anju.core.api.schema.document_errors",
    ],
    "ENUM_NAME_OVERRIDES": {
        "AssetCategoryEnum": "anju.facilities.choices.AssetCategory",
        "TicketKindEnum": "anju.servicedesk.choices.Kind",
        "TicketCategoryEnum": "anju.servicedesk.choices.Category",
        "MeterKindEnum": "anju.billing.models.MeterKind",
        "DeviceKindEnum": "anju.iot.choices.DeviceKind",
        "AlarmKindEnum": "anju.iot.choices.AlarmKind",
        "PayChannelEnum": "anju.billing.choices.PayChannel",
        "TicketChannelEnum": "anju.servicedesk.choices.Channel",
        "VoteChannelEnum": "anju.governance.choices.Channel",
        "PassPeriodEnum": "anju.parking.choices.PassPeriod",
        "EvaluationStatusEnum": "anju.staff.choices.EvaluationStatus",
        "ClockKindEnum": "anju.people.choices.ClockKind",
    },
}

# Background jobs: without a broker every task runs eagerly and `anju run` runs periodic jobs
# in-process; with CELERY_BROKER_URL set, Celery workers and beat do.
CELERY_BROKER_URL = env("CELERY_BROKER_URL", "")
CELERY_RESULT_BACKEND = env("CELERY_RESULT_BACKEND", REDIS_URL or "")
CELERY_TASK_ALWAYS_EAGER = not CELERY_BROKER_URL
CELERY_TASK_EAGER_PROPAGATES = True
CELERY_TIMEZONE = TIME_ZONE
CELERY_TASK_ACKS_LATE = True
CELERY_WORKER_PREFETCH_MULTIPLIER = 1

MQTT_URL = env("MQTT_URL", "")

# Online payments: WeChat Pay v3 unless ANJU_PAYMENT_PROVIDER=test, the sandbox provider (no
# real money; `make run` sets it for its own process). Its callback believes the paying user or
# the signed token handed out when the payment started, for this many seconds.
ANJU_PAYMENT_PROVIDER = env("ANJU_PAYMENT_PROVIDER", "")
if ANJU_PAYMENT_PROVIDER not in ("", "wechat", "test"):
    raise ImproperlyConfigured("ANJU_PAYMENT_PROVIDER must be wechat or test")
ANJU_TEST_PAYMENT_TOKEN_SECONDS = env_int("ANJU_TEST_PAYMENT_TOKEN_SECONDS", 900)
ANJU_WECHAT_PAY = (
    {
        "mchid": env("ANJU_WECHAT_MCHID", ""),
        "appid": env("ANJU_WECHAT_APPID", ""),
        "serial_no": env("ANJU_WECHAT_SERIAL_NO", ""),
        "private_key_pem": env("ANJU_WECHAT_PRIVATE_KEY_PEM", ""),
        "platform_public_key_pem": env("ANJU_WECHAT_PLATFORM_PUBLIC_KEY_PEM", ""),
        # The serial of the platform certificate, or the public key's id (PUB_KEY_ID_...):
        # notifications naming another are refused (401) and logged.
        "platform_serial": env("ANJU_WECHAT_PLATFORM_SERIAL", ""),
        "api_v3_key": env("ANJU_WECHAT_API_V3_KEY", ""),
        "notify_url": env("ANJU_WECHAT_NOTIFY_URL", ""),
        # JSAPI: the official account (公众号) the payer's openid belongs to; blank: appid.
        "mp_appid": env("ANJU_WECHAT_MP_APPID", ""),
        "base_url": env("ANJU_WECHAT_PAY_BASE_URL", ""),  # blank: https://api.mch.weixin.qq.com
        "order_minutes": env_int("ANJU_ONLINE_ORDER_MINUTES", 15),
    }
    if env("ANJU_WECHAT_MCHID")
    else {}
)
# An online order can be paid for this many minutes (time_expire); a pending payment older than
# that plus 5 minutes no longer holds its bills.
ANJU_ONLINE_ORDER_MINUTES = env_int("ANJU_ONLINE_ORDER_MINUTES", 15)
# Alipay (alipay.trade.wap.pay / page.pay, RSA2), beside WeChat Pay where ANJU_ALIPAY_APP_ID is
# set: our application private key and Alipay's public key (PEM), the notify URL
# (https://<host>/api/v1/payments/callback/alipay/) and the gateway.
ANJU_ALIPAY = (
    {
        "app_id": env("ANJU_ALIPAY_APP_ID", ""),
        "private_key_pem": env("ANJU_ALIPAY_PRIVATE_KEY_PEM", ""),
        "alipay_public_key_pem": env("ANJU_ALIPAY_PUBLIC_KEY_PEM", ""),
        "notify_url": env("ANJU_ALIPAY_NOTIFY_URL", ""),
        "return_url": env("ANJU_ALIPAY_RETURN_URL", ""),
        "gateway": env("ANJU_ALIPAY_GATEWAY", "https://openapi.alipay.com/gateway.do"),
        "order_minutes": env_int("ANJU_ONLINE_ORDER_MINUTES", 15),
    }
    if env("ANJU_ALIPAY_APP_ID")
    else {}
)

# E-invoices (电子发票, finance.invoicing): "nuonuo" (诺诺开放平台) or "local" (a sandbox that
# numbers invoices itself and links its own preview page; demos and `make run` only). Blank:
# issuing answers "not set up yet". The seller's tax number (销方税号) and the 税收分类编码 of
# property management services are the company's; confirm the code with the tax office.
ANJU_INVOICE_PROVIDER = env("ANJU_INVOICE_PROVIDER", "")
if ANJU_INVOICE_PROVIDER not in ("", "nuonuo", "local"):
    raise ImproperlyConfigured("ANJU_INVOICE_PROVIDER must be nuonuo or local")
ANJU_NUONUO = (
    {
        "app_key": env("ANJU_NUONUO_APP_KEY", ""),
        "app_secret": env("ANJU_NUONUO_APP_SECRET", ""),
        "access_token": env("ANJU_NUONUO_ACCESS_TOKEN", ""),
        "seller_tax_number": env("ANJU_NUONUO_SELLER_TAX_NUMBER", ""),
        "seller_phone": env("ANJU_NUONUO_SELLER_PHONE", ""),
        "seller_address": env("ANJU_NUONUO_SELLER_ADDRESS", ""),
        "clerk": env("ANJU_NUONUO_CLERK", ""),
        "goods_code": env("ANJU_NUONUO_GOODS_CODE", "3040801010000000000"),
        "invoice_line": env("ANJU_NUONUO_INVOICE_LINE", "pc"),
        # blank: https://sdk.nuonuo.com/open/v1/services (sandbox: https://sandbox.nuonuocs.cn/...)
        "url": env("ANJU_NUONUO_URL", ""),
    }
    if env("ANJU_NUONUO_APP_KEY")
    else {}
)

# Notification adapters: "log" writes to the log only; replace with real gateways in production.
# SMS (core.sms): anju.core.sms.LogSmsBackend (default: one "sms <phone> <text>" line on the
# anju.sms logger), anju.core.sms.AliyunSmsBackend or anju.core.sms.TencentSmsBackend.
ANJU_SMS_BACKEND = env("ANJU_SMS_BACKEND", "anju.core.sms.LogSmsBackend")


def env_json(name, default):
    """A JSON variable of the default's type (an object here), or ImproperlyConfigured."""
    value = os.environ.get(name)
    if value in (None, ""):
        return default
    try:
        parsed = json.loads(value)
    except ValueError:
        parsed = None
    if not isinstance(parsed, type(default)):
        raise ImproperlyConfigured(f"{name}={value!r}: a JSON {type(default).__name__}")
    return parsed


# Template key (code, invite, notice) -> the provider's template id, or {"id": ..., "params":
# [names in order]}; a message without a key goes out through "notice" (core.sms).
ANJU_SMS_TEMPLATES = env_json("ANJU_SMS_TEMPLATES", {})
ANJU_SMS_PARAM_MAX_CHARS = env_int("ANJU_SMS_PARAM_MAX_CHARS", 35)
ANJU_ALIYUN_SMS = {
    "access_key_id": env("ANJU_ALIYUN_SMS_ACCESS_KEY_ID", ""),
    "access_key_secret": env("ANJU_ALIYUN_SMS_ACCESS_KEY_SECRET", ""),
    "sign_name": env("ANJU_ALIYUN_SMS_SIGN_NAME", ""),
    "region": env("ANJU_ALIYUN_SMS_REGION", "cn-hangzhou"),
    "endpoint": env("ANJU_ALIYUN_SMS_ENDPOINT", "https://dysmsapi.aliyuncs.com/"),
}
ANJU_TENCENT_SMS = {
    "secret_id": env("ANJU_TENCENT_SMS_SECRET_ID", ""),
    "secret_key": env("ANJU_TENCENT_SMS_SECRET_KEY", ""),
    "sdk_app_id": env("ANJU_TENCENT_SMS_SDK_APP_ID", ""),
    "sign_name": env("ANJU_TENCENT_SMS_SIGN_NAME", ""),
    "region": env("ANJU_TENCENT_SMS_REGION", "ap-guangzhou"),
    "endpoint": env("ANJU_TENCENT_SMS_ENDPOINT", "https://sms.tencentcloudapi.com/"),
}
# Every call to an outside service (SMS gateways, WeChat) gives up after this many seconds.
ANJU_OUTBOUND_TIMEOUT_SECONDS = env_int("ANJU_OUTBOUND_TIMEOUT_SECONDS", 10)

# WeChat (core.wechat): the official account (公众号) signs residents in on /app/ through web
# OAuth, the mini program through /api/v1/auth/wechat/miniapp/; subscribe messages reach
# mini-program users. Empty app ids turn each part off.
ANJU_WECHAT_MP = {
    "appid": env("ANJU_WECHAT_MP_APPID", env("ANJU_WECHAT_APPID", "")),
    "secret": env("ANJU_WECHAT_MP_SECRET", ""),
}
ANJU_WECHAT_MINIAPP = {
    "appid": env("ANJU_WECHAT_MINIAPP_APPID", ""),
    "secret": env("ANJU_WECHAT_MINIAPP_SECRET", ""),
}
ANJU_WECHAT_API_BASE = env("ANJU_WECHAT_API_BASE", "https://api.weixin.qq.com")
ANJU_WECHAT_AUTHORIZE_URL = env(
    "ANJU_WECHAT_AUTHORIZE_URL", "https://open.weixin.qq.com/connect/oauth2/authorize"
)
ANJU_WECHAT_OAUTH_SCOPE = env("ANJU_WECHAT_OAUTH_SCOPE", "snsapi_base")
if ANJU_WECHAT_OAUTH_SCOPE not in ("snsapi_base", "snsapi_userinfo"):
    raise ImproperlyConfigured("ANJU_WECHAT_OAUTH_SCOPE must be snsapi_base or snsapi_userinfo")
# Inside WeChat, /app/login/ starts the WeChat login by itself.
ANJU_WECHAT_AUTO_LOGIN = env_bool("ANJU_WECHAT_AUTO_LOGIN", False)
# Seconds a login's state (and an unbound openid waiting in the session) and a mini-program
# bind ticket stay valid.
ANJU_WECHAT_STATE_SECONDS = env_int("ANJU_WECHAT_STATE_SECONDS", 600)
ANJU_WECHAT_BIND_TICKET_SECONDS = env_int("ANJU_WECHAT_BIND_TICKET_SECONDS", 600)
# Subscribe messages (小程序订阅消息): the template, its fields ({"thing1": "title", "thing2":
# "body", "time3": "time"}), the page opened ("{link}" is replaced by the message's link) and
# the mini program's state (formal, trial, developer).
ANJU_WECHAT_SUBSCRIBE_TEMPLATE_ID = env("ANJU_WECHAT_SUBSCRIBE_TEMPLATE_ID", "")
ANJU_WECHAT_SUBSCRIBE_FIELDS = env_json(
    "ANJU_WECHAT_SUBSCRIBE_FIELDS", {"thing1": "title", "thing2": "body", "time3": "time"}
)
ANJU_WECHAT_SUBSCRIBE_PAGE = env("ANJU_WECHAT_SUBSCRIBE_PAGE", "pages/index/index?link={link}")
ANJU_WECHAT_MINIPROGRAM_STATE = env("ANJU_WECHAT_MINIPROGRAM_STATE", "formal")
ANJU_EMAIL_BACKEND = env("ANJU_EMAIL_BACKEND", "anju.core.notifications.LogEmailBackend")
EMAIL_BACKEND = env("EMAIL_BACKEND", "django.core.mail.backends.console.EmailBackend")

# Domain settings (DOMAIN.md): every business number that is not a constant, typed and bounded,
# from the environment (anju/domain_settings.py; the README's "Domain settings" table).
globals().update(domain_settings.load())

# API input (core.api.parsers, core.api.middleware): a request body other than an upload is at
# most this many bytes (uploads: ANJU_UPLOAD_*), a JSON body nests at most this deep.
ANJU_API_MAX_BODY_BYTES = env_int("ANJU_API_MAX_BODY_BYTES", 5 * 1024 * 1024)
ANJU_API_MAX_JSON_DEPTH = env_int("ANJU_API_MAX_JSON_DEPTH", 20)
# Django's own limit on a body it reads into memory (file uploads excluded) follows it.
DATA_UPLOAD_MAX_MEMORY_SIZE = ANJU_API_MAX_BODY_BYTES

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"plain": {"format": "%(asctime)s %(levelname)s %(name)s %(message)s"}},
    "handlers": {"console": {"class": "logging.StreamHandler", "formatter": "plain"}},
    "root": {"handlers": ["console"], "level": env("LOG_LEVEL", "WARNING")},
    "loggers": {"anju": {"level": env("ANJU_LOG_LEVEL", "INFO"), "propagate": True}},
}
