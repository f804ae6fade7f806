"""Secret detection for Lambda environment variables, built on detect-secrets with a curated plugin set.

Pure: no Pulumi import. Shared by the `VpcFunction` component (refuses a secret before anything is created) and
the `lambda-env-no-secrets` policy. Seed 000: environment variables "are decrypted and visible to anyone with IAM
access to the Lambda configuration", so credentials belong in Secrets Manager or Parameter Store and the variable
holds only a reference (an ARN or a parameter name).

How a variable is judged, in order (the first that applies decides):
1. a value the program marked secret (`MarkedSecret`: `Output.secret`, `require_secret`, `secure:` config) is a
   finding, known or not, unless it is a reference;
2. an unknown value (preview) under a secret-like name is undecided; under another name it is not concerned;
3. references (Secrets Manager / SSM / KMS ARNs, SSM parameter paths, `{{resolve:...}}`, `allowPatterns`) pass;
4. detect-secrets' format detectors (AWS keys, private keys, Stripe, GitHub, GitLab, Slack, JWT, npm, PyPI, ...)
   and credentials carried by a URL or connection string (`scheme://user:pw@`, `redis://:pw@`, `Password=...`,
   `?token=...`, a high-entropy path segment) are findings whatever the name;
5. values that cannot be a credential whatever the name pass: numbers, booleans, durations (30s, 5m, PT1H), sizes
   (512MB), log levels, plain URLs, ARNs, paths, resource and secret names, host names, e-mail addresses, IPs and
   CIDRs, and lists of these (the Parameters and Secrets extension's own settings are all of these shapes);
6. high entropy (detect-secrets' Base64/Hex entropy with limits above its noisy defaults, 20 characters or more)
   is a finding, except under a name that says it is an identifier or a hash (`*_ID`, `*_SHA`, `*_COMMIT`, ...);
7. anything else under a secret-like name (password, token, api key, ...; not `*_ARN`, `*_NAME`, `*_TTL_SECONDS`,
   ...) is a finding.

Findings name the variable and the detector; the value is never returned, logged or echoed, not even a prefix.
"""

from __future__ import annotations

import ipaddress
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
# A last word saying the value is an identifier or a hash: high entropy alone is expected there.
_IDENTIFIER_WORDS = frozenset(
    {"ID", "IDS", "SHA", "COMMIT", "HASH", "DIGEST", "CHECKSUM", "ETAG", "VERSION", "REVISION", "FINGERPRINT", "BUILD"}
)


def name_words(name: str) -> list[str]:
    """`dbPassword_ARN` -> ["DB", "PASSWORD", "ARN"]."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name)
    return [w for w in re.split(r"[^A-Za-z0-9]+", spaced.upper()) if w]


def is_secret_name(name: str) -> bool:
    """The name says the value is a secret (and its last word does not say it is a reference or a setting)."""
    words = name_words(name)
    if not words or words[-1] in _SETTING_WORDS or tuple(words[-2:]) == ("KEY", "ID"):
        return False
    if any(w in _SECRET_WORDS for w in words):
        return True
    if any(pair in _SECRET_PAIRS for pair in pairwise(words)):
        return True
    return words[-1] == "KEY"


def _is_identifier_name(name: str) -> bool:
    words = name_words(name)
    return bool(words) and words[-1] in _IDENTIFIER_WORDS


# --- references ----------------------------------------------------------------------------------------------
_REFERENCE_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$"),
    re.compile(r"^arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:parameter/[A-Za-z0-9/_.-]+$"),
    re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)/[A-Za-z0-9/_-]+$"),
    re.compile(r"^/[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$"),  # SSM parameter path
    re.compile(r"^\{\{resolve:(secretsmanager|ssm|ssm-secure):[^}]+\}\}$"),
)


def is_reference(value: str, extra_allow: Iterable[str] = ()) -> bool:
    """True when the value points at a secret instead of being one."""
    if any(p.match(value) for p in _REFERENCE_PATTERNS):
        return True
    return any(re.fullmatch(pattern, value) for pattern in extra_allow)


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


def url_credential(value: str) -> str | None:
    """The detector name when a URL or connection string carries a credential, else None."""
    text = value.strip()
    pairs = [p.partition("=") for p in re.split(r"[;&]", text) if "=" in p]
    if len(pairs) >= 2 or (pairs and ";" in text):
        for key, _, item in pairs:
            normalized = key.strip().lower().replace(" ", "")
            if normalized in _SECRET_QUERY_KEYS and item.strip() and not is_reference(item.strip()):
                return "connection string with a credential"
    if _URL.match(text):
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
            if _entropy_hits(segment):
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
        or is_reference(text)
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


def scan_value(name: str, value: Any, extra_allow: Iterable[str] = ()) -> SecretFinding | None:
    """Judge one variable with a known (or program-marked) value: a finding naming the variable and the
    detector, or None. Steps 1 and 3-7 of the module docstring."""
    if isinstance(value, MarkedSecret):
        if value.known and is_reference(value, tuple(extra_allow)):
            return None
        return SecretFinding(name, "marked secret by the program")
    if not isinstance(value, str) or not value.strip():
        return None
    if is_reference(value.strip(), tuple(extra_allow)):
        return None
    types = _format_types(value)
    if types:
        return SecretFinding(name, types[0])
    carried = url_credential(value)
    if carried:
        return SecretFinding(name, carried)
    if cannot_be_secret(value):
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
