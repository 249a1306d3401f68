"""Configuration classes, read from the environment when the app is created.

``create_app()`` picks the class named by ``INTEGRITY_CONFIG`` (default, test, production).
Nothing here reads the environment at import time: each class is built by ``load()``.
"""
from __future__ import annotations

import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent
DEV_SECRET = "dev-secret-not-for-production"  # noqa: S105 - refused by ProductionConfig


def normalise_db_url(url: str) -> str:
    """A plain ``postgresql://`` URL works as given: use the psycopg 3 driver we install."""
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix):]
    return url


def checked_public_base_url(url: str) -> str:
    """``PUBLIC_BASE_URL``: http(s)://host[:port][/path], nothing else (it is printed on every PDF)."""
    from urllib.parse import urlsplit
    parts = urlsplit(url or "")
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment or "@" in parts.netloc:
        raise RuntimeError(f"PUBLIC_BASE_URL must be http(s)://host[:port][/path], not {url!r}")
    return url.rstrip("/")


class Config:
    """Settings shared by every environment. Domain rules read their numbers from here."""

    SECRET_KEY = DEV_SECRET
    SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True}
    WTF_CSRF_TIME_LIMIT = None
    BABEL_DEFAULT_LOCALE = "zh_CN"
    TIME_ZONE = "Asia/Shanghai"                     # the one clock (core.clock): "today" everywhere
    BABEL_DEFAULT_TIMEZONE = "Asia/Shanghai"         # set to TIME_ZONE by create_app (core.clock.init_app)
    LANGUAGES = ("zh_CN", "en")
    MAX_CONTENT_LENGTH = 20 * 1024 * 1024          # uploads and imports (413 beyond)
    UPLOAD_MAX_BYTES = 10 * 1024 * 1024             # one evidence file
    UPLOAD_QUOTA_BYTES = 100 * 1024 * 1024          # per user in any 24 hours (0 = no quota)
    DRAFT_ATTACHMENT_HOURS = 24                     # unclaimed draft attachments older than this are cleaned up
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    SESSION_COOKIE_SECURE = False
    REMEMBER_COOKIE_DURATION = 0
    IDLE_TIMEOUT_MINUTES = 30
    ABSOLUTE_TIMEOUT_HOURS = 12
    PASSWORD_MIN_LENGTH = 8
    PASSWORD_REQUIRE_CLASSES = 3                    # 等保 2.0: three of four classes
    PASSWORD_MAX_AGE_DAYS = 90                      # 等保 2.0; 0 turns it off (ASVS)
    LOGIN_MAX_FAILURES = 5
    LOGIN_LOCK_MINUTES = 15
    TOTP_REQUIRED_ROLES = ("hr", "sysadmin", "auditor", "secadmin")
    API_TOKEN_DAYS = 90                             # a new API token expires after this many days (0: never)
    FRESH_LOGIN_MINUTES = 15                        # sensitive acts re-ask the password after this
    TRUSTED_PROXIES = 0                             # reverse proxies in front whose X-Forwarded-For counts
    TOTP_ENFORCE = True
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_LOGIN = "20 per minute"
    RATELIMIT_API = "600 per minute"
    REDIS_URL: str | None = None
    MAIL_SERVER: str | None = None
    MAIL_PORT = 25
    MAIL_FROM = "noreply@integrity.local"
    # the address people reach the application at (activation slips, the SSO redirect URI)
    PUBLIC_BASE_URL = "http://127.0.0.1:5000"
    # single sign-on (OpenID Connect, core/accounts/sso.py): on when issuer, client id and secret are set
    OIDC_ISSUER: str | None = None
    OIDC_CLIENT_ID: str | None = None
    OIDC_CLIENT_SECRET: str | None = None
    OIDC_DISCOVERY_URL: str | None = None         # default <OIDC_ISSUER>/.well-known/openid-configuration
    OIDC_PERSON_CLAIM = "id_number"               # the claim holding the 公民身份号码
    OIDC_SCOPES = "openid profile"
    OIDC_TOKEN_AUTH = "client_secret_basic"  # noqa: S105 - a method name; or client_secret_post
    OIDC_CLOCK_SKEW_SECONDS = 120
    OIDC_TIMEOUT_SECONDS = 10
    OIDC_TRUST_PROVIDER_MFA = True                # an asserted MFA replaces our own TOTP step
    OIDC_MFA_AMR = ("mfa", "otp", "hwk", "swk", "sms", "fpt", "face", "iris")
    OIDC_MFA_ACR: tuple = ()                      # acr values that mean "multi-factor" at this provider
    # activation codes (core/accounts/activation.py)
    ACTIVATION_DAYS = 30
    ACTIVATION_MAX_FAILURES = 5                   # wrong answers for one person, then a lockout
    ACTIVATION_LOCK_MINUTES = 30
    RATELIMIT_ACTIVATE = "10 per minute"          # per IP address, and again per person
    SMS_GATEWAY_URL: str | None = None            # a plain HTTP POST of SMS_GATEWAY_TEMPLATE
    SMS_GATEWAY_TEMPLATE = '{"phone": "{phone}", "message": "{message}"}'
    SMS_GATEWAY_TOKEN: str | None = None          # sent as "Authorization: Bearer …" when set
    # Keys for personal data; Production requires them from the environment.
    ID_ENCRYPTION_KEYS = ""      # comma-separated Fernet keys, newest first (rotation)
    ID_HASH_KEY = ""
    AUDIT_CHECKPOINT_KEY = ""
    AUDIT_CHECKPOINT_EVERY = 1000
    AUDIT_RETENTION_DAYS = 180
    # witness of the audit chain outside the database (core/audit/witness.py): None = instance/audit-witness.log,
    # "" = off; AUDIT_WITNESS_SYSLOG: "1" (/dev/log), a socket path or host:port (UDP)
    AUDIT_WITNESS_PATH: str | None = None
    AUDIT_WITNESS_SYSLOG = ""
    AUDIT_WITNESS_GRACE_SECONDS = 300
    # the address printed in PDFs and QR codes (verification links); never taken from the Host header
    PUBLIC_BASE_URL = "http://127.0.0.1:5000"
    # Domain settings (see archive/rules/ and training/rules.py for every key)
    INTEGRITY_HOURS_PER_YEAR = 6
    QUIZ_ATTEMPTS_PER_DAY = 3       # online quiz attempts per person, course and day (configured zone); 0 = no limit
    ANNUAL_TRAINING_HOURS = 0
    OBJECTION_WINDOW_DAYS = 30
    OBJECTION_DEADLINE_DAYS = 30
    EXCELLENT_QUOTA = 0.20
    HOLIDAYS: tuple = ()            # public holidays (dates) skipped by working-day deadlines
    MAKEUP_WORKDAYS: tuple = ()     # 调休 weekend days that are working days
    PDF_FONT_STACK = '"Noto Serif CJK SC", "Noto Serif CJK", serif'
    PDF_HEADING_FONT_STACK = '"Noto Sans CJK SC", "Noto Sans CJK", sans-serif'
    # optional PDF signing (core/pdf_sign.py): PKCS#12, or PEM key + certificate; off when unset
    PDF_SIGNING_PKCS12: str | None = None
    PDF_SIGNING_KEY: str | None = None
    PDF_SIGNING_CERT: str | None = None
    PDF_SIGNING_CHAIN: str | None = None      # CA certificate file(s), comma-separated
    PDF_SIGNING_PASSPHRASE: str | None = None  # from the environment only
    PDF_SIGNING_LOCATION: str | None = None
    JOB_HEARTBEAT_SECONDS = 15      # a running job stamps jobs.heartbeat_at this often
    JOB_DEAD_AFTER_SECONDS = 120    # ... and without a stamp for this long its worker is taken for dead
    RQ_QUEUE = "integrity"
    WORKER_MEMORY_MB = 4096         # RLIMIT_DATA of `flask worker` (imports, batch prints); 0 = unlimited
    IMPORT_SYNC_ROWS = 5000         # larger Excel imports run as a background job with a progress bar
    EXPORT_FRESH_ROWS = 1000        # exports above this need a fresh login (SECURITY.md)
    EXPORT_MAX_ROWS = 200_000
    FRESH_LOGIN_MINUTES = 15
    CREDIT_SOURCE_CODE = "IA"       # prefix of stable record ids sent to the credit platform
    CREDIT_EXPORT_ID_NUMBER = "hash"  # "hash" (PIPL minimisation) or "full"
    PDF_PRINT_PROCESSES: int | None = None   # renderers per batch print job (default: 2 under RQ, 1 in-process)
    RECORD_ITEMS: tuple = ()        # 事项 list of misconduct records; empty = the built-in list
    DEMO_PASSWORD = "Demo@2026!"  # noqa: S105 - demo accounts only, printed by make run
    TESTING = False

    @classmethod
    def load(cls) -> dict:
        values = {k: getattr(cls, k) for k in dir(cls) if k.isupper()}
        env = os.environ
        for key in ("SECRET_KEY", "REDIS_URL", "MAIL_SERVER", "ID_ENCRYPTION_KEYS", "ID_HASH_KEY",
                    "AUDIT_CHECKPOINT_KEY", "PDF_SIGNING_CERT", "PDF_SIGNING_KEY", "PDF_SIGNING_PKCS12",
                    "PDF_SIGNING_CHAIN", "PDF_SIGNING_PASSPHRASE", "PDF_SIGNING_LOCATION", "TIME_ZONE", "RATELIMIT_STORAGE_URI", "CREDIT_EXPORT_ID_NUMBER",
                    "AUDIT_WITNESS_PATH", "AUDIT_WITNESS_SYSLOG",
                    "PUBLIC_BASE_URL", "OIDC_ISSUER", "OIDC_CLIENT_ID", "OIDC_CLIENT_SECRET", "OIDC_DISCOVERY_URL",
                    "OIDC_PERSON_CLAIM", "OIDC_SCOPES", "OIDC_TOKEN_AUTH", "SMS_GATEWAY_URL",
                    "SMS_GATEWAY_TEMPLATE", "SMS_GATEWAY_TOKEN", "MAIL_FROM", "RQ_QUEUE"):
            if env.get(key):
                values[key] = env[key]
        for key in ("INTEGRITY_HOURS_PER_YEAR", "ANNUAL_TRAINING_HOURS", "IDLE_TIMEOUT_MINUTES", "WORKER_MEMORY_MB",
                    "PASSWORD_MAX_AGE_DAYS", "PASSWORD_MIN_LENGTH", "TRUSTED_PROXIES", "MAIL_PORT",
                    "OIDC_CLOCK_SKEW_SECONDS", "ACTIVATION_DAYS", "QUIZ_ATTEMPTS_PER_DAY"):
            if env.get(key):
                values[key] = int(env[key])
        for key in ("OIDC_MFA_AMR", "OIDC_MFA_ACR"):
            if env.get(key) is not None:
                values[key] = tuple(v for v in env[key].replace(",", " ").split() if v)
        for key in ("TOTP_ENFORCE", "RATELIMIT_ENABLED", "OIDC_TRUST_PROVIDER_MFA"):
            if env.get(key):
                values[key] = env[key].lower() in ("1", "true", "yes", "on")
        if values.get("REDIS_URL") and not env.get("RATELIMIT_STORAGE_URI"):
            values["RATELIMIT_STORAGE_URI"] = values["REDIS_URL"]
        values["PUBLIC_BASE_URL"] = checked_public_base_url(values["PUBLIC_BASE_URL"])
        values["SQLALCHEMY_DATABASE_URI"] = normalise_db_url(cls.database_url(env))
        values["INSTANCE_DIR"] = str(Path(env.get("INTEGRITY_INSTANCE_DIR", BASE_DIR / "instance")))
        values.setdefault("UPLOAD_DIR", str(Path(values["INSTANCE_DIR"]) / "uploads"))
        return values

    @classmethod
    def database_url(cls, env) -> str:
        return env.get("DATABASE_URL") or f"sqlite:///{BASE_DIR / 'instance' / 'integrity.db'}"


class DefaultConfig(Config):
    """The embedded default: SQLite under instance/, in-process jobs, no variables needed."""


class TestConfig(Config):
    TESTING = True
    WTF_CSRF_ENABLED = False
    RATELIMIT_ENABLED = False
    PASSWORD_MAX_AGE_DAYS = 0
    PASSWORD_HASH_FAST = True
    JOBS_SYNCHRONOUS = True
    PUBLIC_BASE_URL = "http://localhost"
    AUDIT_WITNESS_PATH = ""         # tests empty the tables between tests: the witness tests give their own file

    @classmethod
    def database_url(cls, env) -> str:
        return env.get("TEST_DATABASE_URL") or "sqlite://"


class ProductionConfig(Config):
    SESSION_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"

    @classmethod
    def load(cls) -> dict:
        values = super().load()
        missing = [k for k in ("SECRET_KEY", "ID_ENCRYPTION_KEYS", "ID_HASH_KEY", "AUDIT_CHECKPOINT_KEY")
                   if not values.get(k) or values[k] == DEV_SECRET]
        if missing:
            raise RuntimeError(f"Production configuration needs {', '.join(missing)} in the environment")
        if not os.environ.get("DATABASE_URL"):
            raise RuntimeError("Production configuration needs DATABASE_URL")
        if not os.environ.get("PUBLIC_BASE_URL"):
            raise RuntimeError("Production configuration needs PUBLIC_BASE_URL (the address printed in PDFs)")
        return values


CONFIGS = {"default": DefaultConfig, "test": TestConfig, "production": ProductionConfig}


def load_config(name: str | None = None) -> dict:
    name = name or os.environ.get("INTEGRITY_CONFIG", "default")
    return CONFIGS[name].load()
