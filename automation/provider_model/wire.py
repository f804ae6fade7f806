"""The wire form of property values: plain dicts and lists with the engine's unknown sentinel and the secret,
resource-reference and output-value signatures (pulumi/pulumi sdk/go/common/resource/plugin/rpc.go and
sdk/go/common/resource/sig; the same constants as pulumi/runtime/rpc.py, checked by tests/test_wire_constants.py).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # sdk/go/common/resource/plugin/rpc.go UnknownStringValue
SIG_KEY = "4dabf18193072939515e22adb298388d"  # sdk/go/common/resource/sig
RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
OUTPUT_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4"
ACCOUNT_ID = "123456789012"
PARTITION = "aws"


def digest(*parts: str) -> str:
    """A stable hex digest of the parts: the seed of every deterministic id, name and address."""
    return hashlib.sha256("/".join(parts).encode()).hexdigest()


def is_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get(SIG_KEY) == SECRET_SIG


def secret_values(value: Any, inside: bool = False) -> list[str]:
    """The strings (and JSON forms of other scalars) inside every value marked secret: what must never be printed
    (the offline check masks them; its engine shim redacts them in fixture hints)."""
    if isinstance(value, dict):
        if value.get(SIG_KEY) == SECRET_SIG:
            return secret_values(value.get("value"), True)
        return [leaf for v in value.values() for leaf in secret_values(v, inside)]
    if isinstance(value, list | tuple):
        return [leaf for v in value for leaf in secret_values(v, inside)]
    if not inside or value is None or isinstance(value, bool):
        return []
    return [value if isinstance(value, str) else json.dumps(value)]


def contains_unknowns(value: Any) -> bool:
    """resource.PropertyValue.ContainsUnknowns on the wire form (an unknown output value counts)."""
    if value == UNKNOWN:
        return True
    if isinstance(value, dict):
        if value.get(SIG_KEY) == OUTPUT_SIG and "value" not in value:
            return True
        return any(contains_unknowns(v) for v in value.values())
    if isinstance(value, list):
        return any(contains_unknowns(v) for v in value)
    return False


def unwrap_secrets(value: Any) -> Any:
    """The value with every secret replaced by its element (what a provider that does not accept secrets gets)."""
    if isinstance(value, dict):
        if value.get(SIG_KEY) == SECRET_SIG:
            return unwrap_secrets(value.get("value"))
        return {k: unwrap_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap_secrets(v) for v in value]
    return value


def downgrade(value: Any) -> Any:
    """The analyzer's view of a wire value: resource references become their id (or URN for components), output
    values their element (or unknown), internal `__` keys are dropped; unknowns and secrets are kept (analyzers get
    properties marshalled with KeepUnknowns, KeepSecrets, SkipInternalKeys and without KeepResources:
    sdk/go/common/resource/plugin/analyzer_plugin.go Analyze/AnalyzeStack)."""
    if isinstance(value, dict):
        sig = value.get(SIG_KEY)
        if sig == RESOURCE_SIG:
            if "id" in value:
                ref_id = value["id"]
                return UNKNOWN if ref_id in ("", None) else downgrade(ref_id)
            return value.get("urn", "")
        if sig == SECRET_SIG:
            return {SIG_KEY: SECRET_SIG, "value": downgrade(value.get("value"))}
        if sig == OUTPUT_SIG:
            inner = downgrade(value["value"]) if "value" in value else UNKNOWN
            return {SIG_KEY: SECRET_SIG, "value": inner} if value.get("secret") else inner
        if sig is not None:
            return value  # assets and archives pass through as they are
        return {k: downgrade(v) for k, v in value.items() if not k.startswith("__")}
    if isinstance(value, list):
        return [downgrade(v) for v in value]
    return value


def annotate_secrets(outs: dict[str, Any], ins: dict[str, Any]) -> dict[str, Any]:
    """What the engine does with a provider that does not accept secrets (pulumi/pulumi
    pkg/resource/plugin/provider_plugin.go annotateSecrets, after Check and Create): a property of `outs` whose
    counterpart in `ins` contains a secret becomes secret, objects walked key by key."""
    result = dict(outs)
    for key, in_value in ins.items():
        if key not in result:
            continue
        out_value = result[key]
        plain_objects = isinstance(out_value, dict) and isinstance(in_value, dict)
        if plain_objects and in_value.get(SIG_KEY) is None and out_value.get(SIG_KEY) is None:
            result[key] = annotate_secrets(out_value, in_value)
            continue
        if not is_secret(out_value) and _contains_secrets(in_value):
            result[key] = {SIG_KEY: SECRET_SIG, "value": out_value}
    return result


def _contains_secrets(value: Any) -> bool:
    if is_secret(value):
        return True
    if isinstance(value, dict):
        return any(_contains_secrets(v) for v in value.values())
    if isinstance(value, list):
        return any(_contains_secrets(v) for v in value)
    return False
