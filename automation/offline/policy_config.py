"""Policy config as the Pulumi engine reads, reconciles and validates it before `Configure`.

Read from pulumi/pulumi `pkg/resource/analyzer/config.go`:
- `parsePolicyPackConfig`: a JSON object keyed by policy name (empty file = no config); each value is an enforcement
  level string or an object whose optional `enforcementLevel` is split off from the properties; `environments`
  (ESC references) is not a policy; empty entries are dropped.
- `ReconcilePolicyPackConfig`: start from every policy's level and its schema's `default`s
  (`createConfigWithDefaults`), apply the pack's `initialConfig`, then the user's config (`applyConfig`: `all` sets
  every policy's level first, then each named entry sets its level and merges its properties shallowly); names the
  pack does not have are kept and sent as they are; then every policy with a schema is validated
  (`{"type": "object", properties, required}`), all errors sorted and joined (`pkg/engine/update.go`).
- `pkg/resource/plugin/analyzer_plugin.go` (Configure) refuses an entry without a valid level, which is what an
  unknown name with only properties becomes.

Differences, on purpose: unknown names are also reported as warnings, and no message echoes a configured value
(the engine's validator does; a policy config may hold an account id or worse).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from google.protobuf import json_format

from .files import parse_json, read_text
from .pack_process import PolicyPackError
from .protos import analyzer_pb2

LEVELS = {
    "advisory": analyzer_pb2.ADVISORY,
    "mandatory": analyzer_pb2.MANDATORY,
    "remediate": analyzer_pb2.REMEDIATE,
    "disabled": analyzer_pb2.DISABLED,
}
LEVEL_NAMES = {v: k for k, v in LEVELS.items()}
_LEVEL_LIST = ", ".join(LEVELS)


class PolicyConfigError(PolicyPackError):
    """The policy config cannot be used; one line naming the file and key, never a value."""


@dataclass
class PolicyConfigEntry:
    enforcement: str = ""  # "" = not set here
    properties: dict[str, Any] | None = None


@dataclass
class Reconciled:
    """What `Configure` receives, plus what the report needs to say about it."""

    request: Any  # analyzer_pb2.ConfigureAnalyzerRequest
    levels: dict[str, str]  # pack policy -> effective enforcement level
    properties: dict[str, dict[str, Any]]  # pack policy -> effective properties
    warnings: list[str] = field(default_factory=list)


def _level(value: Any, where: str) -> str:
    if not isinstance(value, str) or value not in LEVELS:
        raise PolicyConfigError(f"{where}: not a valid enforcement level (use one of {_LEVEL_LIST})")
    return value


def parse_policy_config(text: str, source: str = "policy config") -> tuple[dict[str, PolicyConfigEntry], list[str]]:
    """`parsePolicyPackConfig`: entries by name, and warnings (ESC environments cannot be resolved offline)."""
    if not text.strip():
        return {}, []
    data = parse_json(text, source, PolicyConfigError)
    if not isinstance(data, dict):
        raise PolicyConfigError(f"{source} must be a JSON object keyed by policy name")
    warnings: list[str] = []
    if "environments" in data:
        envs = data.pop("environments")
        if not isinstance(envs, list) or not all(isinstance(e, str) for e in envs):
            raise PolicyConfigError(f'{source}: "environments" must be an array of strings')
        warnings.append(f"{source} references ESC environments, which the offline check cannot open; ignored")
    result: dict[str, PolicyConfigEntry] = {}
    for name, value in data.items():
        where = f"{source}: {name}"
        if isinstance(value, str):
            entry = PolicyConfigEntry(_level(value, where))
        elif isinstance(value, dict):
            props = dict(value)
            level = (
                _level(props.pop("enforcementLevel"), f"{where}.enforcementLevel")
                if "enforcementLevel" in value
                else ""
            )
            entry = PolicyConfigEntry(level, props or None)
        else:
            raise PolicyConfigError(f"{where} must be an enforcement level string or an object")
        if entry.enforcement or entry.properties:  # "Don't bother including empty configs."
            result[name] = entry
    return result, warnings


def load_policy_config(path: Path | None) -> tuple[dict[str, PolicyConfigEntry], list[str]]:
    """The file's entries (none without a file); unreadable or malformed files are a PolicyConfigError."""
    if path is None:
        return {}, []
    return parse_policy_config(read_text(path, PolicyConfigError, "policy config"), f"policy config {path}")


def _apply(result: dict[str, PolicyConfigEntry], given: Mapping[str, PolicyConfigEntry]) -> None:
    """`applyConfig`."""
    everything = given.get("all")
    if everything is not None and everything.enforcement:
        for name, entry in result.items():
            result[name] = PolicyConfigEntry(everything.enforcement, entry.properties)
    for name, entry in given.items():
        current = result.get(name, PolicyConfigEntry())
        level = entry.enforcement or current.enforcement
        properties = dict(current.properties) if current.properties is not None else None
        if entry.properties:
            properties = {**(properties or {}), **entry.properties}
        result[name] = PolicyConfigEntry(level, properties)


def _describe(error: Any) -> str:
    """A jsonschema error as `key: what is wrong`, from the schema's words, never the instance's value."""
    key = ".".join(str(p) for p in error.absolute_path)
    validator, expected = error.validator, error.validator_value
    instance = error.instance
    if validator == "required":
        missing = [k for k in expected if isinstance(instance, dict) and k not in instance]
        return f"{'.'.join([key, *missing]) if key else ', '.join(missing)} is required"
    if validator == "additionalProperties" and isinstance(instance, dict):
        allowed = set((error.schema or {}).get("properties", {}))
        extra = sorted(k for k in instance if k not in allowed)
        return f"{key or 'config'}: unexpected key(s) {', '.join(extra)}"
    subject = key or "config"
    words = {
        "type": f"must be of type {expected}",
        "enum": f"must be one of {json.dumps(expected)}",
        "const": f"must be {json.dumps(expected)}",
        "minimum": f"must be >= {expected}",
        "maximum": f"must be <= {expected}",
        "exclusiveMinimum": f"must be > {expected}",
        "exclusiveMaximum": f"must be < {expected}",
        "pattern": f"must match the pattern {expected}",
        "minLength": f"must be at least {expected} characters long",
        "maxLength": f"must be at most {expected} characters long",
        "minItems": f"must have at least {expected} items",
        "maxItems": f"must have at most {expected} items",
        "uniqueItems": "must not repeat items",
        "format": "must be a valid regular expression" if expected == "regex" else f"must be a {expected}",
    }
    return f"{subject} {words.get(validator, f'does not satisfy the schema ({validator})')}"


def _schema(policy: Any) -> dict[str, Any] | None:
    """`convertSchema`: only properties and required count."""
    if not policy.HasField("configSchema"):
        return None
    schema = json_format.MessageToDict(policy.configSchema)
    result: dict[str, Any] = {"type": "object"}
    if schema.get("properties"):
        result["properties"] = schema["properties"]
    if schema.get("required"):
        result["required"] = schema["required"]
    return result


def validation_errors(policies: Iterable[Any], result: Mapping[str, PolicyConfigEntry]) -> list[str]:
    """`validatePolicyPackConfig`: every policy with a schema, with its (possibly empty) properties."""
    import jsonschema

    errors: list[str] = []
    for policy in policies:
        schema = _schema(policy)
        if schema is None:
            continue
        entry = result.get(policy.name)
        props = (entry.properties if entry else None) or {}
        # Formats are checked, as gojsonschema (the engine's validator) checks them: an `allowPatterns` entry that
        # does not compile is refused here, not turned into a policy that cannot decide.
        validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
        errors.extend(f"{policy.name}: {_describe(e)}" for e in validator.iter_errors(props))
    return sorted(errors)


def reconcile(info: Any, user: Mapping[str, PolicyConfigEntry]) -> Reconciled:
    """`ReconcilePolicyPackConfig` for the pack described by `info` (GetAnalyzerInfo), then the Configure request."""
    result: dict[str, PolicyConfigEntry] = {}
    for policy in info.policies:
        schema = _schema(policy) or {}
        defaults = {k: v["default"] for k, v in schema.get("properties", {}).items() if "default" in v}
        result[policy.name] = PolicyConfigEntry(LEVEL_NAMES.get(policy.enforcementLevel, "advisory"), defaults or None)
    initial = {
        name: PolicyConfigEntry(
            LEVEL_NAMES.get(c.enforcementLevel, "") if c.enforcementLevel else "",
            json_format.MessageToDict(c.properties) or None,
        )
        for name, c in info.initialConfig.items()
    }
    _apply(result, initial)
    _apply(result, user)
    known = {p.name for p in info.policies}
    warnings: list[str] = []
    for name in sorted(set(user) - known):
        if not result[name].enforcement:
            # analyzer.Configure: `invalid enforcement level ""`: the real CLI stops here too.
            raise PolicyConfigError(
                f"policy config entry {name} has no enforcementLevel and names no policy of pack {info.name}; "
                "the Pulumi CLI rejects that (invalid enforcement level)"
            )
        if name != "all":
            warnings.append(f"policy config names {name}, which pack {info.name} does not have; the CLI ignores it")
    errors = validation_errors(info.policies, result)
    if errors:
        raise PolicyConfigError(f"validating policy config for {info.name!r}: {'; '.join(errors)}")
    request = analyzer_pb2.ConfigureAnalyzerRequest()
    for name, entry in result.items():
        config = analyzer_pb2.PolicyConfig(enforcementLevel=LEVELS[entry.enforcement])
        # The engine always sends a properties Struct, empty for an entry without any (analyzer_plugin.go
        # Configure: structpb.NewStruct(v.Properties)), e.g. for `all`.
        config.properties.SetInParent()
        if entry.properties:
            config.properties.update(entry.properties)
        request.policyConfig[name].CopyFrom(config)
    return Reconciled(
        request=request,
        levels={name: result[name].enforcement for name in sorted(known)},
        properties={name: dict(result[name].properties or {}) for name in sorted(known)},
        warnings=warnings,
    )
