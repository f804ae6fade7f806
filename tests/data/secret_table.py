"""The developer-owned labelled table of Lambda environment variables for secret detection (issue 8 item 4, issue 17
item 3): benign values of many shapes (settings, references, URLs without credentials, public keys, host-key and
certificate fingerprints, certificate pins, hashes, identifiers, keys that are public by design) and secrets of many
shapes (passwords and passphrases, every major vendor's key format, private keys, JWTs, HTTP Basic/Bearer header
values, URLs and connection strings carrying a credential in any character set).

Every value is fake and generated here from a fixed seed (never a real credential). Public keys, certificates and
fingerprints are built with their real structure (DER, the SSH wire format, OpenPGP packets) so that a detector that
checks the structure is tested on realistic material. Vendor prefixes and PEM labels are split so that the source
file itself does not trip secret scanners.

`ROWS` is a list of `Row(id, name, value, secret, marked)`. `id` is `<section>:<NAME>` (with `#2`, `#3` for a name
repeated in a section): stable, and the only thing a test prints about a row, never the value. `marked` rows are
values the program marks secret (`Output.secret`, `require_secret`, `secure:` config), which reach the pack as
secret-marked values.
"""

from __future__ import annotations

import base64
import hashlib
import json
import random
import string
import struct
from collections import Counter
from typing import NamedTuple


class Row(NamedTuple):
    id: str
    name: str
    value: str
    secret: bool
    marked: bool = False

    def __repr__(self) -> str:
        """The id only: a failing test (or `--showlocals`) never prints a value of the table."""
        return f"Row({self.id!r})"


_rnd = random.Random(20261125)
ACCOUNT = "123456789012"


# --- random material -------------------------------------------------------------------------------------------
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


def urlchars(n: int) -> str:
    return "".join(_rnd.choice(string.ascii_letters + string.digits + "_-") for _ in range(n))


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


def jwt(claims: bytes = b'{"sub":"svc-orders","iat":1732500000}') -> str:
    header = base64.urlsafe_b64encode(b'{"alg":"HS256","typ":"JWT"}').decode().rstrip("=")
    body = base64.urlsafe_b64encode(claims).decode().rstrip("=")
    return f"{header}.{body}.{urlsafe(32)}"


def bech32(n: int) -> str:
    return "".join(_rnd.choice("qpzry9x8gf2tvdw0s3jn54khce6mua7l") for _ in range(n))


def jwk_rsa_public(der: bytes) -> dict[str, str]:
    modulus = base64.urlsafe_b64encode(der[-262:-5]).decode().rstrip("=")
    return {"kty": "RSA", "kid": hexs(8), "use": "sig", "alg": "RS256", "n": modulus, "e": "AQAB"}


def pkcs8_der() -> bytes:
    """The shape of an unencrypted PKCS#8 private key: SEQUENCE {INTEGER 0, AlgorithmIdentifier, OCTET STRING}."""
    return _seq(_int(b"\x00"), _seq(_OID_RSA, _NULL), _der(0x04, _rnd.randbytes(600)))


def secret_arn(name: str) -> str:
    return f"arn:aws:secretsmanager:us-east-1:{ACCOUNT}:secret:{name}-{alnum(6)}"


def ssm_arn(path: str) -> str:
    return f"arn:aws:ssm:eu-west-1:{ACCOUNT}:parameter{path}"


# --- DER (public keys, certificates) ---------------------------------------------------------------------------
def _der(tag: int, content: bytes) -> bytes:
    n = len(content)
    if n < 0x80:
        length = bytes([n])
    else:
        raw = n.to_bytes((n.bit_length() + 7) // 8, "big")
        length = bytes([0x80 | len(raw)]) + raw
    return bytes([tag]) + length + content


def _seq(*parts: bytes) -> bytes:
    return _der(0x30, b"".join(parts))


def _int(value: bytes) -> bytes:
    return _der(0x02, (b"\x00" + value) if value[0] & 0x80 else value)


def _bits(value: bytes) -> bytes:
    return _der(0x03, b"\x00" + value)


_OID_RSA = bytes.fromhex("06092a864886f70d010101")
_OID_EC = bytes.fromhex("06072a8648ce3d0201")
_OID_P256 = bytes.fromhex("06082a8648ce3d030107")
_OID_ED25519 = bytes.fromhex("06032b6570")
_OID_SHA256_RSA = bytes.fromhex("06092a864886f70d01010b")
_OID_CN = bytes.fromhex("0603550403")
_NULL = b"\x05\x00"


def _modulus(nbytes: int = 256) -> bytes:
    return bytes([0x80 | _rnd.randrange(256)]) + _rnd.randbytes(nbytes - 2) + bytes([_rnd.randrange(256) | 1])


def rsa_pkcs1() -> bytes:
    return _seq(_int(_modulus()), _int(b"\x01\x00\x01"))


def spki_rsa() -> bytes:
    return _seq(_seq(_OID_RSA, _NULL), _bits(rsa_pkcs1()))


def spki_p256() -> bytes:
    return _seq(_seq(_OID_EC, _OID_P256), _bits(b"\x04" + _rnd.randbytes(64)))


def spki_ed25519() -> bytes:
    return _seq(_seq(_OID_ED25519), _bits(_rnd.randbytes(32)))


def _name(cn: str) -> bytes:
    return _seq(_der(0x31, _seq(_OID_CN, _der(0x0C, cn.encode()))))


def certificate(cn: str, issuer: str) -> bytes:
    validity = _seq(_der(0x17, b"260101000000Z"), _der(0x17, b"270101000000Z"))
    tbs = _seq(
        _der(0xA0, _int(b"\x02")),
        _int(_rnd.randbytes(16)),
        _seq(_OID_SHA256_RSA, _NULL),
        _name(issuer),
        validity,
        _name(cn),
        spki_rsa(),
    )
    return _seq(tbs, _seq(_OID_SHA256_RSA, _NULL), _bits(_rnd.randbytes(256)))


def pem(label: str, der: bytes, newline: str = "\n") -> str:
    """A PEM block; `newline="\\\\n"` gives the escaped form a JSON or .env file puts in one line."""
    body = base64.b64encode(der).decode()
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return newline.join([f"-----BEGIN {label}-----", *lines, f"-----END {label}-----"])


# --- SSH public keys (RFC 4253 wire format) --------------------------------------------------------------------
def _sshstr(value: bytes) -> bytes:
    return struct.pack(">I", len(value)) + value


def _mpint(value: bytes) -> bytes:
    return _sshstr((b"\x00" + value) if value[0] & 0x80 else value)


def ssh_blob(kind: str) -> bytes:
    if kind == "ssh-ed25519":
        return _sshstr(kind.encode()) + _sshstr(_rnd.randbytes(32))
    if kind == "ssh-rsa":
        return _sshstr(kind.encode()) + _mpint(b"\x01\x00\x01") + _mpint(_modulus(384))
    if kind == "ecdsa-sha2-nistp256":
        return _sshstr(kind.encode()) + _sshstr(b"nistp256") + _sshstr(b"\x04" + _rnd.randbytes(64))
    if kind == "sk-ssh-ed25519@openssh.com":
        return _sshstr(kind.encode()) + _sshstr(_rnd.randbytes(32)) + _sshstr(b"ssh:")
    raise ValueError(kind)


def ssh_pub(kind: str, comment: str = "", blob: bytes | None = None) -> str:
    text = f"{kind} {base64.b64encode(blob or ssh_blob(kind)).decode()}"
    return f"{text} {comment}" if comment else text


def sha256_fp(blob: bytes) -> str:
    return "SHA256:" + base64.b64encode(hashlib.sha256(blob).digest()).decode().rstrip("=")


def colon_hex(digest: bytes, upper: bool = False) -> str:
    text = ":".join(f"{b:02x}" for b in digest)
    return text.upper() if upper else text


# --- OpenPGP (RFC 4880 packets and ASCII armor) ----------------------------------------------------------------
def _crc24(data: bytes) -> int:
    crc = 0xB704CE
    for byte in data:
        crc ^= byte << 16
        for _ in range(8):
            crc <<= 1
            if crc & 0x1000000:
                crc ^= 0x1864CFB
    return crc & 0xFFFFFF


def _mpi(value: bytes) -> bytes:
    return struct.pack(">H", int.from_bytes(value, "big").bit_length()) + value


def pgp_public_block(uid: str) -> str:
    key = b"\x04" + struct.pack(">I", 1767225600) + b"\x01" + _mpi(_modulus(256)) + _mpi(b"\x01\x00\x01")
    packets = b"\x99" + struct.pack(">H", len(key)) + key + b"\xb4" + bytes([len(uid)]) + uid.encode()
    body = base64.b64encode(packets).decode()
    checksum = base64.b64encode(_crc24(packets).to_bytes(3, "big")).decode()
    label = "PGP PUBLIC KEY BLOCK"
    lines = [body[i : i + 64] for i in range(0, len(body), 64)]
    return "\n".join([f"-----BEGIN {label}-----", "", *lines, f"={checksum}", f"-----END {label}-----"])


# --- table building --------------------------------------------------------------------------------------------
def _section(tag: str, secret: bool, entries: list[tuple[str, str]], marked: bool = False) -> list[Row]:
    """Rows with ids `<tag>:<NAME>`, `#n` appended when a name repeats in the section."""
    seen: Counter[str] = Counter()
    rows = []
    for name, value in entries:
        seen[name] += 1
        suffix = f"#{seen[name]}" if seen[name] > 1 else ""
        rows.append(Row(f"{tag}:{name}{suffix}", name, value, secret, marked))
    return rows


S = "s" + "k"  # vendor prefixes, split
PRIV = "PRIVATE" + " KEY"
RSA_SPKI, EC_SPKI, ED_SPKI = spki_rsa(), spki_p256(), spki_ed25519()
CA_CERT = certificate("Acme Orders Root CA", "Acme Orders Root CA")
LEAF_CERT = certificate("partner.example.com", "Acme Orders Root CA")
SSH_ED, SSH_RSA, SSH_ECDSA = ssh_blob("ssh-ed25519"), ssh_blob("ssh-rsa"), ssh_blob("ecdsa-sha2-nistp256")


def spki_pin(der: bytes) -> str:
    return base64.b64encode(hashlib.sha256(der).digest()).decode()


BENIGN: list[Row] = [
    # numbers, booleans, durations, sizes, ports, log levels, whatever the name
    *_section(
        "setting",
        False,
        [
            ("TOKEN_TTL_SECONDS", "3600"),
            ("AUTH_TOKEN_TTL", "900"),
            ("REFRESH_TOKEN_LIFETIME", "7d"),
            ("SESSION_TIMEOUT", "30m"),
            ("TOKEN_EXPIRY", "15m"),
            ("PASSWORD_MIN_LENGTH", "12"),
            ("PASSWORD_MAX_AGE_DAYS", "90"),
            ("SECRET_ROTATION_DAYS", "30"),
            ("API_KEY_REQUIRED", "true"),
            ("TOKEN_CACHE_ENABLED", "false"),
            ("SECRET_CACHE", "on"),
            ("API_TOKEN", "disabled"),
            ("PASSWORD_HASH_ROUNDS", "12"),
            ("SECRET_KEY_RING_SIZE", "3"),
            ("AUTH_RETRY_DELAY", "250ms"),
            ("TOKEN_REFRESH_INTERVAL", "PT5M"),
            ("CREDENTIALS_REFRESH", "1h30m"),
            ("SECRET_BUFFER", "512MB"),
            ("MEMORY_LIMIT", "1GiB"),
            ("LOG_LEVEL", "INFO"),
            ("POWERTOOLS_LOG_LEVEL", "DEBUG"),
            ("AUTH_LOG_LEVEL", "warn"),
            ("SECRETS_LOG_LEVEL", "error"),
            ("DB_PORT", "5432"),
            ("REDIS_PORT", "6379"),
            ("MAX_RETRIES", "3"),
            ("BATCH_SIZE", "25"),
            ("SAMPLE_RATE", "0.05"),
            ("PASSWORD_RESET_ENABLED", "true"),
            ("PASSWORD_HISTORY", "5"),
            # the AWS Parameters and Secrets Lambda extension's own settings
            ("PARAMETERS_SECRETS_EXTENSION_CACHE_ENABLED", "true"),
            ("PARAMETERS_SECRETS_EXTENSION_CACHE_SIZE", "1000"),
            ("PARAMETERS_SECRETS_EXTENSION_HTTP_PORT", "2773"),
            ("PARAMETERS_SECRETS_EXTENSION_MAX_CONNECTIONS", "3"),
            ("PARAMETERS_SECRETS_EXTENSION_LOG_LEVEL", "info"),
            ("SECRETS_MANAGER_TTL", "300"),
            ("SSM_PARAMETER_STORE_TTL", "300"),
            ("SECRETS_MANAGER_TIMEOUT_MILLIS", "0"),
            ("SSM_PARAMETER_STORE_TIMEOUT_MILLIS", "0"),
        ],
    ),
    # references: ARNs, parameter paths, secret names
    *_section(
        "ref",
        False,
        [
            ("DB_SECRET_ARN", secret_arn("prod/orders/db")),
            ("STRIPE_SECRET_ARN", secret_arn("prod/stripe")),
            ("DD_API_KEY_SECRET_ARN", secret_arn("datadog/api-key")),
            ("JWT_SIGNING_KEY_PARAM", ssm_arn("/prod/jwt/signing-key")),
            ("DB_PASSWORD_PARAM", "/prod/db/password"),
            ("API_KEY", "/prod/vendor/api-key"),
            ("CLIENT_SECRET_PARAMETER", "/orders/prod/oauth/client-secret"),
            ("DB_SECRET", "prod/orders/db-credentials"),
            ("GITHUB_TOKEN_SECRET", "ci/github-token"),
            ("DB_CREDENTIALS", "prod/rds/orders"),
            ("API_KEY_SECRET_NAME", "vendor/api-key"),
            ("SECRET_ID", "prod/orders/db"),
            ("SLACK_TOKEN", secret_arn("slack/bot-token")),
            ("KMS_KEY_ARN", f"arn:aws:kms:us-east-1:{ACCOUNT}:key/{uuid()}"),
            ("ENCRYPTION_KEY", f"arn:aws:kms:us-east-1:{ACCOUNT}:alias/orders-data"),
            ("PRIVATE_KEY_PATH", "/opt/keys/service.pem"),
            ("DB_PASSWORD", "{{resolve:secretsmanager:prod/orders/db:SecretString:password}}"),
            ("DB_PASSWORD", "/prod/orders/db/password"),
            ("REDIS_PASSWORD", secret_arn("prod/orders/redis")),
            ("ADMIN_PASSWORD", "prod/orders/admin-password"),
            ("MQ_PASSWORD", ssm_arn("/prod/mq/password")),
        ],
    ),
    # plain URLs without credentials (some with `@` or `:` that are not userinfo)
    *_section(
        "url",
        False,
        [
            ("QUEUE_URL", f"https://sqs.us-east-1.amazonaws.com/{ACCOUNT}/orders"),
            ("API_BASE_URL", "https://api.example.com/v1"),
            ("REDIS_URL", "redis://orders-cache.abc123.ng.0001.use1.cache.amazonaws.com:6379/0"),
            ("TOKEN_ENDPOINT", "https://auth.example.com/oauth2/token"),
            ("PASSWORD_RESET_URL", "https://app.example.com/account/reset"),
            ("AUTH_TOKEN_URL", "https://login.example.com/oauth/token?audience=orders-api"),
            ("JWKS_URL", "https://cognito-idp.us-east-1.amazonaws.com/us-east-1_Ab12Cd34E/.well-known/jwks.json"),
            ("OTEL_EXPORTER_OTLP_ENDPOINT", "http://localhost:4317"),
            ("SECRETS_ENDPOINT", "http://localhost:2773/secretsmanager/get?secretId=prod/orders/db"),
            ("API_GATEWAY_URL", "https://a1b2c3d4e5.execute-api.us-east-1.amazonaws.com/prod"),
            ("ALLOWED_ORIGINS", "https://shop.example.com,https://admin.example.com"),
            ("AUTH_AUDIENCE", "api://orders"),
            ("DATABASE_URL", "postgres://orders-db.cluster-cxyz.us-east-1.rds.amazonaws.com:5432/orders"),
            ("DATABASE_URL", "postgres://orders_app@orders-db.internal:5432/orders"),
            ("REDIS_URL", "redis://default@orders-cache.internal:6379/0"),
            ("REPO_URL", "ssh://git@github.com/acme/orders.git"),
            ("GIT_REMOTE", "git@github.com:acme/orders.git"),
            ("AUTHOR_PAGE", "https://medium.com/@acme-engineering"),
            ("NPM_REGISTRY_URL", "https://registry.example.com:4873/@acme/orders-client"),
            ("CONTACT", "mailto:security@example.com"),
            ("HEALTH_URL", "https://[2001:db8::10]:8443/healthz"),
            ("SEARCH_URL", "https://search.example.com/q?term=a:b@c&page=2"),
            (
                "AUTHORIZE_URL",
                "https://auth.example.com/authorize?client_id=orders-web&response_type=code&scope=openid",
            ),
            ("KAFKA_BOOTSTRAP", "b-1.orders.abc123.c2.kafka.us-east-1.amazonaws.com:9094"),
            ("COMMIT_URL", "https://github.com/acme/orders/commit/" + hexs(40)),
            ("ARTIFACT_URL", "https://artifacts.example.com/orders/" + hashlib.sha256(b"orders-1.4.2").hexdigest()),
            ("DOCS_URL", "https://docs.example.com/#/auth/tokens"),
            ("S3_URI", "s3://acme-orders-exports/2026/11/"),
            ("MONGODB_URI", "mongodb://mongo-1.internal:27017,mongo-2.internal:27017/orders?replicaSet=rs0"),
            ("MONGO_URL", "mongodb://orders_app@mongo-1.internal:27017,mongo-2.internal:27017/orders?authSource=admin"),
            ("ERROR_MESSAGE", "Token validation failed"),
        ],
    ),
    # resource names, hosts, identifiers, settings
    *_section(
        "name",
        False,
        [
            ("TABLE_NAME", "orders-prod"),
            ("BUCKET", "acme-orders-invoices-prod"),
            ("EVENT_BUS_NAME", "orders-bus"),
            ("STATE_MACHINE_ARN", f"arn:aws:states:us-east-1:{ACCOUNT}:stateMachine:checkout"),
            ("TOPIC_ARN", f"arn:aws:sns:us-east-1:{ACCOUNT}:order-events"),
            ("LAYER_ARN", "arn:aws:lambda:us-east-1:017000801446:layer:AWSLambdaPowertoolsPythonV3-python312-x86_64:7"),
            ("DATABASE_HOST", "orders.cluster-cxyz.us-east-1.rds.amazonaws.com"),
            ("DB_USER", "orders_app"),
            ("DB_NAME", "orders"),
            ("STAGE", "prod"),
            ("AWS_REGION_OVERRIDE", "eu-west-1"),
            ("RELEASE_VERSION", "1.4.2"),
            ("POWERTOOLS_SERVICE_NAME", "orders"),
            ("POWERTOOLS_METRICS_NAMESPACE", "Shop"),
            ("OTEL_SERVICE_NAME", "orders-api"),
            ("DD_SITE", "datadoghq.com"),
            ("DD_ENV", "prod"),
            ("SENTRY_ENVIRONMENT", "production"),
            ("SUPPORT_EMAIL", "support@example.com"),
            ("AUTH_MODE", "iam"),
            ("AUTH_PROVIDER", "cognito"),
            ("JWT_ALGORITHM", "RS256"),
            ("ENCRYPTION_ALGORITHM", "AES256"),
            ("PASSWORD_POLICY", "strict"),
            ("SESSION_COOKIE_NAME", "sid"),
            ("API_KEY_HEADER", "X-Api-Key"),
            ("CORS_ALLOW_HEADERS", "Content-Type,Authorization,X-Api-Key"),
            ("TZ", "UTC"),
            ("LANG", "en_US.UTF-8"),
            ("NODE_OPTIONS", "--enable-source-maps"),
            ("JAVA_TOOL_OPTIONS", "-XX:+TieredCompilation -XX:TieredStopAtLevel=1"),
            ("AWS_LAMBDA_EXEC_WRAPPER", "/opt/otel-instrument"),
            ("AWS_NODEJS_CONNECTION_REUSE_ENABLED", "1"),
            ("FEATURE_FLAGS", "checkout,search,recommendations"),
            ("VPC_CIDR", "10.0.0.0/16"),
            ("EGRESS_IPS", "203.0.113.10,203.0.113.11"),
            ("NAT_IPV6", "2001:db8::/56"),
            ("CACHE_KEY_PREFIX", "orders:v2:"),
            ("S3_OBJECT_KEY", "exports/2026/orders.csv"),
            ("SECRET_STORE", "secretsmanager"),
            ("TOKEN_ISSUER", "https://auth.example.com/"),
            ("CREDENTIALS_PROVIDER", "container"),
            ("PASSWORD_REGEX", "^(?=.*[A-Z])(?=.*[0-9]).{12,}$"),
            ("OAUTH_SCOPES", "openid profile email"),
            ("TOKEN_AUDIENCE", "orders-api"),
            ("CSRF_COOKIE_SECURE", "true"),
            ("API_TOKEN_HEADER", "Authorization"),
            ("HEALTHCHECK_PATH", "/healthz"),
            ("SECRETS_PREFIX", "prod/orders/"),
            ("TOKEN_SIGNING_ALG", "ES256"),
            ("SECRET_VERSION_STAGE", "AWSCURRENT"),
            ("ECR_REPOSITORY", f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/orders"),
            ("AUTH_SCHEME", "Bearer"),
            ("WWW_AUTHENTICATE", 'Basic realm="orders", charset="UTF-8"'),
            ("AUTH_CHALLENGE", 'Bearer realm="orders", error="invalid_token"'),
            ("PASSWORD_HASHING", "argon2id"),
        ],
    ),
    # placeholders under password and token names: empty, a sentinel, an unrendered template, a mask
    *_section(
        "placeholder",
        False,
        [
            ("PASSWORD", ""),
            ("TOKEN", "none"),
            ("REDIS_PASSWORD", "none"),
            ("SMTP_PASSWORD", "${SMTP_PASSWORD}"),
            ("DB_PASSWORD", "<db-password>"),
            ("ADMIN_PASSWORD", "********"),
            ("API_TOKEN", "{{ api_token }}"),
        ],
    ),
    # public keys: PEM blocks (SPKI, PKCS#1, certificates, a CA bundle), OpenSSH and RFC 4716 keys, OpenPGP
    *_section(
        "pubkey",
        False,
        [
            ("JWT_PUBLIC_KEY", pem("PUBLIC KEY", RSA_SPKI)),
            ("JWT_VERIFY_KEY", pem("PUBLIC KEY", RSA_SPKI, "\\n")),
            ("SIGNING_KEY", pem("PUBLIC KEY", EC_SPKI)),
            ("WEBHOOK_VERIFICATION_KEY", pem("PUBLIC KEY", ED_SPKI)),
            ("LICENSE_PUBLIC_KEY", pem("RSA PUBLIC KEY", rsa_pkcs1(), "\\n")),
            ("PARTNER_KEY", pem("PUBLIC KEY", spki_rsa()).replace("\n", "")),
            ("CA_CERT", pem("CERTIFICATE", CA_CERT)),
            ("PARTNER_CERTIFICATE", pem("CERTIFICATE", LEAF_CERT, "\\n")),
            ("CA_BUNDLE", pem("CERTIFICATE", LEAF_CERT) + "\n" + pem("CERTIFICATE", CA_CERT)),
            ("SSH_PUBLIC_KEY", ssh_pub("ssh-ed25519", "deploy@ci", SSH_ED)),
            ("DEPLOY_KEY", ssh_pub("ssh-rsa", "orders-deploy", SSH_RSA)),
            ("SFTP_CLIENT_KEY", ssh_pub("ecdsa-sha2-nistp256", "", SSH_ECDSA)),
            ("SSH_KEY", ssh_pub("sk-ssh-ed25519@openssh.com", "ops@yubikey")),
            (
                "AUTHORIZED_KEYS",
                ssh_pub("ssh-ed25519", "alice@laptop") + "\n" + ssh_pub("ssh-rsa", "bob@workstation"),
            ),
            ("SFTP_KNOWN_HOSTS", "sftp.partner.example.com,203.0.113.7 " + ssh_pub("ssh-ed25519", "", SSH_ED)),
            (
                "KNOWN_HOSTS",
                f"|1|{b64(20)}|{b64(20)} " + ssh_pub("ecdsa-sha2-nistp256", "", SSH_ECDSA),
            ),
            (
                "SFTP_HOST_KEY",
                '---- BEGIN SSH2 PUBLIC KEY ----\\nComment: "sftp.partner.example.com"\\n'
                + base64.b64encode(SSH_ED).decode()
                + "\\n---- END SSH2 PUBLIC KEY ----",
            ),
            ("RELEASE_SIGNING_KEY", pgp_public_block("Acme Orders Release <release@example.com>")),
            ("GPG_PUBLIC_KEY", pgp_public_block("Ops <ops@example.com>").replace("\n", "\\n")),
            ("KMS_PUBLIC_KEY", base64.b64encode(spki_rsa()).decode()),
            ("SAML_IDP_CERT", base64.b64encode(certificate("idp.example.com", "idp.example.com")).decode()),
            ("JWKS", json.dumps({"keys": [jwk_rsa_public(RSA_SPKI), jwk_rsa_public(spki_rsa())]})),
            (
                "AUTHORIZER_KEY",
                json.dumps({"kty": "OKP", "crv": "Ed25519", "kid": "orders-1", "x": urlsafe(32)}),
            ),
            ("WG_PEER_PUBLIC_KEY", b64(32)),
            ("VAPID_PUBLIC_KEY", urlsafe(65)),
            ("AGE_RECIPIENT", "age1" + bech32(58)),
        ],
    ),
    # host-key and certificate fingerprints
    *_section(
        "fingerprint",
        False,
        [
            ("SFTP_HOST_KEY", sha256_fp(SSH_ED)),
            ("SSH_HOST_FINGERPRINT", sha256_fp(SSH_RSA)),
            ("KNOWN_HOST", "MD5:" + colon_hex(hashlib.md5(SSH_ECDSA).digest())),
            ("HOST_KEY_MD5", colon_hex(hashlib.md5(SSH_RSA).digest())),
            ("DEPLOY_KEY", "256 " + sha256_fp(SSH_ED) + " deploy@ci (ED25519)"),
            ("SSH_FINGERPRINTS", sha256_fp(SSH_ED) + "," + sha256_fp(SSH_ECDSA)),
            ("CERT_FINGERPRINT", colon_hex(hashlib.sha256(LEAF_CERT).digest(), upper=True)),
            ("CA_SHA1_FINGERPRINT", colon_hex(hashlib.sha1(CA_CERT).digest(), upper=True)),
            ("PARTNER_CERT_THUMBPRINT", hashlib.sha1(LEAF_CERT).hexdigest().upper()),
            ("TLS_KEY", "sha256 Fingerprint=" + colon_hex(hashlib.sha256(CA_CERT).digest(), upper=True)),
            ("GPG_KEY_FINGERPRINT", " ".join(hexs(4).upper() for _ in range(10))),
            ("GPG_KEY_ID", "0x" + hexs(16).upper()),
        ],
    ),
    # certificate pins: base64 SHA-256 of a SubjectPublicKeyInfo, HPKP headers, OkHttp's `sha256/` form
    *_section(
        "pin",
        False,
        [
            ("CERT_PIN", spki_pin(RSA_SPKI)),
            ("SPKI_PINS", spki_pin(RSA_SPKI) + "," + spki_pin(EC_SPKI)),
            ("TLS_PIN_SHA256", spki_pin(EC_SPKI)),
            (
                "PUBLIC_KEY_PINS",
                f'pin-sha256="{spki_pin(RSA_SPKI)}"; pin-sha256="{spki_pin(ED_SPKI)}"; max-age=5184000',
            ),
            (
                "HPKP_HEADER",
                f'pin-sha256="{spki_pin(EC_SPKI)}"; pin-sha256="{spki_pin(RSA_SPKI)}"; max-age=2592000; '
                "includeSubDomains",
            ),
            ("PINNED_KEY", "sha256/" + spki_pin(ED_SPKI)),
            ("OKHTTP_PINS", "sha256/" + spki_pin(RSA_SPKI) + " sha256/" + spki_pin(EC_SPKI)),
            ("PARTNER_PIN", "pin-sha256=" + spki_pin(RSA_SPKI)),
        ],
    ),
    # hashes and digests
    *_section(
        "hash",
        False,
        [
            ("GIT_SHA", hexs(40)),
            ("BUILD_COMMIT", hexs(40)),
            ("ARTIFACT_CHECKSUM", hexs(64)),
            ("COMMIT_SHA", hashlib.sha1(b"orders@1.4.2").hexdigest()),
            ("SOURCE_SHA256", hashlib.sha256(b"orders.zip").hexdigest()),
            ("LAYER_SHA512", hashlib.sha512(b"layer.zip").hexdigest()),
            ("CONTENT_HASH", hashlib.sha256(b"index.html").hexdigest()),
            ("BUNDLE_DIGEST", hashlib.md5(b"bundle.js").hexdigest()),
            ("PACKAGE_ETAG", '"' + hashlib.md5(b"pkg").hexdigest() + '"'),
            ("API_KEY_HASH", hashlib.sha256(b"not-a-key").hexdigest()),
            ("IMAGE", "sha256:" + hashlib.sha256(b"image").hexdigest()),
            (
                "IMAGE_URI",
                f"{ACCOUNT}.dkr.ecr.us-east-1.amazonaws.com/orders@sha256:" + hashlib.sha256(b"i2").hexdigest(),
            ),
            ("SCRIPT_INTEGRITY", "sha384-" + base64.b64encode(hashlib.sha384(b"app.js").digest()).decode()),
            ("LOCKFILE_INTEGRITY", "sha512-" + base64.b64encode(hashlib.sha512(b"left-pad").digest()).decode()),
            ("CODE_SHA256", base64.b64encode(hashlib.sha256(b"function.zip").digest()).decode()),
            ("MODEL_DIGEST", "sha256:" + hashlib.sha256(b"model.bin").hexdigest()),
            ("REVISION", hexs(12)),
        ],
    ),
    # identifiers: account, KMS, EC2, API, Cognito, CloudFront, Route 53, UUIDs
    *_section(
        "id",
        False,
        [
            ("ACCOUNT_ID", ACCOUNT),
            ("KMS_KEY_ID", uuid()),
            ("SIGNING_KEY_ID", uuid()),
            ("KMS_KEY", uuid()),
            ("DATA_KEY", "mrk-" + hexs(32)),
            ("KMS_MULTI_REGION_KEY_ID", "mrk-" + hexs(32)),
            ("COGNITO_USER_POOL_ID", "us-east-1_Ab12Cd34E"),
            ("COGNITO_CLIENT_ID", lower_alnum(26)),
            ("TENANT_ID", uuid()),
            ("CORRELATION", uuid()),
            ("VPC_ID", "vpc-0" + hexs(16)),
            ("SECURITY_GROUP", "sg-0" + hexs(16)),
            ("SUBNETS", "subnet-0" + hexs(16) + ",subnet-0" + hexs(16)),
            ("VPC_ENDPOINT", "vpce-0" + hexs(16)),
            ("AMI", "ami-0" + hexs(16)),
            ("REST_API_ID", lower_alnum(10)),
            ("DISTRIBUTION_ID", "E" + upper_alnum(13)),
            ("HOSTED_ZONE_ID", "Z0" + upper_alnum(19)),
            ("APPCONFIG_APPLICATION_ID", lower_alnum(7)),
            ("AZURE_CLIENT_ID", uuid()),
            (
                "GOOGLE_CLIENT_ID",
                str(_rnd.randint(10**11, 10**12)) + "-" + lower_alnum(32) + ".apps.googleusercontent.com",
            ),
            ("STRIPE_PRICE_ID", "price_" + alnum(24)),
            ("DATADOG_SITE", "us5.datadoghq.com"),
            ("SQS_MESSAGE_GROUP", "orders-" + lower_alnum(6)),
        ],
    ),
    # keys and DSNs that are public by design (publishable keys ship in browsers and apps)
    *_section(
        "publishable",
        False,
        [
            ("SENTRY_DSN", "https://" + hexs(32) + "@o450000.ingest.sentry.io/5500000"),
            ("STRIPE_PUBLISHABLE_KEY", "p" + "k_live_" + alnum(24)),
            ("STRIPE_KEY", "p" + "k_test_" + alnum(99)),
            ("MAPBOX_TOKEN", "p" + "k." + jwt(b'{"u":"acme","a":"clx0example"}').split(".", 1)[1]),
        ],
    ),
]

SECRET: list[Row] = [
    # passwords and generic secrets under secret names
    *_section(
        "password",
        True,
        [
            ("DB_PASSWORD", password(16)),
            ("POSTGRES_PASSWORD", word_password()),
            ("MYSQL_ROOT_PASSWORD", password(20)),
            ("REDIS_PASSWORD", alnum(24)),
            ("SMTP_PASSWORD", password(12)),
            ("ADMIN_PASS", "hunter2"),
            ("RABBITMQ_PASS", alnum(12)),
            ("LDAP_BIND_PASSWORD", word_password()),
            ("KEYSTORE_PASSPHRASE", password(24)),
            ("dbPassword", password(14)),
            ("db-password", "changeme"),
            ("JWT_SECRET", urlsafe(48)),
            ("SESSION_SECRET", alnum(32)),
            ("COOKIE_SECRET", hexs(32)),
            ("APP_SECRET_KEY", alnum(50)),
            ("DJANGO_SECRET_KEY", "django-insecure-" + password(40)),
            ("ENCRYPTION_KEY", b64(32)),
            ("HMAC_KEY", hexs(64)),
            ("SIGNING_KEY", b64(32)),
            ("WEBHOOK_SECRET", alnum(24)),
            ("CLIENT_SECRET", alnum(40)),
            ("OAUTH_CLIENT_SECRET", lower_alnum(51)),
            ("API_KEY", uuid()),
            ("VENDOR_API_KEY", alnum(32)),
            ("PARTNER_APIKEY", lower_alnum(40)),
            ("MAPS_KEY", alnum(20)),
            ("LICENSE_KEY", upper_alnum(25)),
            ("NEW_RELIC_LICENSE_KEY", hexs(40)),
            ("DATADOG_API_KEY", hexs(32)),
            ("DD_APP_KEY", hexs(40)),
            ("ALGOLIA_ADMIN_KEY", hexs(32)),
            ("AUTH_TOKEN", urlsafe(24)),
            ("BEARER_TOKEN", alnum(40)),
            ("ACCESS_TOKEN", jwt()),
            ("REFRESH_TOKEN", urlsafe(32)),
            ("SERVICE_TOKEN", "svc_" + alnum(30)),
            ("SENTRY_AUTH_TOKEN", "sntrys_" + alnum(40)),
            ("CREDENTIALS", '{"user":"orders","password":"' + password(14) + '"}'),
            ("DB_CREDS", "orders:" + password(12)),
            ("PASSWORD_SALT", hexs(16)),
            ("TOKEN_PEPPER", alnum(16)),
            ("SECRET", alnum(10)),
            ("SECRET_KEY_BASE", hexs(128)),
            ("CLOUDFLARE_API_TOKEN", urlsafe(30)),
            ("HEROKU_API_KEY", uuid()),
            ("AZURE_CLIENT_SECRET", alnum(8) + "~" + alnum(31)),
            ("BASIC_AUTH_CREDENTIALS", "admin:s3cret"),
            ("SMTP_CREDENTIALS", "mailer:" + word_password()),
            ("MQ_PASSWORD", "Orders-" + alnum(8)),
            ("ZENDESK_TOKEN", alnum(40)),
            ("PAGERDUTY_ROUTING_KEY", hexs(32)),
            ("SEGMENT_WRITE_KEY", alnum(32)),
            ("AIRTABLE_API_KEY", "pat" + alnum(14) + "." + hexs(64)),
            ("HUBSPOT_ACCESS_TOKEN", "pat-na1-" + uuid()),
            ("CF_API_TOKEN", urlchars(40)),
            ("OKTA_API_TOKEN", "00" + urlchars(40)),
            ("AUTH0_CLIENT_SECRET", urlchars(64)),
        ],
    ),
    # literal passwords and passphrases under PASSWORD-like names, in every shape a person types one
    *_section(
        "passphrase",
        True,
        [
            ("DB_PASSWORD", "correct horse battery staple"),
            ("KEYSTORE_PASSWORD", "correct-horse-battery-staple"),
            ("GPG_PASSPHRASE", "purple.monkey.dishwasher"),
            ("SMTP_PASSWORD", "hunter2 hunter2"),
            ("ROOT_PASSWORD", "Correct Horse Battery Staple"),
            ("LDAP_PASSWORD", "staple_battery_horse_correct"),
            ("ADMIN_PASSWORD", "CorrectHorseBatteryStaple"),
            ("PASSWORD", "12345678"),
            ("VOICEMAIL_PASSCODE", "482913"),
            ("PGPASSWORD", "orders"),
            ("MYSQL_PWD", "letmein"),
            ("SSH_KEY_PASSPHRASE", "the quick brown fox jumps over the lazy dog"),
            ("WIFI_PASSPHRASE", "Grüße aus München 2026"),
            ("BROKER_PASSWORD", "Tr0ub4dor&3"),
            ("KEYSTORE_PASS", "changeit"),
            ("ARCHIVE_PASSWORD", "orders-archive"),
        ],
    ),
    # vendor formats
    *_section(
        "vendor",
        True,
        [
            ("AWS_ACCESS_KEY_ID", "AK" + "IA" + upper_alnum(16)),
            ("AWS_SECRET_ACCESS_KEY", b64(30)),
            ("AWS_SESSION_TOKEN", "IQoJb3JpZ2luX2VjE" + b64(300)),
            ("STRIPE_SECRET_KEY", S + "_live_" + alnum(24)),
            ("STRIPE_WEBHOOK_SECRET", "wh" + "sec_" + alnum(32)),
            ("GITHUB_TOKEN", "gh" + "p_" + alnum(36)),
            ("GH_PAT", "github" + "_pat_" + alnum(22) + "_" + alnum(59)),
            ("GITLAB_TOKEN", "gl" + "pat-" + alnum(20)),
            (
                "SLACK_BOT_TOKEN",
                "xo"
                + "xb-"
                + str(_rnd.randint(10**11, 10**12))
                + "-"
                + str(_rnd.randint(10**12, 10**13))
                + "-"
                + alnum(24),
            ),
            ("SENDGRID_API_KEY", "S" + "G." + urlsafe(16)[:22] + "." + urlsafe(32)[:43]),
            ("TWILIO_AUTH_TOKEN", hexs(32)),
            ("TWILIO_API_KEY", "S" + "K" + hexs(32)),
            ("OPENAI_API_KEY", S + "-" + alnum(20) + "T3Blbk" + "FJ" + alnum(20)),
            ("NPM_TOKEN", "np" + "m_" + alnum(36)),
            ("PYPI_TOKEN", "py" + "pi-AgEIcHlwaS5vcmc" + urlsafe(50)),
            ("MAILCHIMP_API_KEY", hexs(32) + "-us6"),
            ("TELEGRAM_BOT_TOKEN", str(_rnd.randint(10**8, 10**9)) + ":AA" + urlsafe(26)[:33]),
            ("GOOGLE_API_KEY", "AI" + "za" + urlsafe(27)[:35]),
            ("ID_TOKEN", jwt()),
            ("GOOGLE_CLIENT_SECRET", "GOC" + "SPX-" + urlchars(28)),
            ("ANTHROPIC_API_KEY", S + "-ant-api03-" + urlchars(93) + "AA"),
            ("MAILGUN_API_KEY", hexs(32) + "-" + hexs(8) + "-" + hexs(8)),
            ("SHOPIFY_ACCESS_TOKEN", "shp" + "at_" + hexs(32)),
            ("DATADOG_APP_KEY", hexs(40)),
            ("AZURE_STORAGE_KEY", b64(64)),
            ("SQUARE_ACCESS_TOKEN", "EAAA" + urlchars(60)),
            ("VAULT_TOKEN", "hv" + "s." + urlchars(90)),
            ("HF_TOKEN", "h" + "f_" + alnum(34)),
            ("DIGITALOCEAN_TOKEN", "do" + "p_v1_" + hexs(64)),
            ("DOCKERHUB_TOKEN", "dck" + "r_pat_" + urlchars(27)),
            ("DATABRICKS_TOKEN", "da" + "pi" + hexs(32)),
            ("LINEAR_API_KEY", "lin" + "_api_" + alnum(40)),
            ("NEW_RELIC_API_KEY", "NR" + "AK-" + upper_alnum(27)),
            (
                "SLACK_APP_TOKEN",
                "xa" + "pp-1-A" + upper_alnum(10) + "-" + str(_rnd.randint(10**12, 10**13)) + "-" + hexs(64),
            ),
            ("SENDGRID_KEY", "S" + "G." + urlsafe(16)[:22] + "." + urlsafe(32)[:43]),
            ("GOOGLE_OAUTH_REFRESH_TOKEN", "1//0" + urlchars(100)),
            ("VAPID_PRIVATE_KEY", urlsafe(32)),
        ],
    ),
    # secrets under names that say nothing: the value's format has to tell
    *_section(
        "neutral",
        True,
        [
            ("VENDOR", alnum(32)),
            ("UPSTREAM", S + "_live_" + alnum(24)),
            ("CI_HELPER", "gh" + "p_" + alnum(36)),
            ("NOTIFY", "https://hooks.slack.com/services/T" + upper_alnum(8) + "/B" + upper_alnum(8) + "/" + alnum(24)),
            ("CONFIG_BLOB", b64(48)),
            ("SEED", hexs(64)),
            ("KEYS", "AK" + "IA" + upper_alnum(16) + "," + b64(30)),
            ("X", urlsafe(40)),
            ("BUILD_HELPER", "gh" + "s_" + alnum(36)),
            ("RELEASE_BOT", "gl" + "rt-" + urlchars(20)),
            ("PAYMENTS", "r" + "k_live_" + alnum(24)),
            ("PAYMENTS_SANDBOX", S + "_test_" + alnum(99)),
            ("MAILER", "S" + "G." + urlsafe(16)[:22] + "." + urlsafe(32)[:43]),
            ("GEO", "AI" + "za" + urlsafe(27)[:35]),
            ("LLM", S + "-proj-" + urlchars(40) + alnum(20) + "T3Blbk" + "FJ" + alnum(20)),
            ("ASSISTANT", S + "-ant-api03-" + urlchars(93) + "AA"),
            ("MAIL_PROVIDER", "key-" + hexs(32)),
            ("STOREFRONT", "shp" + "ss_" + hexs(32)),
            ("REGISTRY", "np" + "m_" + alnum(36)),
            ("UPLOAD", "py" + "pi-AgEIcHlwaS5vcmc" + urlsafe(60)),
            ("NPMRC", "//registry.npmjs.org/:_authToken=" + "np" + "m_" + alnum(36)),
            ("DIRECTORY", "AK" + "IA" + upper_alnum(16)),
            ("TEMP_CREDS", "AS" + "IA" + upper_alnum(16)),
            ("AAD", alnum(3) + "8Q~" + urlchars(34)),
            (
                "CHAT",
                "xo"
                + "xp-"
                + str(_rnd.randint(10**11, 10**12))
                + "-"
                + str(_rnd.randint(10**11, 10**12))
                + "-"
                + hexs(32),
            ),
            ("SMS", "S" + "K" + hexs(32)),
            ("SESSION", jwt()),
            ("NEWSLETTER", hexs(32) + "-us21"),
            ("BOT", str(_rnd.randint(10**8, 10**9)) + ":AA" + urlsafe(26)[:33]),
            ("DISCORD", "M" + urlchars(25) + "." + urlchars(6) + "." + urlchars(27)),
            ("GCP_OAUTH", "GOC" + "SPX-" + urlchars(28)),
            ("GCP_ACCESS", "ya" + "29." + urlchars(120)),
            ("SECRETS_BACKEND", "hv" + "s." + urlchars(90)),
            ("TF_CLOUD", alnum(14) + ".atlas" + "v1." + urlchars(67)),
            ("HUGGINGFACE", "h" + "f_" + alnum(34)),
            ("DROPLETS", "do" + "p_v1_" + hexs(64)),
            ("POSTMAN", "PM" + "AK-" + hexs(24) + "-" + hexs(34)),
            ("DOPPLER", "dp" + ".st.prd." + alnum(43)),
            ("CONFLUENCE", "ATAT" + "T3xFfGF0" + urlchars(180)),
            ("NOTION", "nt" + "n_" + alnum(46)),
            ("GRAFANA", "gl" + "sa_" + alnum(32) + "_" + hexs(8)),
            ("PAYMENTS_POS", "sq0" + "csp-" + urlchars(43)),
            ("HEROKU", "HR" + "KU-" + urlchars(60)),
            ("DOCKER", "dck" + "r_pat_" + urlchars(27)),
            ("SPARK", "da" + "pi" + hexs(32)),
            ("ALIYUN", "LT" + "AI" + alnum(20)),
            ("FINE_GRAINED", "github" + "_pat_" + alnum(22) + "_" + alnum(59)),
            ("CI_JOB", "gl" + "cbt-" + urlchars(20)),
            ("BACKUP_IDENTITY", "AGE-SECRET-" + "KEY-1" + bech32(58).upper()),
            (
                "AUTHORIZER_JWK",
                json.dumps({"kty": "EC", "crv": "P-256", "x": urlsafe(32), "y": urlsafe(32), "d": urlsafe(32)}),
            ),
            ("SESSION_JWK", json.dumps({"kty": "oct", "alg": "HS256", "k": urlsafe(32)})),
            # a known miss: a `user:password` pair under a name that says nothing and with no entropy to speak of
            ("MAILER_LOGIN", "mailer:" + word_password()),
        ],
    ),
    # private keys
    *_section(
        "pem",
        True,
        [
            ("PRIVATE_KEY", pem("RSA " + PRIV, _rnd.randbytes(600), "\\n")),
            ("SSH_PRIVATE_KEY", pem("OPENSSH " + PRIV, _rnd.randbytes(400))),
            ("PEER", pem("RSA " + PRIV, _rnd.randbytes(48), "\\n")),
            ("TLS_KEY", pem(PRIV, _rnd.randbytes(120))),
            ("JWT_SIGNING", pem("EC " + PRIV, _rnd.randbytes(121), "\\n")),
            ("PARTNER_IDENTITY", pem("ENCRYPTED " + PRIV, _rnd.randbytes(1200))),
            ("RELEASE_SIGNER", pem("PGP " + "PRIVATE KEY BLOCK", _rnd.randbytes(900))),
            ("CLIENT_BUNDLE", pem("CERTIFICATE", LEAF_CERT) + "\n" + pem(PRIV, _rnd.randbytes(1200))),
            ("SIGNER", base64.b64encode(pkcs8_der()).decode()),
            (
                "GOOGLE_APPLICATION_CREDENTIALS_JSON",
                json.dumps(
                    {
                        "type": "service_account",
                        "project_id": "acme-orders",
                        "private_key_id": hexs(40),
                        "private_key": pem(PRIV, _rnd.randbytes(1200)),
                        "client_email": "orders@acme-orders.iam.gserviceaccount.com",
                    }
                ),
            ),
        ],
    ),
    # HTTP Authorization header values (Basic, Bearer and vendor schemes), bare or in a header line or JSON
    *_section(
        "header",
        True,
        [
            ("UPSTREAM_AUTH_HEADER", "Basic " + base64.b64encode(b"svc-orders:" + password(14).encode()).decode()),
            ("PARTNER_AUTHORIZATION", "Basic " + base64.b64encode(b"orders:" + alnum(20).encode()).decode()),
            ("AUTH_HEADER", "Basic dXNlcjpwYXNzd29yZA=="),
            ("LEGACY_AUTH", "Basic " + base64.b64encode("kunde:Passwört-2026".encode()).decode()),
            ("PROXY_HEADER", "Proxy-Authorization: Basic " + base64.b64encode(b"proxy:" + alnum(12).encode()).decode()),
            (
                "EXTRA_HEADERS",
                json.dumps({"Authorization": "Basic " + base64.b64encode(b"api:" + hexs(24).encode()).decode()}),
            ),
            ("WEBHOOK_HEADER", "Authorization: Bearer " + urlchars(40)),
            ("UPSTREAM_HEADER", "Bearer " + urlchars(48)),
            ("DEFAULT_HEADERS", json.dumps({"Authorization": "Bearer " + jwt(), "Accept": "application/json"})),
            ("GH_AUTH_HEADER", "token " + hexs(40)),
            ("DISCORD_AUTH", "Bot " + "N" + urlchars(25) + "." + urlchars(6) + "." + urlchars(27)),
            ("OKTA_AUTH_HEADER", "SSWS 00" + urlchars(40)),
            ("HEC_AUTH", "Splunk " + uuid()),
            ("AUTH", "Bearer " + jwt()),
            ("MAILCHIMP_AUTH", "Basic " + base64.b64encode(b"anystring:" + hexs(32).encode() + b"-us6").decode()),
        ],
    ),
    # credentials carried by URLs and connection strings
    *_section(
        "url-cred",
        True,
        [
            (
                "BACKEND",
                "postgres://orders:" + password(12).replace("#", "x").replace("%", "y") + "@db.internal:5432/orders",
            ),
            ("CACHE", "redis://:" + alnum(32) + "@orders-cache.internal:6379/0"),
            (
                "DATABASE_URL",
                "postgresql://app:" + alnum(16) + "@orders.cluster-cxyz.us-east-1.rds.amazonaws.com/orders",
            ),
            ("MONGODB_URI", "mongodb+srv://orders:" + alnum(14) + "@cluster0.ab1cd.mongodb.net/orders"),
            ("REDIS_URL", "redis://:" + alnum(20) + "@orders-cache.internal:6379"),
            ("REDIS_TLS_URL", "rediss://default:" + alnum(24) + "@cache.example.com:6380"),
            ("AMQP_URL", "amqps://orders:" + alnum(16) + "@b-1234.mq.us-east-1.amazonaws.com:5671"),
            ("ELASTICSEARCH_URL", "https://elastic:" + alnum(20) + "@search.example.com:9243"),
            ("SMTP_URL", "smtp://apikey:" + alnum(24) + "@smtp.example.com:587"),
            ("FTP_ENDPOINT", "ftp://upload:" + alnum(10) + "@ftp.partner.example.com/in"),
            ("WEBHOOK_URL", "https://partner.example.com/hooks/orders?token=" + alnum(32)),
            ("CALLBACK", "https://api.example.com/cb?api_key=" + alnum(24)),
            (
                "DISCORD_WEBHOOK",
                "https://discord.com/api/webhooks/" + str(_rnd.randint(10**17, 10**18)) + "/" + urlsafe(51),
            ),
            ("PRESIGNED_EXPORT", "https://acme.s3.amazonaws.com/x.csv?X-Amz-Signature=" + hexs(64)),
            (
                "AZURE_STORAGE_CONNECTION_STRING",
                "DefaultEndpointsProtocol=https;AccountName=acmeorders;AccountKey="
                + b64(64)
                + ";EndpointSuffix=core.windows.net",
            ),
            ("SQLSERVER", "Server=tcp:orders,1433;Database=orders;User Id=app;Password=" + alnum(16) + ";"),
            (
                "SERVICE_BUS",
                "Endpoint=sb://acme.servicebus.windows.net/;SharedAccessKeyName=Root;SharedAccessKey=" + b64(32),
            ),
            ("JDBC", "jdbc:postgresql://db:5432/orders?user=app&password=" + alnum(14)),
            ("COSMOS", "AccountEndpoint=https://acme-orders.documents.azure.com:443/;AccountKey=" + b64(64) + ";"),
            (
                "EVENT_HUB",
                "Endpoint=sb://acme.servicebus.windows.net/;SharedAccessKeyName=send;SharedAccessKey="
                + b64(32)
                + ";EntityPath=orders",
            ),
            ("BLOB_SAS_URL", "https://acme.blob.core.windows.net/exports?sv=2022-11-02&ss=b&srt=o&sp=r&sig=" + b64(32)),
            (
                "CDN_SIGNED_URL",
                "https://d111111abcdef8.cloudfront.net/x.pdf?Expires=1767225600&Signature="
                + urlchars(172)
                + "&Key-Pair-Id=K2JCJMDEHXQW5F",
            ),
            (
                "PG_DSN",
                "host=orders.internal port=5432 dbname=orders user=app password=" + alnum(16) + " sslmode=require",
            ),
            ("GIT_REMOTE", "https://x-access-token:" + "gh" + "s_" + alnum(36) + "@github.com/acme/orders.git"),
            ("GITLAB_REMOTE", "https://oauth2:" + "gl" + "pat-" + alnum(20) + "@gitlab.com/acme/orders.git"),
        ],
    ),
    # URLs whose embedded password holds URL-special or non-ASCII characters
    *_section(
        "url-special",
        True,
        [
            ("BACKEND", "postgres://orders:p#ss!" + alnum(6) + "@db.internal:5432/orders"),
            ("UPSTREAM_URL", "https://svc:" + alnum(5) + "#" + alnum(5) + "@partner.example.com/api"),
            ("BROKER", "amqp://orders:" + alnum(4) + "@" + alnum(6) + "@mq.internal:5672/orders"),
            (
                "MONGO",
                "mongodb://app:" + alnum(5) + "?" + alnum(5) + "@mongo-1.internal:27017,mongo-2.internal:27017/orders",
            ),
            ("CACHE_URL", "redis://:" + alnum(6) + "/" + alnum(6) + "@cache.internal:6379/0"),
            ("DATABASE_URL", "mysql://orders:p%40ss%23" + alnum(8) + "@db.internal:3306/orders"),
            ("DATABASE_URL", "postgresql://app:пароль-" + alnum(6) + "@db.internal:5432/orders"),
            ("LEGACY_DB", "postgres://orders:Grüße!" + alnum(4) + "@db.internal/orders"),
            ("SEARCH", "https://elastic:" + alnum(4) + "!" + alnum(4) + "#" + alnum(4) + "@search.internal:9200"),
            ("FTP_URL", "ftp://upload:" + alnum(6) + "@@ftp.partner.example.com/in"),
            ("SMTP", "smtps://mailer@example.com:" + alnum(6) + "!@smtp.example.com:465"),
            ("LDAP", "ldaps://cn=svc,dc=acme:" + alnum(8) + "#1@ldap.internal:636"),
            ("PROXY", "http://proxy-user:p@ss:word" + alnum(4) + "@proxy.internal:3128"),
            ("REDIS", "rediss://default:密码" + alnum(8) + "@cache.example.com:6380"),
        ],
    ),
    # values the program marked secret (Output.secret / require_secret / secure: config)
    *_section(
        "marked",
        True,
        [
            ("GREETING", "hello-world"),
            ("DB_HOST", "orders.internal"),
            ("TENANT", "acme"),
            ("FLAGS", "a,b,c"),
            ("PORT_NUMBER", "8080"),
            ("MODE", "fast"),
        ],
        marked=True,
    ),
]

ROWS: list[Row] = BENIGN + SECRET
