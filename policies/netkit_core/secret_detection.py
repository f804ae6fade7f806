"""Secret detection for Lambda environment variables, built on detect-secrets with a curated plugin set.

Pure: no Pulumi import. Shared by the `VpcFunction` component (refuses a secret before anything is created) and
the `lambda-env-no-secrets` policy. Seed 000: environment variables "are decrypted and visible to anyone with IAM
access to the Lambda configuration", so credentials belong in Secrets Manager or Parameter Store and the variable
holds only a reference (an ARN or a parameter name).

Findings name the variable and the detector; the value is never returned, logged or echoed, not even a prefix.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

# The curated set: specific detectors for real credential formats, plus entropy with limits above the noisy
# defaults (4.5 base64 / 3.0 hex) so ordinary identifiers, URLs and hashes in env vars do not fire.
_PLUGINS: tuple[dict[str, Any], ...] = (
    {"name": "AWSKeyDetector"},
    {"name": "PrivateKeyDetector"},
    {"name": "StripeDetector"},
    {"name": "GitHubTokenDetector"},
    {"name": "SlackDetector"},
    {"name": "JwtTokenDetector"},
    {"name": "BasicAuthDetector"},
    {"name": "TwilioKeyDetector"},
    {"name": "SendGridDetector"},
    {"name": "OpenAIDetector"},
    {"name": "Base64HighEntropyString", "limit": 4.5},
    {"name": "HexHighEntropyString", "limit": 3.5},
)
# Entropy detectors only look at quoted strings; values this short are never flagged by them.
MIN_ENTROPY_LENGTH = 20

# Variable names that say "this holds a secret" (keyword detection on the name, as detect-secrets' KeywordDetector
# does on source code): a non-empty, non-reference value under such a name is a violation.
_SECRET_NAME_RE = re.compile(
    r"(pass(word|wd|phrase)?|pwd|secret|token|api[_-]?key|apikey|private[_-]?key|credential|auth|"
    r"access[_-]?key|client[_-]?secret|signing[_-]?key|session[_-]?key|dsn|conn(ection)?[_-]?str(ing)?)",
    re.IGNORECASE,
)
# Names that merely point to a secret are fine even with such words: *_ARN, *_NAME, *_ID, *_PARAM(ETER), *_PATH
_REFERENCE_NAME_RE = re.compile(r"(_ARN|_NAME|_ID|_PARAM|_PARAMETER|_PATH|_REF|_URL|_TTL|_ENABLED)$", re.IGNORECASE)

# References to secrets, which is what env vars should hold.
_REFERENCE_PATTERNS: tuple[re.Pattern[str], ...] = (
    re.compile(r"^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@-]+$"),
    re.compile(r"^arn:aws[a-z-]*:ssm:[a-z0-9-]+:\d{12}:parameter/[A-Za-z0-9/_.-]+$"),
    re.compile(r"^arn:aws[a-z-]*:kms:[a-z0-9-]+:\d{12}:(key|alias)/[A-Za-z0-9/_-]+$"),
    re.compile(r"^/[A-Za-z0-9_.-]+(/[A-Za-z0-9_.-]+)*$"),  # SSM parameter path
    re.compile(r"^\{\{resolve:(secretsmanager|ssm|ssm-secure):[^}]+\}\}$"),
)
_URL_WITH_PASSWORD_RE = re.compile(r"^[a-z][a-z0-9+.-]*://[^/\s:@]+:[^/\s@]+@", re.IGNORECASE)


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


def is_reference(value: str, extra_allow: Iterable[str] = ()) -> bool:
    """True when the value points at a secret instead of being one."""
    if any(p.match(value) for p in _REFERENCE_PATTERNS):
        return True
    return any(re.fullmatch(pattern, value) for pattern in extra_allow)


@lru_cache(maxsize=1)
def _plugins() -> tuple[Any, ...]:
    """Instantiate the curated detectors once. `analyze_string` is used directly: it never calls a
    verification endpoint over the network, unlike `analyze_line` with default settings."""
    from detect_secrets.core.plugins.util import get_mapping_from_secret_type_to_class

    classes: list[Any] = list(get_mapping_from_secret_type_to_class().values())
    by_name: dict[str, Any] = {plugin_class.__name__: plugin_class for plugin_class in classes}
    instances = []
    for spec in _PLUGINS:
        options = {k: v for k, v in spec.items() if k != "name"}
        instances.append(by_name[spec["name"]](**options))
    return tuple(instances)


def _detect_secrets_types(value: str) -> list[str]:
    """Detector names that fire on the value, specific detectors first (the order of `_PLUGINS`)."""
    # Quote the value so the entropy plugins (which only look at quoted strings) see it as one token.
    quoted = f'value = "{value.replace(chr(34), "")}"'
    found: list[str] = []
    for plugin in _plugins():
        matches = [*plugin.analyze_string(quoted), *plugin.analyze_string(value)]
        limit = getattr(plugin, "entropy_limit", None)
        if limit is not None:
            # Entropy plugins apply their limit in analyze_line; apply it here, with a minimum length.
            matches = [
                m for m in matches if len(m) >= MIN_ENTROPY_LENGTH and plugin.calculate_shannon_entropy(m) > limit
            ]
        if matches:
            found.append(str(plugin.secret_type))
    return found


def scan_value(name: str, value: str, extra_allow: Iterable[str] = ()) -> SecretFinding | None:
    """Judge one variable. Returns a finding that names the variable and the detector, or None."""
    if not isinstance(value, str) or not value.strip():
        return None
    extra = tuple(extra_allow)
    if is_reference(value, extra):
        return None
    types = _detect_secrets_types(value)
    if types:
        return SecretFinding(name, types[0])
    if _URL_WITH_PASSWORD_RE.match(value):
        return SecretFinding(name, "URL with embedded password")
    if _SECRET_NAME_RE.search(name) and not _REFERENCE_NAME_RE.search(name):
        return SecretFinding(name, "secret keyword in variable name")
    return None


def scan_environment(variables: Mapping[str, Any], extra_allow: Iterable[str] = ()) -> list[SecretFinding]:
    """Scan every string variable; non-string (unknown, secret-wrapped) values are left to the caller."""
    extra = tuple(extra_allow)
    findings = []
    for name in sorted(variables):
        value = variables[name]
        if isinstance(value, str):
            finding = scan_value(name, value, extra)
            if finding is not None:
                findings.append(finding)
    return findings
