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

    def __post_init__(self) -> None:
        if (self.stack_check is None) == (self.resource_check is None):
            raise ValueError(f"rule {self.name} needs exactly one of stack_check and resource_check")


def exempt_from_egress(fn: Res) -> bool:
    """A function tagged `netkit:egress=none` needs no internet (it only talks to endpoints in its VPC)."""
    return str(fn.tags().get(EGRESS_TAG, "")).lower() == "none"
