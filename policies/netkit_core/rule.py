"""What a rule is: its metadata (name, description, enforcement, severity, remediation, config schema) and its
logic, kept together in one module per rule under `netkit_core.rules`. Pure: no Pulumi or pulumi-policy import,
so rules are tested as plain functions and `netkit_core.pack` alone knows about pulumi-policy.

Two kinds, as in pulumi-policy: a resource rule sees one resource's inputs (`Analyze`), a stack rule sees the
whole stack as a `Graph` (`AnalyzeStack`). Both return an `Outcome`: the violations they are sure of and the
reasons for what they could not decide (unknown values in a first preview, lookups, resources outside the program).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from netkit_core.graph import EGRESS_TAG, Graph, Res, Undecidable

Enforcement = Literal["advisory", "mandatory", "disabled"]
Severity = Literal["low", "medium", "high", "critical"]


@dataclass(frozen=True)
class Undecided:
    """A decision a rule could not make: about which resource (its URN, "" for the stack) and why."""

    urn: str
    reason: str


@dataclass
class Outcome:
    """Violations as (urn, message), and the decisions that could not be made."""

    violations: list[tuple[str, str]] = field(default_factory=list)
    undecided: list[Undecided] = field(default_factory=list)

    def fail(self, res: Res, message: str) -> None:
        self.violations.append((res.urn, message))

    def undecide(self, res: Res | None, reason: str) -> None:
        self.undecided.append(Undecided(res.urn if res is not None else "", reason))

    def attempt(self, fn: Callable[[], None], about: Res | None = None) -> None:
        """Run one decision; an `Undecidable` becomes an undecided entry about `exc.res`, else `about`."""
        try:
            fn()
        except Undecidable as exc:
            self.undecide(exc.res or about, str(exc))


StackCheck = Callable[[Graph, Mapping[str, Any]], Outcome]
ResourceCheck = Callable[[Res, Mapping[str, Any]], Outcome]
# A companion rule judges the other rules' outcomes (by rule name) of one analysis, e.g. `netkit-undecided`; the
# last argument says whether this is a preview (PULUMI_DRY_RUN=true).
CompanionCheck = Callable[[Mapping[str, "Outcome"], Graph, Mapping[str, Any], bool], "Outcome"]

# Every policy accepts `suppress` (DESIGN.md section 3): a list of {"resource": <name or URN glob>, "reason": ...}.
# `reason` is not required by the schema on purpose: the engine would reject the whole config, while the pack
# reports a suppression without a reason (advisory, naming the resource) and ignores it (fail closed).
SUPPRESS_SCHEMA: Mapping[str, Any] = {
    "type": "array",
    "items": {
        "type": "object",
        "properties": {"resource": {"type": "string"}, "reason": {"type": "string"}},
        "required": ["resource"],
    },
    "default": [],
}
_JSON_TYPES: Mapping[str, tuple[type, ...]] = {
    "integer": (int,),
    "number": (int, float),
    "string": (str,),
    "boolean": (bool,),
    "array": (list, tuple),
    "object": (dict, Mapping),
}


@dataclass(frozen=True)
class Rule:
    """One policy of the pack. Exactly one of `stack_check` / `resource_check` is set."""

    name: str
    description: str
    enforcement: Enforcement
    severity: Severity
    remediation: str
    config_schema: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    stack_check: StackCheck | None = None
    resource_check: ResourceCheck | None = None
    resource_types: tuple[str, ...] = ()
    companion_check: CompanionCheck | None = None
    # The kinds of resources the rule reports on (netkit_core.hidden): a component whose children the check cannot
    # see and that may create one of them makes the rule undecided on that component, never a silent pass. (A
    # resource the rule reaches through a visible one, such as a function's subnets from an awsx Vpc, is already
    # undecided through its property dependency, `Graph.origin`.)
    judges: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        checks = [c for c in (self.stack_check, self.resource_check, self.companion_check) if c is not None]
        if len(checks) != 1:
            raise ValueError(f"rule {self.name} needs exactly one of stack_check, resource_check, companion_check")

    @property
    def is_stack_rule(self) -> bool:
        """Runs in `AnalyzeStack` (a stack or companion rule), not per resource in `Analyze`."""
        return self.resource_check is None

    def full_schema(self) -> dict[str, dict[str, Any]]:
        """The config schema the pack publishes: the rule's own keys plus the generic `suppress`."""
        return {**{k: dict(v) for k, v in self.config_schema.items()}, "suppress": dict(SUPPRESS_SCHEMA)}

    def effective_config(self, given: Mapping[str, Any] | None) -> dict[str, Any]:
        """Schema defaults, overlaid with the given values of the right JSON type (as the engine reconciles it,
        pkg/resource/analyzer/config.go ReconcilePolicyPackConfig). A value of the wrong type keeps the default:
        the engine and the offline check validate config before `Configure`; this only keeps a rule from
        crashing on a config that reached it some other way."""
        schema = self.full_schema()
        result: dict[str, Any] = {k: v.get("default") for k, v in schema.items()}
        for key, value in (given or {}).items():
            ok, coerced = _coerce(value, str(schema.get(key, {}).get("type", "")))
            if ok:
                result[key] = coerced
        return result


def _coerce(value: Any, json_type: str) -> tuple[bool, Any]:
    """(acceptable, value) for one config value. Numbers cross the analyzer protocol as doubles
    (google.protobuf.Struct), so an integral float is accepted as an integer."""
    if json_type == "integer" and isinstance(value, float) and value.is_integer():
        return True, int(value)
    expected = _JSON_TYPES.get(json_type)
    if expected is None:
        return True, value
    if isinstance(value, bool) and bool not in expected:
        return False, None
    if isinstance(value, float) and json_type == "number" and value != value:  # NaN
        return False, None
    return isinstance(value, expected), value


def exempt_from_egress(fn: Res) -> bool:
    """A function tagged `netkit:egress=none` needs no internet (it only talks to endpoints in its VPC)."""
    return str(fn.tags().get(EGRESS_TAG, "")).lower() == "none"
