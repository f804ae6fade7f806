"""Secret detection for Lambda environment variables, built on detect-secrets with a curated plugin set.

Pure: no Pulumi import. Shared by the `VpcFunction` component (refuses a secret before anything is created) and
the `lambda-env-no-secrets` policy. Seed 000: environment variables "are decrypted and visible to anyone with IAM
access to the Lambda configuration", so credentials belong in Secrets Manager or Parameter Store and the variable
holds only a reference (an ARN or a parameter name).

How a variable is judged, in order (the first that applies decides):
1. a value the program marked secret (`MarkedSecret`: `Output.secret`, `require_secret`, `secure:` config) is a
   finding, known or not, unless it is a reference;
2. an unknown value (preview) under a secret-like name is undecided; under another name it is not concerned;
3. references (Secrets Manager / SSM / KMS ARNs, multi-Region KMS key ids, SSM parameter paths, `{{resolve:...}}`,
   `allowPatterns`) pass;
4. public material passes whatever the name, recognised by its structure rather than its label: PEM public keys and
   certificates whose body is the DER they claim, OpenSSH / RFC 4716 public keys whose blob names their key type,
   OpenPGP public key blocks, host-key and certificate fingerprints, certificate pins (HPKP `pin-sha256`,
   `sha256/...`), algorithm-prefixed digests and Subresource Integrity hashes, publishable keys (Stripe `pk_`,
   Mapbox `pk.`). A public key is meant to be shared: flagging it teaches people to ignore the rule;
5. findings whatever the name: detect-secrets' format detectors (AWS keys, private keys, Stripe, GitHub, GitLab,
   Slack, JWT, npm, PyPI, ...), netkit's own vendor formats for what detect-secrets has no plugin for (Google,
   Anthropic, Mailgun, Shopify, Azure AD, Vault, ...), credentials carried by a URL or connection string
   (`scheme://user:pw@` in any character set, including `#`, `?`, `/`, `@` that break URL parsing, `Password=...`,
   libpq `password=...`, `?token=...`, a high-entropy path segment) and HTTP Authorization values (`Basic` with
   base64 `user:password`, `Bearer`, `token`, `Bot`, `SSWS`, `Splunk`);
6. placeholders pass: an unrendered template (`${VAR}`, `{{ var }}`, `<password>`), a mask (`********`), a sentinel
   (`none`, `disabled`, empty);
7. under a password name (the last word is PASSWORD, PASSWD, PWD, PASS, PASSPHRASE, PASSCODE, or ends in PASSWORD:
   `PGPASSWORD`) anything else is a finding: that variable holds a password by its name, and a passphrase is words
   joined by spaces, `-`, `_` or `.`, a PIN is digits, so the shapes of step 8 do not clear it. A Secrets Manager
   secret name (words joined by `/`) and a URL without credentials still pass there as references;
8. values that cannot be a credential whatever the name pass: numbers, booleans, durations (30s, 5m, PT1H), sizes
   (512MB), log levels, plain URLs, ARNs, paths, resource and secret names, host names, e-mail addresses, IPs and
   CIDRs, AWS resource ids (`sg-...`), KMS key ids under a KMS name, and lists of these (the Parameters and Secrets
   extension's own settings are all of these shapes);
9. high entropy (detect-secrets' Base64/Hex entropy with limits above its noisy defaults, 20 characters or more)
   is a finding, except under a name that says it is an identifier, a hash or a pin (`*_ID`, `*_SHA256`,
   `*_COMMIT`, `*_PIN`, ...); digests inside a value (`image@sha256:<hex>`) are not judged on entropy;
10. anything else under a secret-like name (password, token, api key, ...; not `*_ARN`, `*_NAME`, `*_TTL_SECONDS`,
   `*_HASH`, ...) is a finding.

Findings name the variable and the detector; the value is never returned, logged or echoed, not even a prefix.
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from itertools import pairwise
from typing import Any
from urllib.parse import parse_qsl, urlsplit


class MarkedSecret(str):
    """A string value the program marked secret (`Output.secret`, `require_secret`, `secure:` config): the engine
    sends it to the analyzer wrapped in the secret signature (pkg/resource/plugin/analyzer_plugin.go marshals with
    KeepSecrets). pulumi_policy's deserializer drops that mark (deserialize_properties without proxy_secrets), so
    the pack converts the raw request itself and keeps it as this str subclass: every string operation works as
    before, and `lambda-env-no-secrets` can tell. `known` is False for a secret whose value is unknown (preview).
    Its repr never shows the value."""

    known: bool = True

    @classmethod
    def unknown(cls) -> MarkedSecret:
        marked = cls("")
        marked.known = False
        return marked

    def __repr__(self) -> str:
        return "<secret>"


# The curated set: specific detectors for real credential formats (entropy is applied separately, with limits
# above the noisy defaults of 4.5 base64 / 3.0 hex, so identifiers and hashes in env vars do not fire).
_FORMAT_PLUGINS: tuple[str, ...] = (
    "AWSKeyDetector",
    "PrivateKeyDetector",
    "StripeDetector",
    "GitHubTokenDetector",
    "GitLabTokenDetector",
    "SlackDetector",
    "JwtTokenDetector",
    "BasicAuthDetector",
    "TwilioKeyDetector",
    "SendGridDetector",
    "OpenAIDetector",
    "NpmDetector",
    "PypiTokenDetector",
    "MailchimpDetector",
    "DiscordBotTokenDetector",
    "TelegramBotTokenDetector",
    "SquareOAuthDetector",
    "AzureStorageKeyDetector",
)
_ENTROPY_PLUGINS: tuple[tuple[str, float], ...] = (("Base64HighEntropyString", 4.5), ("HexHighEntropyString", 3.5))
# Entropy is only judged on tokens at least this long.
MIN_ENTROPY_LENGTH = 20

# --- names ---------------------------------------------------------------------------------------------------
_SECRET_WORDS = frozenset(
    {
        "PASSWORD",
        "PASSWD",
        "PASS",
        "PWD",
        "PASSPHRASE",
        "PASSCODE",
        "SECRET",
        "SECRETS",
        "TOKEN",
        "TOKENS",
        "APIKEY",
        "CREDENTIAL",
        "CREDENTIALS",
        "CREDS",
        "DSN",
        "SALT",
        "PEPPER",
        "HMAC",
        "BEARER",
        "AUTHORIZATION",
        "PRIVATEKEY",
        "ACCESSKEY",
        "SECRETKEY",
    }
)
_SECRET_PAIRS = frozenset(
    {
        ("API", "KEY"),
        ("PRIVATE", "KEY"),
        ("ACCESS", "KEY"),
        ("SIGNING", "KEY"),
        ("SESSION", "KEY"),
        ("ENCRYPTION", "KEY"),
        ("MASTER", "KEY"),
        ("SECRET", "KEY"),
        ("AUTH", "KEY"),
        ("AUTH", "TOKEN"),
        ("LICENSE", "KEY"),
        ("CONNECTION", "STRING"),
        ("CONN", "STR"),
        ("CONN", "STRING"),
        ("CONNECTION", "STR"),
        ("WEBHOOK", "SECRET"),
    }
)
# A last word saying the variable holds a reference, a setting or an identifier, not a secret.
_SETTING_WORDS = frozenset(
    {
        "ARN",
        "NAME",
        "NAMES",
        "ID",
        "IDS",
        "PARAM",
        "PARAMETER",
        "PATH",
        "REF",
        "URL",
        "URI",
        "ENDPOINT",
        "HOST",
        "TTL",
        "ENABLED",
        "DISABLED",
        "ENABLE",
        "SECONDS",
        "SECS",
        "MS",
        "MILLIS",
        "MINUTES",
        "HOURS",
        "DAYS",
        "TIMEOUT",
        "EXPIRY",
        "EXPIRATION",
        "EXPIRES",
        "LIFETIME",
        "DURATION",
        "PORT",
        "SIZE",
        "LENGTH",
        "LEN",
        "COUNT",
        "LIMIT",
        "MAX",
        "MIN",
        "HEADER",
        "HEADERS",
        "STAGE",
        "LABEL",
        "PATTERN",
        "REGEX",
        "TEMPLATE",
        "URLS",
        "HOSTS",
        "PORTS",
        "FILE",
        "TYPE",
        "MODE",
        "KIND",
        "FORMAT",
        "ALGORITHM",
        "ALG",
        "POLICY",
        "REGION",
        "VERSION",
        "ROTATION",
        "PROVIDER",
        "ISSUER",
        "AUDIENCE",
        "SCOPE",
        "SCOPES",
        "STORE",
        "BACKEND",
        "LOCATION",
        "PREFIX",
        "FIELD",
        "TABLE",
        "BUCKET",
        "QUEUE",
        "TOPIC",
        "LEVEL",
        "INTERVAL",
        "RETRIES",
        "ATTEMPTS",
        "STRATEGY",
        "METHOD",
        "SOURCE",
        "ROLE",
        "USER",
        "USERNAME",
        "EMAIL",
        "ACCOUNT",
        "DOMAIN",
        "REALM",
        "TENANT",
        "CACHE",
        "HASHING",
    }
)
# A last word saying the value is an identifier, a hash or a pin: high entropy alone is expected there, and the
# name does not say the value is a secret (`API_KEY_HASH` holds a hash of a key, `CERT_PIN` a public key's digest).
_IDENTIFIER_WORDS = frozenset(
    {
        "ID",
        "IDS",
        "SHA",
        "SHA1",
        "SHA256",
        "SHA384",
        "SHA512",
        "MD5",
        "COMMIT",
        "HASH",
        "DIGEST",
        "CHECKSUM",
        "ETAG",
        "INTEGRITY",
        "VERSION",
        "REVISION",
        "FINGERPRINT",
        "FINGERPRINTS",
        "THUMBPRINT",
        "PIN",
        "PINS",
        "BUILD",
    }
)
# A last word saying the variable holds a password itself (not a token or a secret's name, which are often
# references): see step 7 of the module docstring.
_PASSWORD_WORDS = frozenset({"PASSWORD", "PASSWORDS", "PASSWD", "PWD", "PASS", "PASSPHRASE", "PASSCODE"})
_PASSWORD_SUFFIXES = ("PASSWORD", "PASSWD", "PASSPHRASE")


def name_words(name: str) -> list[str]:
    """`dbPassword_ARN` -> ["DB", "PASSWORD", "ARN"]."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return [w for w in re.split(r"[^A-Za-z0-9]+", spaced.upper()) if w]


def is_secret_name(name: str) -> bool:
    """The name says the value is a secret (and its last word does not say it is a reference, a setting, an
    identifier or a hash). Words glued to a password word count (`PGPASSWORD`, `DBPASSWD`)."""
    words = name_words(name)
    if (
        not words
        or words[-1] in _SETTING_WORDS
        or words[-1] in _IDENTIFIER_WORDS
        or tuple(words[-2:]) == ("KEY", "ID")
        or _is_public_key_name(words)
    ):
        return False
    if any(w in _SECRET_WORDS or w.endswith(_PASSWORD_SUFFIXES) for w in words):
        return True
    if any(pair in _SECRET_PAIRS for pair in pairwise(words)):
        return True
    return words[-1] == "KEY"


def is_password_name(name: str) -> bool:
    """The variable is named for a password itself (`DB_PASSWORD`, `PGPASSWORD`, `MYSQL_PWD`, `GPG_PASSPHRASE`), so
    a literal in it is one whatever its shape. `PASSWORD_MIN_LENGTH` or `CACHE_BYPASS` are not."""
    words = name_words(name)
    return bool(words) and (words[-1] in _PASSWORD_WORDS or words[-1].endswith(_PASSWORD_SUFFIXES))


def _is_identifier_name(name: str) -> bool:
    """The name says the value is an identifier, a hash, a pin or a public key (`*_PUBLIC_KEY`, `*_PUBKEY`):
    high entropy is what such a value looks like."""
    words = name_words(name)
    return bool(words) and (words[-1] in _IDENTIFIER_WORDS or _is_public_key_name(words))


def _is_public_key_name(words: list[str]) -> bool:
    return words[-1] in ("PUBKEY", "PUBKEYS") or tuple(words[-2:]) in (("PUBLIC", "KEY"), ("PUBLIC", "KEYS"))


# --- references ----------------------------------------------------------------------------------------------
_REFERENCE_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$"),
    re.compile(r"^arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:parameter/[A-Za-z0-9/_.-]+$"),
    re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)/[A-Za-z0-9/_-]+$"),
    re.compile(r"^/[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$"),  # SSM parameter path
    re.compile(r"^\{\{resolve:(secretsmanager|ssm|ssm-secure):[^}]+\}\}$"),
    re.compile(r"^mrk-[0-9a-f]{32}$"),  # a multi-Region KMS key id: the `mrk-` prefix says what it is
)


def is_reference(value: str, extra_allow: Iterable[str] = ()) -> bool:
    """True when the value points at a secret instead of being one."""
    if any(p.match(value) for p in _REFERENCE_PATTERNS):
        return True
    return any(re.fullmatch(pattern, value) for pattern in extra_allow)


# --- public material ---------------------------------------------------------------------------------------------
# PEM labels of material that is public by design, with the structure their body must have.
_PUBLIC_PEM_LABELS: dict[str, str] = {
    "PUBLIC KEY": "der",
    "RSA PUBLIC KEY": "der",
    "CERTIFICATE": "der",
    "TRUSTED CERTIFICATE": "der",
    "X509 CRL": "der",
    "CERTIFICATE REQUEST": "der",
    "NEW CERTIFICATE REQUEST": "der",
    "PKCS7": "der",
    "DH PARAMETERS": "der",
    "EC PARAMETERS": "der",
    "PGP PUBLIC KEY BLOCK": "pgp",
    "PGP SIGNATURE": "pgp",
}
_PEM_BLOCK = re.compile(r"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", re.DOTALL)
_SSH2_BLOCK = re.compile(r"---- BEGIN SSH2 PUBLIC KEY ----(.*?)---- END SSH2 PUBLIC KEY ----", re.DOTALL)
_ARMOR_HEADER = re.compile(r"^[A-Za-z][A-Za-z0-9-]*:\s")
_PGP_CHECKSUM = re.compile(r"^=[A-Za-z0-9+/]{4}$")
_SSH_KEY_TYPES = frozenset(
    {
        "ssh-rsa",
        "ssh-dss",
        "ssh-ed25519",
        "ssh-ed448",
        "ecdsa-sha2-nistp256",
        "ecdsa-sha2-nistp384",
        "ecdsa-sha2-nistp521",
        "sk-ssh-ed25519@openssh.com",
        "sk-ecdsa-sha2-nistp256@openssh.com",
        "ssh-rsa-cert-v01@openssh.com",
        "ssh-ed25519-cert-v01@openssh.com",
        "ecdsa-sha2-nistp256-cert-v01@openssh.com",
    }
)
# What may precede a key type on an OpenSSH line: a known_hosts marker or host list (plain or hashed), or
# authorized_keys options without spaces.
_SSH_HOST = r"(\[[A-Za-z0-9.*?:-]+\](:\d{1,5})?|[A-Za-z0-9.*?:!-]+|\|1\|[A-Za-z0-9+/=]+\|[A-Za-z0-9+/=]+)"
_SSH_LINE_PREFIX = re.compile(
    rf'^(@cert-authority|@revoked|{_SSH_HOST}(,{_SSH_HOST})*|[a-z-]+(="[^"\s]*")?(,[a-z-]+(="[^"\s]*")?)*)$'
)
_KEYGEN_LINE = re.compile(
    r"^\d{3,5}\s+(?P<fp>\S+)\s+.*\((RSA|DSA|ECDSA|ED25519|ECDSA-SK|ED25519-SK|RSA1)\)$",
)
_OPENSSL_FINGERPRINT = re.compile(r"^(?:sha1|sha256|sha384|sha512|md5)\s+fingerprint=(?P<fp>\S+)$", re.IGNORECASE)
_DIGEST_SIZES: dict[str, int] = {"md5": 16, "sha1": 20, "sha224": 28, "sha256": 32, "sha384": 48, "sha512": 64}
_COLON_HEX = re.compile(r"^[0-9A-Fa-f]{2}(:[0-9A-Fa-f]{2})+$")
_PREFIXED_TOKEN = re.compile(
    r"^(?:(?P<ssh>SHA256|SHA1|MD5):(?P<sshfp>\S+)"
    r"|pin-(?P<pin>sha256)=\"?(?P<pinb64>[A-Za-z0-9+/=]+)\"?"
    r"|(?P<okhttp>sha256|sha1)/(?P<okb64>[A-Za-z0-9+/=]+)"
    r"|(?P<sri>sha256|sha384|sha512)-(?P<srib64>[A-Za-z0-9+/=]+)"
    r"|(?P<hexalg>md5|sha1|sha224|sha256|sha384|sha512):(?P<hex>[0-9a-fA-F]+))$"
)
# Keys published by design: Stripe publishable keys, Mapbox public tokens, age recipients (bech32 public keys).
_PUBLISHABLE = re.compile(
    r"^(pk_(live|test)_[0-9A-Za-z]{24,}|pk\.eyJ[0-9A-Za-z_-]+\.[0-9A-Za-z_-]+|age1[02-9ac-hj-np-z]{58})$"
)
_HPKP_DIRECTIVE = re.compile(r'^(max-age=\d+|includeSubDomains|report-uri="[^"\s]*")$', re.IGNORECASE)


def _b64(text: str) -> bytes | None:
    """Standard base64 (padding optional) decoded strictly, or None."""
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None


def _der_sequence(data: bytes) -> bool:
    """A DER SEQUENCE whose length field covers exactly the data: what every PEM public label holds."""
    if len(data) < 2 or data[0] != 0x30:
        return False
    first = data[1]
    if first < 0x80:
        return 2 + first == len(data)
    size = first & 0x7F
    if not 1 <= size <= 4 or len(data) < 2 + size:
        return False
    return 2 + size + int.from_bytes(data[2 : 2 + size], "big") == len(data)


def _der_elements(data: bytes) -> list[tuple[int, bytes]] | None:
    """The (tag, content) elements of a DER encoding that they cover exactly, or None."""
    elements, index = [], 0
    while index < len(data):
        if index + 2 > len(data):
            return None
        tag, first = data[index], data[index + 1]
        index += 2
        if first < 0x80:
            size = first
        else:
            count = first & 0x7F
            if not 1 <= count <= 4 or index + count > len(data):
                return None
            size = int.from_bytes(data[index : index + count], "big")
            index += count
        if index + size > len(data):
            return None
        elements.append((tag, data[index : index + size]))
        index += size
    return elements


def _bare_public_der(text: str) -> bool:
    """Base64 DER without PEM armor (what KMS GetPublicKey returns, what SAML metadata holds): a
    SubjectPublicKeyInfo `SEQUENCE {AlgorithmIdentifier, BIT STRING}` or a certificate `SEQUENCE {tbs, alg, BIT
    STRING}`. A private key never has that shape: PKCS#1/#8 start with an INTEGER version, encrypted PKCS#8 ends
    with an OCTET STRING."""
    if len(text) < 60 or not re.fullmatch(r"[A-Za-z0-9+/]+={0,2}", text):
        return False
    outer = _der_elements(_b64(text) or b"")
    if not outer or len(outer) != 1 or outer[0][0] != 0x30:
        return False
    inner = _der_elements(outer[0][1])
    return inner is not None and len(inner) in (2, 3) and inner[0][0] == 0x30 and inner[-1][0] == 0x03


# JSON Web Keys: members that only a private or symmetric key has (RFC 7518 section 6).
_JWK_PRIVATE_MEMBERS = frozenset({"d", "p", "q", "dp", "dq", "qi", "oth", "k"})


def _jwk_keys(text: str) -> list[dict[str, Any]] | None:
    """The keys of a JWK or a JWK Set, or None when the value is not one."""
    if not (text.startswith("{") and text.endswith("}")):
        return None
    try:
        document = json.loads(text)
    except ValueError:
        return None
    keys = document.get("keys") if isinstance(document, dict) and "kty" not in document else [document]
    if not isinstance(keys, list) or not keys:
        return None
    if not all(isinstance(key, dict) and isinstance(key.get("kty"), str) for key in keys):
        return None
    return keys


def _public_jwks(text: str) -> bool:
    keys = _jwk_keys(text)
    return keys is not None and all(key["kty"] != "oct" and not _JWK_PRIVATE_MEMBERS & set(key) for key in keys)


def _private_jwk(text: str) -> bool:
    keys = _jwk_keys(text)
    return keys is not None and any(key["kty"] == "oct" or _JWK_PRIVATE_MEMBERS & set(key) for key in keys)


def _armored_body(body: str) -> bytes | None:
    """The decoded body of a PEM / OpenPGP / RFC 4716 block (armor headers and the PGP checksum left out)."""
    lines = [line.strip() for line in body.split("\n")]
    kept = [line for line in lines if line and not _ARMOR_HEADER.match(line) and not _PGP_CHECKSUM.match(line)]
    return _b64("".join(kept)) if kept else None


def _ssh_blob(blob: bytes | None, key_type: str | None = None) -> bool:
    """An SSH wire-format public key: its first field is a known key type (the one the line names, if any)."""
    if blob is None or len(blob) < 4:
        return False
    size = int.from_bytes(blob[:4], "big")
    if size > 64 or len(blob) <= 4 + size:
        return False
    name = blob[4 : 4 + size].decode("ascii", "replace")
    return name in _SSH_KEY_TYPES and (key_type is None or name == key_type)


def _ssh_line(tokens: list[str]) -> bool:
    """`[marker] [hosts|options] <key type> <base64 blob> [comment]` (authorized_keys, known_hosts, .pub files)."""
    for index, token in enumerate(tokens[:3]):
        if token in _SSH_KEY_TYPES:
            prefix = tokens[:index]
            return (
                index + 1 < len(tokens)
                and all(_SSH_LINE_PREFIX.match(p) for p in prefix)
                and _ssh_blob(_b64(tokens[index + 1]), token)
            )
    return False


def _digest_of_size(data: bytes | None, *sizes: int) -> bool:
    return data is not None and len(data) in sizes


def _public_token(token: str) -> bool:
    """One fingerprint, pin, digest or publishable key, checked against the size its algorithm gives."""
    if _PUBLISHABLE.match(token):
        return True
    if _COLON_HEX.match(token):
        return len(token.split(":")) in (16, 20, 32, 48, 64)
    match = _PREFIXED_TOKEN.match(token)
    if not match:
        return False
    if match["ssh"]:
        fingerprint = match["sshfp"]
        if match["ssh"] == "MD5":
            return bool(_COLON_HEX.match(fingerprint)) and len(fingerprint.split(":")) == 16
        return _digest_of_size(_b64(fingerprint), _DIGEST_SIZES[match["ssh"].lower()])
    if match["pin"]:
        return _digest_of_size(_b64(match["pinb64"]), 32)
    if match["okhttp"]:
        return _digest_of_size(_b64(match["okb64"]), _DIGEST_SIZES[match["okhttp"]])
    if match["sri"]:
        return _digest_of_size(_b64(match["srib64"]), _DIGEST_SIZES[match["sri"]])
    return len(match["hex"]) == 2 * _DIGEST_SIZES[match["hexalg"].lower()]


def _public_line(line: str) -> bool:
    tokens = line.split()
    if _ssh_line(tokens):
        return True
    keygen = _KEYGEN_LINE.match(line) or _OPENSSL_FINGERPRINT.match(line)
    if keygen:
        return _public_token(keygen["fp"]) or bool(_COLON_HEX.match(keygen["fp"]))
    items = [t for t in re.split(r"[\s,;]+", line) if t]
    return (
        bool(items)
        and all(_public_token(t) or _HPKP_DIRECTIVE.match(t) for t in items)
        and any(_public_token(t) for t in items)
    )


def is_public_material(value: str) -> bool:
    """True when the whole value is public by design: public keys, certificates, fingerprints, pins, digests,
    publishable keys (step 4 of the module docstring). Each is checked by its structure (DER length, SSH key type
    inside the blob, digest size), so a label or a prefix put on other text does not make it public; a private key
    block next to public ones makes the value not public."""
    text = value.strip().replace("\\r\\n", "\n").replace("\\n", "\n").replace("\r\n", "\n")
    if "-----BEGIN " in text or "---- BEGIN SSH2" in text:
        blocks = 0
        for match in _PEM_BLOCK.finditer(text):
            kind = _PUBLIC_PEM_LABELS.get(match.group(1))
            body = _armored_body(match.group(2))
            if kind is None or body is None:
                return False
            if (kind == "der" and not _der_sequence(body)) or (kind == "pgp" and not body[0] & 0x80):
                return False
            blocks += 1
        for match in _SSH2_BLOCK.finditer(text):
            if not _ssh_blob(_armored_body(match.group(1))):
                return False
            blocks += 1
        rest = _SSH2_BLOCK.sub("", _PEM_BLOCK.sub("", text))
        return blocks > 0 and not rest.strip()
    if _public_jwks(text) or _bare_public_der(text):
        return True
    lines = [line.strip() for line in text.split("\n") if line.strip()]
    return bool(lines) and all(_public_line(line) for line in lines)


# --- values that cannot be a credential ------------------------------------------------------------------------
_NUMBER = re.compile(r"^[+-]?(\d{1,15}(\.\d*)?|\.\d+)([eE][+-]?\d{1,3})?$")
_BOOLEAN = frozenset({"true", "false", "yes", "no", "on", "off", "enabled", "disabled", "y", "n", "t", "f"})
_UNIT = r"(ns|us|µs|ms|s|sec|secs|seconds?|m|min|mins|minutes?|h|hr|hrs|hours?|d|days?|w|weeks?)"
_DURATION = re.compile(rf"^(\d+(\.\d+)?\s*{_UNIT})+$", re.IGNORECASE)
_ISO_DURATION = re.compile(r"^P(\d+[YMWD])*(T(\d+(\.\d+)?[HMS])+)?$", re.IGNORECASE)
_SIZE = re.compile(r"^\d+(\.\d+)?\s*(b|k|kb|kib|m|mb|mib|g|gb|gib|t|tb|tib)$", re.IGNORECASE)
# Log levels and other enumerated setting values.
_SETTING_VALUES = frozenset(
    {
        "trace",
        "debug",
        "info",
        "information",
        "notice",
        "warn",
        "warning",
        "error",
        "err",
        "critical",
        "crit",
        "fatal",
        "panic",
        "off",
        "all",
        "silent",
        "verbose",
        "none",
        "null",
        # Secrets Manager staging labels (what the Parameters and Secrets extension is asked for)
        "awscurrent",
        "awsprevious",
        "awspending",
    }
)
_ARN = re.compile(r"^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12})?:\S+$")
_PATH = re.compile(r"^(/|\./|~/)[\w.@+-]*(/[\w.@+-]*)*$")
# Lowercase words joined by separators: resource names, secret names, regions, hostnames without a scheme.
_RESOURCE_NAME = re.compile(r"^[a-z0-9]+([._/-][a-z0-9]+)+$")
_HOST = re.compile(r"^([A-Za-z0-9-]{1,63}\.)+[A-Za-z]{2,24}\.?(:\d{1,5})?$")
_URL = re.compile(r"^[A-Za-z][A-Za-z0-9+.-]*://")
_EMAIL = re.compile(r"^[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
# EC2 and VPC resource ids (8 or 17 hex digits after the type prefix): identifiers AWS prints in every console.
_AWS_RESOURCE_ID = re.compile(
    r"^(vpc|subnet|sg|sgr|eni|igw|eigw|nat|rtb|acl|vpce|pl|i|ami|vol|snap|eipalloc|eipassoc|tgw|tgw-attach|tgw-rtb"
    r"|pcx|lt|fs|fsap|fsmt|dopt|cvpn-endpoint|vgw|cgw|vpn|lb|elb|r|db)-[0-9a-f]{8}([0-9a-f]{9})?$"
)
_UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$", re.IGNORECASE)
# Digests inside a value (`repo@sha256:<hex>`): content addresses, left out before entropy is judged.
_PREFIXED_DIGEST = re.compile(r"\b(?:md5|sha1|sha224|sha256|sha384|sha512):[0-9a-fA-F]{32,128}\b")
_SECRET_QUERY_KEYS = frozenset(
    {
        "token",
        "access_token",
        "accesstoken",
        "apikey",
        "api_key",
        "api-key",
        "key",
        "secret",
        "client_secret",
        "password",
        "pwd",
        "pass",
        "sig",
        "signature",
        "x-amz-signature",
        "x-amz-security-token",
        "auth",
        "authtoken",
        "auth_token",
        "sharedaccesskey",
        "accountkey",
        "code",
    }
)


def _entropy_hits(token: str) -> list[str]:
    """Entropy plugin names that fire on one token (at least MIN_ENTROPY_LENGTH characters)."""
    if len(token) < MIN_ENTROPY_LENGTH:
        return []
    found = []
    for plugin in _entropy_plugins():
        if plugin.regex.fullmatch(f'"{token}"') and plugin.calculate_shannon_entropy(token) > plugin.entropy_limit:
            found.append(str(plugin.secret_type))
    return found


# `scheme://user:password@host`, the password running to the last `@` that a host follows. `urlsplit` ends the
# authority at the first `/`, `?` or `#`, so a password holding one of them (legal in practice: drivers take the
# text as it is) hides from it; this reads what a driver reads. A "password" of digits followed by `/` is a port
# with an `@` later in the path (`https://host:8080/@scope/pkg`).
_URL_USERINFO = re.compile(
    r"^[A-Za-z][A-Za-z0-9+.-]*://(?P<user>[^\s/?#:]*):(?P<password>\S+)@"
    r"(?P<host>\[[0-9A-Fa-f:.]+\]|[^\s@/?#:\[\],]+)(?::\d{1,5})?(?:[/?#,;]|$)"
)
_PORT_AND_PATH = re.compile(r"^\d{1,5}/")
# libpq keyword/value connection strings: `host=db port=5432 user=app password=...`.
_KEYWORD_PAIR = re.compile(r"([A-Za-z_]+)\s*=\s*('[^']*'|\S+)")
_KEYWORD_DSN = re.compile(r"^\s*([A-Za-z_]+\s*=\s*('[^']*'|\S+)\s*)+$")
# Digests in a URL path address content (a commit, an artifact), they are not tokens.
_HEX_DIGEST = re.compile(r"^([0-9a-fA-F]{40}|[0-9a-fA-F]{64}|[0-9a-fA-F]{128})$")


def _userinfo_password(text: str) -> bool:
    match = _URL_USERINFO.match(text)
    return match is not None and not _PORT_AND_PATH.match(match["password"])


def url_credential(value: str) -> str | None:
    """The detector name when a URL or connection string carries a credential, else None."""
    text = value.strip()
    pairs = [p.partition("=") for p in re.split(r"[;&]", text) if "=" in p]
    if len(pairs) >= 2 or (pairs and ";" in text):
        for key, _, item in pairs:
            normalized = key.strip().lower().replace(" ", "")
            if normalized in _SECRET_QUERY_KEYS and item.strip() and not is_reference(item.strip()):
                return "connection string with a credential"
    if _KEYWORD_DSN.match(text) and len(_KEYWORD_PAIR.findall(text)) >= 2:
        for key, item in _KEYWORD_PAIR.findall(text):
            if key.lower() in _SECRET_QUERY_KEYS and item.strip("'") and not is_reference(item.strip("'")):
                return "connection string with a credential"
    if _URL.match(text):
        if _userinfo_password(text):
            return "URL with embedded password"
        try:
            parts = urlsplit(text)
            password = parts.password
        except ValueError:
            return "malformed URL with credentials" if "@" in text else None
        if password:
            return "URL with embedded password"
        for key, item in parse_qsl(parts.query, keep_blank_values=False):
            if key.lower() in _SECRET_QUERY_KEYS and item and not is_reference(item):
                return "URL with a credential in its query"
        for segment in [*parts.path.split("/"), *(v for _, v in parse_qsl(parts.query))]:
            if not _HEX_DIGEST.match(segment) and _entropy_hits(segment):
                return "URL with a token in it"
    return None


def _looks_random(token: str) -> bool:
    """A token of a generated identifier or key (letters and digits mixed, 8 characters or more)."""
    return len(token) >= 8 and any(c.isdigit() for c in token) and any(c.isalpha() for c in token)


def cannot_be_secret(value: str) -> bool:
    """True for values that cannot be a credential whatever the variable is called."""
    text = value.strip()
    lowered = text.lower()
    if (
        not text
        or _NUMBER.match(text)
        or lowered in _BOOLEAN
        or lowered in _SETTING_VALUES
        or _DURATION.match(text)
        or (_ISO_DURATION.match(text) and len(text) > 1)
        or _SIZE.match(text)
        or _ARN.match(text)
        or _PATH.match(text)
        or (_RESOURCE_NAME.match(text) and not any(_looks_random(t) for t in re.split(r"[._/-]", text)))
        or _HOST.match(text)
        or _EMAIL.match(text)
        or _AWS_RESOURCE_ID.match(text)
        or is_reference(text)
        or is_public_material(text)
    ):
        return True
    try:
        ipaddress.ip_network(text, strict=False)
        return True
    except ValueError:
        pass
    if _URL.match(text):
        return url_credential(text) is None
    parts = [p for p in re.split(r"[\s,]+", text) if p]
    return len(parts) > 1 and all(cannot_be_secret(p) for p in parts)


# --- netkit's own formats: vendors detect-secrets 1.5 has no plugin for ------------------------------------------
# Each pattern is the vendor's documented token shape with its fixed prefix, bounded so that a longer word does not
# match; detect-secrets' plugins stay the first judge (`_FORMAT_PLUGINS`), these only add what they lack.
_B = r"(?<![A-Za-z0-9_])"  # not preceded by a word character
_E = r"(?![A-Za-z0-9_])"  # not followed by one
_VENDOR_FORMATS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (name, re.compile(pattern))
    for name, pattern in (
        ("Private Key", r"-----BEGIN [A-Z0-9 ]*PRIVATE KEY(?: BLOCK)?-----"),  # ENCRYPTED, DSA, SSH2 ENCRYPTED, ...
        ("Google API Key", _B + r"AIza[0-9A-Za-z_-]{35}" + r"(?![A-Za-z0-9_-])"),
        ("Google OAuth Client Secret", _B + r"GOCSPX-[0-9A-Za-z_-]{28}"),
        ("Google OAuth Access Token", _B + r"ya29\.[0-9A-Za-z_-]{30,}"),
        ("Anthropic API Key", _B + r"sk-ant-(?:api|admin)\d{2}-[0-9A-Za-z_-]{80,}"),
        ("Mailgun API Key", r"(?<![A-Za-z0-9_-])key-[0-9a-f]{32}" + _E),
        ("Mailgun API Key", _B + r"[0-9a-f]{32}-[0-9a-f]{8}-[0-9a-f]{8}" + r"(?![A-Za-z0-9_-])"),
        ("Shopify Token", _B + r"shp(?:at|ca|pa|ss)_[0-9a-fA-F]{32}" + _E),
        ("npm Token", _B + r"npm_[0-9A-Za-z]{36}" + _E),
        ("Stripe Test Key", _B + r"[rs]k_test_[0-9A-Za-z]{24,}"),
        ("Stripe Webhook Secret", _B + r"whsec_[0-9A-Za-z+/=]{24,}"),
        ("GitHub Fine-grained Token", _B + r"github_pat_[0-9A-Za-z]{22}_[0-9A-Za-z]{59}" + _E),
        ("Slack App Token", _B + r"xapp-\d-[A-Z0-9]+-\d+-[a-f0-9]+"),
        (
            "Azure AD Client Secret",
            r"(?<![A-Za-z0-9_~.-])[0-9A-Za-z_~.-]{3}\dQ~[0-9A-Za-z_~.-]{31,34}(?![A-Za-z0-9_~.-])",
        ),
        ("HashiCorp Vault Token", _B + r"hv[sbr]\.[0-9A-Za-z_-]{24,}"),
        ("Terraform Cloud Token", _B + r"[0-9A-Za-z]{14}\.atlasv1\.[0-9A-Za-z_=-]{60,}"),
        ("DigitalOcean Token", _B + r"do[opr]_v1_[0-9a-f]{64}" + _E),
        ("Hugging Face Token", _B + r"hf_[0-9A-Za-z]{34,}" + _E),
        ("Databricks Token", _B + r"dapi[0-9a-f]{32}(?:-\d)?" + _E),
        ("Linear API Key", _B + r"lin_api_[0-9A-Za-z]{40}" + _E),
        ("Postman API Key", _B + r"PMAK-[0-9a-f]{24}-[0-9a-f]{34}" + _E),
        ("Doppler Token", _B + r"dp\.(?:st|sa|ct|pt|scim|audit)\.(?:[0-9a-z_-]{1,35}\.)?[0-9A-Za-z]{40,44}" + _E),
        ("Docker Hub Token", _B + r"dckr_pat_[0-9A-Za-z_-]{27}"),
        ("Atlassian API Token", _B + r"ATATT3[0-9A-Za-z_=-]{100,}"),
        ("Notion Token", _B + r"(?:ntn_[0-9A-Za-z]{40,}|secret_[0-9A-Za-z]{43})" + _E),
        ("Grafana Token", _B + r"(?:glsa_[0-9A-Za-z]{32}_[0-9a-f]{8}|glc_eyJ[0-9A-Za-z+/=_-]{30,})"),
        ("New Relic Key", _B + r"NR(?:AK|II|JS)-[0-9A-Za-z]{19,27}" + _E),
        ("Square Access Token", _B + r"(?:EAAA[0-9A-Za-z_-]{60}|sq0atp-[0-9A-Za-z_-]{22})" + r"(?![A-Za-z0-9_-])"),
        ("Heroku API Key", _B + r"HRKU-[0-9A-Za-z_-]{20,}"),
        ("Alibaba Cloud AccessKey", _B + r"LTAI[0-9A-Za-z]{12,20}" + _E),
        ("Sentry Token", _B + r"sntry[su]_[0-9A-Za-z+/=_-]{40,}"),
        ("age Secret Key", _B + r"AGE-SECRET-KEY-1[02-9AC-HJ-NP-Z]{58}" + _E),
    )
)


def vendor_format(value: str) -> str | None:
    """The vendor format (netkit's own patterns) the value holds, else None."""
    for name, pattern in _VENDOR_FORMATS:
        if pattern.search(value):
            return name
    if _private_jwk(value.strip()):
        return "JSON Web Key with private members"
    return None


# --- HTTP Authorization values -----------------------------------------------------------------------------------
# RFC 7617 (Basic: base64 of `user-id:password`), RFC 6750 (Bearer: b64token), and vendor schemes whose credential
# is a token: GitHub `token`, Discord `Bot`, Okta `SSWS`, Splunk HEC `Splunk`, `ApiKey`/`Api-Key`.
_HEADER_LINE = re.compile(r"^\s*(?:proxy-)?authorization\s*:\s*(?P<rest>.+)$", re.IGNORECASE)
_SCHEME_VALUE = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9-]*)\s+(?P<credential>\S+)$")
_TOKEN_SCHEMES = frozenset({"basic", "bearer", "token", "bot", "ssws", "splunk", "apikey", "api-key", "sso-key"})
_BASIC_ANYWHERE = re.compile(r"\bbasic\s+([A-Za-z0-9+/]{4,}={0,2})(?![A-Za-z0-9+/=])", re.IGNORECASE)
_BEARER_ANYWHERE = re.compile(r"\bbearer\s+([A-Za-z0-9._~+/-]{16,}=*)(?![A-Za-z0-9._~+/=-])", re.IGNORECASE)
_AUTH_PARAM = re.compile(r"^[A-Za-z_-]+=")  # `realm="..."`: a challenge (WWW-Authenticate), not a credential


def auth_header_credential(value: str) -> str | None:
    """The detector name when the value is (or holds) an HTTP Authorization value with a credential, else None.
    `Basic realm="..."` (a challenge), a bare scheme name (`Bearer`) and a template (`Bearer ${TOKEN}`) are not."""
    for match in _BASIC_ANYWHERE.finditer(value):
        decoded = _b64(match.group(1))
        if decoded is not None and b":" in decoded and len(decoded) >= 3:
            return "HTTP Basic credentials"
    text = value.strip()
    line = _HEADER_LINE.match(text)
    scheme_value = _SCHEME_VALUE.match(line["rest"].strip() if line else text)
    if scheme_value and scheme_value["scheme"].lower() in _TOKEN_SCHEMES:
        credential = scheme_value["credential"]
        # a generated credential mixes letters and digits: `Token validation` is a sentence, not a header
        if _looks_random(credential) and not _AUTH_PARAM.match(credential) and not is_placeholder(credential):
            return f"HTTP {scheme_value['scheme'].capitalize()} credentials"
    for match in _BEARER_ANYWHERE.finditer(value):
        if _looks_random(match.group(1)):
            return "HTTP Bearer credentials"
    return None


# --- placeholders --------------------------------------------------------------------------------------------------
_TEMPLATE_NAME = re.compile(r"^(\$\{|\{\{|\{|<|%\()\s*[A-Za-z_][\w .:-]*\s*(\}\}|\}|>|\)s)$")
_MASK = re.compile(r"^([*xX•#.])\1{2,}$")
_SENTINELS = frozenset({"", "none", "null", "nil", "undefined", "unset", "disabled", "false", "n/a", "-"})


def is_placeholder(value: str) -> bool:
    """An unrendered template (`${DB_PASSWORD}`, `{{ token }}`, `<password>`), a mask (`********`) or a sentinel
    (`none`, `disabled`): no credential is in the variable. detect-secrets' `is_templated_secret` filter decides
    the template shape; the inside must also be a name, since that filter alone passes any `{...}`, a JSON object
    full of credentials included."""
    from detect_secrets.filters.heuristic import is_templated_secret

    text = value.strip()
    if text.lower() in _SENTINELS or _MASK.match(text):
        return True
    return bool(text) and is_templated_secret(text) and bool(_TEMPLATE_NAME.match(text))


# --- detectors -----------------------------------------------------------------------------------------------
@lru_cache(maxsize=1)
def _classes() -> dict[str, Any]:
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class

    classes: list[Any] = list(get_mapping_from_secret_type_to_class().values())
    return {plugin_class.__name__: plugin_class for plugin_class in classes}


@lru_cache(maxsize=1)
def _format_plugins() -> tuple[Any, ...]:
    """The curated format detectors, instantiated once. `analyze_string` is used directly: it never calls a
    verification endpoint over the network, unlike `analyze_line` with default settings."""
    return tuple(_classes()[name]() for name in _FORMAT_PLUGINS if name in _classes())


@lru_cache(maxsize=1)
def _entropy_plugins() -> tuple[Any, ...]:
    return tuple(_classes()[name](limit=limit) for name, limit in _ENTROPY_PLUGINS)


def _format_types(value: str) -> list[str]:
    """Format detectors that fire on the value (the order of `_FORMAT_PLUGINS`)."""
    quoted = f'value = "{value.replace(chr(34), "")}"'
    found: list[str] = []
    for plugin in _format_plugins():
        if any(True for _ in plugin.analyze_string(quoted)) or any(True for _ in plugin.analyze_string(value)):
            found.append(str(plugin.secret_type))
    return found


def _entropy_types(value: str) -> list[str]:
    value = _PREFIXED_DIGEST.sub(" ", value)
    tokens = {value.strip(), *(t for t in re.split(r"[\s,;&|=:\"'()\[\]{}<>]+", value) if t)}
    found: list[str] = []
    for token in sorted(tokens):
        for kind in _entropy_hits(token):
            if kind not in found:
                found.append(kind)
    return found


# --- verdicts ------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class SecretFinding:
    """A variable that holds a secret. Deliberately holds no part of the value."""

    variable: str
    detector: str

    def message(self) -> str:
        return (
            f"environment variable {self.variable} holds a secret value ({self.detector}); store it in Secrets "
            "Manager or SSM Parameter Store and put only its ARN or parameter name in the variable"
        )


def _is_kms_key_id(name: str, value: str) -> bool:
    """A KMS key id (a UUID) under a name that says KMS: it names a key KMS holds, it is not key material."""
    return "KMS" in name_words(name) and bool(_UUID.match(value))


def _is_secret_name_reference(value: str) -> bool:
    """A Secrets Manager secret name with a path (`prod/orders/db-password`): lowercase words joined by `/` and
    `-`, `_`, `.`, none of them a generated token."""
    return (
        "/" in value
        and bool(_RESOURCE_NAME.match(value.replace("_", "-")))
        and not any(_looks_random(t) for t in re.split(r"[._/-]", value))
    )


def scan_value(name: str, value: Any, extra_allow: Iterable[str] = ()) -> SecretFinding | None:
    """Judge one variable with a known (or program-marked) value: a finding naming the variable and the
    detector, or None. Steps 1 and 3-10 of the module docstring."""
    if isinstance(value, MarkedSecret):
        if value.known and is_reference(value, tuple(extra_allow)):
            return None
        return SecretFinding(name, "marked secret by the program")
    if not isinstance(value, str) or not value.strip():
        return None
    text = value.strip()
    if is_reference(text, tuple(extra_allow)) or is_public_material(text):
        return None
    types = _format_types(value)
    if types:
        return SecretFinding(name, types[0])
    carried = vendor_format(value) or url_credential(value) or auth_header_credential(value)
    if carried:
        return SecretFinding(name, carried)
    if is_placeholder(text):
        return None
    if is_password_name(name):
        if _is_secret_name_reference(text) or (_URL.match(text) and url_credential(text) is None):
            return None
        return SecretFinding(name, "literal value under a password name")
    if _is_kms_key_id(name, text) or cannot_be_secret(value):
        return None
    entropy = _entropy_types(value)
    if entropy and not _is_identifier_name(name):
        return SecretFinding(name, entropy[0])
    if is_secret_name(name):
        return SecretFinding(name, "secret keyword in variable name")
    return None


def scan_environment(variables: Mapping[str, Any], extra_allow: Iterable[str] = ()) -> list[SecretFinding]:
    """Scan every string (or program-marked) variable; other values (unknown, non-string) are left out."""
    extra = tuple(extra_allow)
    findings = []
    for name in sorted(variables, key=str):
        value = variables[name]
        if isinstance(value, str):
            finding = scan_value(str(name), value, extra)
            if finding is not None:
                findings.append(finding)
    return findings


def undecided_variables(variables: Mapping[str, Any], is_unknown: Any) -> list[str]:
    """Names of variables with a secret-like name whose value is unknown (a preview): step 2."""
    return sorted(
        str(name)
        for name, value in variables.items()
        if is_unknown(value) and not isinstance(value, MarkedSecret) and is_secret_name(str(name))
    )
