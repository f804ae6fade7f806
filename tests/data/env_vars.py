"""A labelled table of realistic Lambda environment variables for `lambda-env-no-secrets` (issue 8 item 4): half
benign, half secret, many shapes. Secrets are fake and generated here from a fixed seed (never real ones); vendor
prefixes are split so that the source file itself does not trip secret scanners.

`ROWS` is a list of `Row(name, value, secret, marked)`; `marked` rows are values the program marks secret
(`Output.secret`, `require_secret`, `secure:` config), which reach the pack as secret-marked values.
"""

from __future__ import annotations

import base64
import random
import string
from typing import NamedTuple


class Row(NamedTuple):
    name: str
    value: str
    secret: bool
    marked: bool = False


_rnd = random.Random(20261125)
ACCOUNT = "123456789012"


def alnum(n: int) -> str:
    return "".join(_rnd.choice(string.ascii_letters + string.digits) for _ in range(n))


def lower_alnum(n: int) -> str:
    return "".join(_rnd.choice(string.ascii_lowercase + string.digits) for _ in range(n))


def upper_alnum(n: int) -> str:
    return "".join(_rnd.choice(string.ascii_uppercase + string.digits) for _ in range(n))


def hexs(n: int) -> str:
    return "".join(_rnd.choice("0123456789abcdef") for _ in range(n))


def b64(nbytes: int) -> str:
    return base64.b64encode(_rnd.randbytes(nbytes)).decode()


def urlsafe(nbytes: int) -> str:
    return base64.urlsafe_b64encode(_rnd.randbytes(nbytes)).decode().rstrip("=")


def password(n: int = 16) -> str:
    return "".join(_rnd.choice(string.ascii_letters + string.digits + "!#$%^*-_+") for _ in range(n))


def uuid() -> str:
    h = hexs(32)
    return f"{h[:8]}-{h[8:12]}-4{h[13:16]}-a{h[17:20]}-{h[20:]}"


def word_password() -> str:
    return (
        _rnd.choice(["Summer", "Winter", "Dragon", "Monkey", "Sunshine", "Football"])
        + str(_rnd.randint(10, 2099))
        + "!"
    )


def jwt() -> str:
    header = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').decode().rstrip("=")
    claims = base64.urlsafe_b64encode(b'{"sub":"svc-orders","iat":1732500000}').decode().rstrip("=")
    return f"{header}.{claims}.{urlsafe(32)}"


def pem() -> str:
    kind = "RSA " + "PRIVATE KEY"
    return f"-----BEGIN {kind}-----\\n{b64(48)}\\n-----END {kind}-----"


def secret_arn(name: str) -> str:
    return f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:{name}-{alnum(6)}"


def ssm_arn(path: str) -> str:
    return f"arn:aws:ssm:eu-west-1:{ACCOUNT}:parameter{path}"


S = "s" + "k"  # vendor prefixes, split
BENIGN: list[Row] = [
    # numbers, booleans, durations, sizes, ports, log levels, whatever the name
    Row("TOKEN_TTL_SECONDS", "3600", False),
    Row("AUTH_TOKEN_TTL", "900", False),
    Row("REFRESH_TOKEN_LIFETIME", "7d", False),
    Row("SESSION_TIMEOUT", "30m", False),
    Row("TOKEN_EXPIRY", "15m", False),
    Row("PASSWORD_MIN_LENGTH", "12", False),
    Row("PASSWORD_MAX_AGE_DAYS", "90", False),
    Row("SECRET_ROTATION_DAYS", "30", False),
    Row("API_KEY_REQUIRED", "true", False),
    Row("TOKEN_CACHE_ENABLED", "false", False),
    Row("SECRET_CACHE", "on", False),
    Row("API_TOKEN", "disabled", False),
    Row("PASSWORD_HASH_ROUNDS", "12", False),
    Row("SECRET_KEY_RING_SIZE", "3", False),
    Row("AUTH_RETRY_DELAY", "250ms", False),
    Row("TOKEN_REFRESH_INTERVAL", "PT5M", False),
    Row("CREDENTIALS_REFRESH", "1h30m", False),
    Row("SECRET_BUFFER", "512MB", False),
    Row("MEMORY_LIMIT", "1GiB", False),
    Row("LOG_LEVEL", "INFO", False),
    Row("POWERTOOLS_LOG_LEVEL", "DEBUG", False),
    Row("AUTH_LOG_LEVEL", "warn", False),
    Row("SECRETS_LOG_LEVEL", "error", False),
    Row("DB_PORT", "5432", False),
    Row("REDIS_PORT", "6379", False),
    Row("MAX_RETRIES", "3", False),
    Row("BATCH_SIZE", "25", False),
    Row("SAMPLE_RATE", "0.05", False),
    # the AWS Parameters and Secrets Lambda extension's own settings
    Row("PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED", "true", False),
    Row("PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE", "1000", False),
    Row("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", "2773", False),
    Row("PARAMETERS_SECRETS_EXTENSION_MAX_CONNECTIONS", "3", False),
    Row("PARAMETERS_SECRETS_EXTENSION_LOG_LEVEL", "info", False),
    Row("SECRETS_MANAGER_TTL", "300", False),
    Row("SSM_PARAMETER_STORE_TTL", "300", False),
    Row("SECRETS_MANAGER_TIMEOUT_MILLIS", "0", False),
    Row("SSM_PARAMETER_STORE_TIMEOUT_MILLIS", "0", False),
    # references: ARNs, parameter paths, secret names
    Row("DB_SECRET_ARN", secret_arn("prod/orders/db"), False),
    Row("STRIPE_SECRET_ARN", secret_arn("prod/stripe"), False),
    Row("DD_API_KEY_SECRET_ARN", secret_arn("datadog/api-key"), False),
    Row("JWT_SIGNING_KEY_PARAM", ssm_arn("/prod/jwt/signing-key"), False),
    Row("DB_PASSWORD_PARAM", "/prod/db/password", False),
    Row("API_KEY", "/prod/vendor/api-key", False),
    Row("CLIENT_SECRET_PARAMETER", "/orders/prod/oauth/client-secret", False),
    Row("DB_SECRET", "prod/orders/db-credentials", False),
    Row("GITHUB_TOKEN_SECRET", "ci/github-token", False),
    Row("DB_CREDENTIALS", "prod/rds/orders", False),
    Row("API_KEY_SECRET_NAME", "vendor/api-key", False),
    Row("SECRET_ID", "prod/orders/db", False),
    Row("SLACK_TOKEN", secret_arn("slack/bot-token"), False),
    Row("KMS_KEY_ARN", f"arn:aws:kms:us-east-1:{ACCOUNT}:key/{uuid()}", False),
    Row("ENCRYPTION_KEY", f"arn:aws:kms:us-east-1:{ACCOUNT}:alias/orders-data", False),
    Row("PRIVATE_KEY_PATH", "/opt/keys/service.pem", False),
    Row("DB_PASSWORD", "{{resolve:secretsmanager:prod/orders/db:SecretString:password}}", False),
    # plain URLs without credentials
    Row("QUEUE_URL", f"https://sqs.us-east-1.amazonaws.com/{ACCOUNT}/orders", False),
    Row("API_BASE_URL", "https://api.example.com/v1", False),
    Row("REDIS_URL", "redis://orders-cache.abc123.ng.0001.use1.cache.amazonaws.com:6379/0", False),
    Row("TOKEN_ENDPOINT", "https://auth.example.com/oauth2/token", False),
    Row("PASSWORD_RESET_URL", "https://app.example.com/account/reset", False),
    Row("AUTH_TOKEN_URL", "https://login.example.com/oauth/token?audience=orders-api", False),
    Row("JWKS_URL", "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Ab12Cd34E/.well-known/jwks.json", False),
    Row("OTEL_EXPORTER_OTLP_ENDPOINT", "http://localhost:4317", False),
    Row("SECRETS_ENDPOINT", "http://localhost:2773/secretsmanager/get?secretId=prod/orders/db", False),
    Row("API_GATEWAY_URL", "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod", False),
    Row("ALLOWED_ORIGINS", "https://shop.example.com,https://admin.example.com", False),
    Row("AUTH_AUDIENCE", "api://orders", False),
    Row("DATABASE_URL", "postgres://orders-db.cluster-cxyz.us-east-1.rds.amazonaws.com:5432/orders", False),
    # resource names, hosts, identifiers, settings
    Row("TABLE_NAME", "orders-prod", False),
    Row("BUCKET", "acme-orders-invoices-prod", False),
    Row("EVENT_BUS_NAME", "orders-bus", False),
    Row("STATE_MACHINE_ARN", f"arn:aws:states:us-east-1:{ACCOUNT}:stateMachine:checkout", False),
    Row("TOPIC_ARN", f"arn:aws:sns:us-east-1:{ACCOUNT}:order-events", False),
    Row("DATABASE_HOST", "orders.cluster-cxyz.us-east-1.rds.amazonaws.com", False),
    Row("DB_USER", "orders_app", False),
    Row("DB_NAME", "orders", False),
    Row("STAGE", "prod", False),
    Row("AWS_REGION_OVERRIDE", "eu-west-1", False),
    Row("ACCOUNT_ID", ACCOUNT, False),
    Row("KMS_KEY_ID", uuid(), False),
    Row("SIGNING_KEY_ID", uuid(), False),
    Row("COGNITO_USER_POOL_ID", "us-east-1_Ab12Cd34E", False),
    Row("COGNITO_CLIENT_ID", lower_alnum(26), False),
    Row("GIT_SHA", hexs(40), False),
    Row("BUILD_COMMIT", hexs(40), False),
    Row("ARTIFACT_CHECKSUM", hexs(64), False),
    Row("RELEASE_VERSION", "1.4.2", False),
    Row("POWERTOOLS_SERVICE_NAME", "orders", False),
    Row("POWERTOOLS_METRICS_NAMESPACE", "Shop", False),
    Row("OTEL_SERVICE_NAME", "orders-api", False),
    Row("DD_SITE", "datadoghq.com", False),
    Row("DD_ENV", "prod", False),
    Row("SENTRY_ENVIRONMENT", "production", False),
    Row("SUPPORT_EMAIL", "support@example.com", False),
    Row("AUTH_MODE", "iam", False),
    Row("AUTH_PROVIDER", "cognito", False),
    Row("JWT_ALGORITHM", "RS256", False),
    Row("ENCRYPTION_ALGORITHM", "AES256", False),
    Row("PASSWORD_POLICY", "strict", False),
    Row("SESSION_COOKIE_NAME", "sid", False),
    Row("API_KEY_HEADER", "X-Api-Key", False),
    Row("CORS_ALLOW_HEADERS", "Content-Type,Authorization,X-Api-Key", False),
    Row("TZ", "UTC", False),
    Row("LANG", "en_US.UTF-8", False),
    Row("NODE_OPTIONS", "--enable-source-maps", False),
    Row("JAVA_TOOL_OPTIONS", "-XX:+TieredCompilation -XX:TieredStopAtLevel=1", False),
    Row("AWS_LAMBDA_EXEC_WRAPPER", "/opt/otel-instrument", False),
    Row("AWS_NODEJS_CONNECTION_REUSE_ENABLED", "1", False),
    Row("FEATURE_FLAGS", "checkout,search,recommendations", False),
    Row("VPC_CIDR", "10.0.0.0/16", False),
    Row("EGRESS_IPS", "203.0.113.10,203.0.113.11", False),
    Row("NAT_IPV6", "2001:db8::/56", False),
    Row("CACHE_KEY_PREFIX", "orders:v2:", False),
    Row("S3_OBJECT_KEY", "exports/2026/orders.csv", False),
    Row("SECRET_STORE", "secretsmanager", False),
    Row("TOKEN_ISSUER", "https://auth.example.com/", False),
    Row("CREDENTIALS_PROVIDER", "container", False),
    Row("PASSWORD_REGEX", "^(?=.*[A-Z])(?=.*[0-9]).{12,}$", False),
    Row("OAUTH_SCOPES", "openid profile email", False),
    Row("TOKEN_AUDIENCE", "orders-api", False),
    Row("CSRF_COOKIE_SECURE", "true", False),
    Row("API_TOKEN_HEADER", "Authorization", False),
    Row("SENTRY_DSN", "https://" + hexs(32) + "@o450000.ingest.sentry.io/5500000", False),
    Row("HEALTHCHECK_PATH", "/healthz", False),
    Row("SECRETS_PREFIX", "prod/orders/", False),
    Row("TOKEN_SIGNING_ALG", "ES256", False),
    Row("SECRET_VERSION_STAGE", "AWSCURRENT", False),
    Row("PASSWORD", "", False),
    Row("TOKEN", "none", False),
]

SECRET: list[Row] = [
    # passwords and generic secrets under secret names
    Row("DB_PASSWORD", password(16), True),
    Row("POSTGRES_PASSWORD", word_password(), True),
    Row("MYSQL_ROOT_PASSWORD", password(20), True),
    Row("REDIS_PASSWORD", alnum(24), True),
    Row("SMTP_PASSWORD", password(12), True),
    Row("ADMIN_PASS", "hunter2", True),
    Row("RABBITMQ_PASS", alnum(12), True),
    Row("LDAP_BIND_PASSWORD", word_password(), True),
    Row("KEYSTORE_PASSPHRASE", password(24), True),
    Row("dbPassword", password(14), True),
    Row("db-password", "changeme", True),
    Row("JWT_SECRET", urlsafe(48), True),
    Row("SESSION_SECRET", alnum(32), True),
    Row("COOKIE_SECRET", hexs(32), True),
    Row("APP_SECRET_KEY", alnum(50), True),
    Row("DJANGO_SECRET_KEY", "django-insecure-" + password(40), True),
    Row("ENCRYPTION_KEY", b64(32), True),
    Row("HMAC_KEY", hexs(64), True),
    Row("SIGNING_KEY", b64(32), True),
    Row("WEBHOOK_SECRET", alnum(24), True),
    Row("CLIENT_SECRET", alnum(40), True),
    Row("OAUTH_CLIENT_SECRET", lower_alnum(51), True),
    Row("API_KEY", uuid(), True),
    Row("VENDOR_API_KEY", alnum(32), True),
    Row("PARTNER_APIKEY", lower_alnum(40), True),
    Row("MAPS_KEY", alnum(20), True),
    Row("LICENSE_KEY", upper_alnum(25), True),
    Row("NEW_RELIC_LICENSE_KEY", hexs(40), True),
    Row("DATADOG_API_KEY", hexs(32), True),
    Row("DD_APP_KEY", hexs(40), True),
    Row("ALGOLIA_ADMIN_KEY", hexs(32), True),
    Row("AUTH_TOKEN", urlsafe(24), True),
    Row("BEARER_TOKEN", alnum(40), True),
    Row("ACCESS_TOKEN", jwt(), True),
    Row("REFRESH_TOKEN", urlsafe(32), True),
    Row("SERVICE_TOKEN", "svc_" + alnum(30), True),
    Row("SENTRY_AUTH_TOKEN", "sntrys_" + alnum(40), True),
    Row("CREDENTIALS", '{"user":"orders","password":"' + password(14) + '"}', True),
    Row("DB_CREDS", "orders:" + password(12), True),
    Row("PASSWORD_SALT", hexs(16), True),
    Row("TOKEN_PEPPER", alnum(16), True),
    Row("PRIVATE_KEY", pem(), True),
    Row("SSH_PRIVATE_KEY", pem(), True),
    Row("SECRET", alnum(10), True),
    Row("SECRET_KEY_BASE", hexs(128), True),
    Row("CLOUDFLARE_API_TOKEN", urlsafe(30), True),
    Row("HEROKU_API_KEY", uuid(), True),
    Row("SHOPIFY_ACCESS_TOKEN", "shp" + "at_" + hexs(32), True),
    Row("AZURE_CLIENT_SECRET", alnum(8) + "~" + alnum(31), True),
    Row("BASIC_AUTH_CREDENTIALS", "admin:s3cret", True),
    Row("SMTP_CREDENTIALS", "mailer:" + word_password(), True),
    Row("MQ_PASSWORD", "Orders-" + alnum(8), True),
    Row("ZENDESK_TOKEN", alnum(40), True),
    Row("PAGERDUTY_ROUTING_KEY", hexs(32), True),
    Row("SEGMENT_WRITE_KEY", alnum(32), True),
    Row("AIRTABLE_API_KEY", "pat" + alnum(14) + "." + hexs(64), True),
    Row("HUBSPOT_ACCESS_TOKEN", "pat-na1-" + uuid(), True),
    # vendor formats (caught whatever the name)
    Row("AWS_ACCESS_KEY_ID", "AKIA" + upper_alnum(16), True),
    Row("AWS_SECRET_ACCESS_KEY", b64(30), True),
    Row("STRIPE_SECRET_KEY", S + "_live_" + alnum(24), True),
    Row("STRIPE_WEBHOOK_SECRET", "whsec_" + alnum(32), True),
    Row("GITHUB_TOKEN", "gh" + "p_" + alnum(36), True),
    Row("GH_PAT", "github" + "_pat_" + alnum(22) + "_" + alnum(59), True),
    Row("GITLAB_TOKEN", "gl" + "pat-" + alnum(20), True),
    Row(
        "SLACK_BOT_TOKEN",
        "xo" + "xb-" + str(_rnd.randint(10**11, 10**12)) + "-" + str(_rnd.randint(10**12, 10**13)) + "-" + alnum(24),
        True,
    ),
    Row("SENDGRID_API_KEY", "S" + "G." + urlsafe(16)[:22] + "." + urlsafe(32)[:43], True),
    Row("TWILIO_AUTH_TOKEN", hexs(32), True),
    Row("TWILIO_API_KEY", "S" + "K" + hexs(32), True),
    Row("OPENAI_API_KEY", S + "-" + alnum(20) + "T3Blbk" + "FJ" + alnum(20), True),
    Row("NPM_TOKEN", "np" + "m_" + alnum(36), True),
    Row("PYPI_TOKEN", "py" + "pi-AgEIcHlwaS5vcmc" + urlsafe(50), True),
    Row("MAILCHIMP_API_KEY", hexs(32) + "-us6", True),
    Row("TELEGRAM_BOT_TOKEN", str(_rnd.randint(10**8, 10**9)) + ":AA" + urlsafe(26)[:33], True),
    Row("GOOGLE_API_KEY", "AI" + "za" + urlsafe(27)[:35], True),
    Row("ID_TOKEN", jwt(), True),
    # secrets under names that say nothing
    Row("VENDOR", alnum(32), True),
    Row("UPSTREAM", S + "_live_" + alnum(24), True),
    Row("CI_HELPER", "gh" + "p_" + alnum(36), True),
    Row(
        "NOTIFY", "https://hooks.slack.com/services/T" + upper_alnum(8) + "/B" + upper_alnum(8) + "/" + alnum(24), True
    ),
    Row(
        "BACKEND",
        "postgres://orders:" + password(12).replace("#", "x").replace("%", "y") + "@db.internal:5432/orders",
        True,
    ),
    Row("CACHE", "redis://:" + alnum(32) + "@orders-cache.internal:6379/0", True),
    Row("CONFIG_BLOB", b64(48), True),
    Row("SEED", hexs(64), True),
    Row("KEYS", "AKIA" + upper_alnum(16) + "," + b64(30), True),
    Row("AUTH", "Bearer " + jwt(), True),
    Row("PEER", pem(), True),
    Row("X", urlsafe(40), True),
    # credentials carried by URLs and connection strings
    Row(
        "DATABASE_URL",
        "postgresql://app:" + alnum(16) + "@orders.cluster-cxyz.us-east-1.rds.amazonaws.com/orders",
        True,
    ),
    Row("MONGODB_URI", "mongodb+srv://orders:" + alnum(14) + "@cluster0.ab1cd.mongodb.net/orders", True),
    Row("REDIS_URL", "redis://:" + alnum(20) + "@orders-cache.internal:6379", True),
    Row("REDIS_TLS_URL", "rediss://default:" + alnum(24) + "@cache.example.com:6380", True),
    Row("AMQP_URL", "amqps://orders:" + alnum(16) + "@b-1234.mq.us-east-1.amazonaws.com:5671", True),
    Row("ELASTICSEARCH_URL", "https://elastic:" + alnum(20) + "@search.example.com:9243", True),
    Row("SMTP_URL", "smtp://apikey:" + alnum(24) + "@smtp.example.com:587", True),
    Row("FTP_ENDPOINT", "ftp://upload:" + alnum(10) + "@ftp.partner.example.com/in", True),
    Row("WEBHOOK_URL", "https://partner.example.com/hooks/orders?token=" + alnum(32), True),
    Row("CALLBACK", "https://api.example.com/cb?api_key=" + alnum(24), True),
    Row(
        "DISCORD_WEBHOOK",
        "https://discord.com/api/webhooks/" + str(_rnd.randint(10**17, 10**18)) + "/" + urlsafe(51),
        True,
    ),
    Row("PRESIGNED_EXPORT", "https://acme.s3.amazonaws.com/x.csv?X-Amz-Signature=" + hexs(64), True),
    Row(
        "AZURE_STORAGE_CONNECTION_STRING",
        "DefaultEndpointsProtocol=https;AccountName=acmeorders;AccountKey="
        + b64(64)
        + ";EndpointSuffix=core.windows.net",
        True,
    ),
    Row("SQLSERVER", "Server=tcp:orders,1433;Database=orders;User Id=app;Password=" + alnum(16) + ";", True),
    Row(
        "SERVICE_BUS",
        "Endpoint=sb://acme.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey=" + b64(32),
        True,
    ),
    Row("JDBC", "jdbc:postgresql://db:5432/orders?user=app&password=" + alnum(14), True),
    # values the program marked secret (Output.secret / require_secret / secure: config)
    Row("GREETING", "hello-world", True, marked=True),
    Row("DB_HOST", "orders.internal", True, marked=True),
    Row("TENANT", "acme", True, marked=True),
    Row("FLAGS", "a,b,c", True, marked=True),
    Row("PORT_NUMBER", "8080", True, marked=True),
    Row("MODE", "fast", True, marked=True),
]

ROWS: list[Row] = BENIGN + SECRET
