"""Wires the pure rules into pulumi-policy: one policy per `netkit_core.rules` module, preview-safe value access.

pulumi-policy wraps properties in a proxy that raises on the first unknown value, which aborts a whole stack
policy (reported only as advisory "can't run during preview"). We unwrap the proxies into plain values with an
`UNKNOWN` sentinel instead, so every rule decides per resource and reports exactly what it could not decide.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyConfigSchema,
    PolicyPack,
    ReportViolation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    Severity,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import _is_unknown

from netkit_core.graph import UNKNOWN, Graph, Res
from netkit_core.rule import Outcome, Rule
from netkit_core.rules import all_rules

PACK_NAME = "lambda-netkit"
_LEVELS = {
    "advisory": EnforcementLevel.ADVISORY,
    "mandatory": EnforcementLevel.MANDATORY,
    "disabled": EnforcementLevel.DISABLED,
}
_SEVERITIES = {
    "low": Severity.LOW,
    "medium": Severity.MEDIUM,
    "high": Severity.HIGH,
    "critical": Severity.CRITICAL,
}


def plain(value: Any) -> Any:
    """pulumi-policy proxies -> plain dicts/lists, unknowns -> UNKNOWN (never raises)."""
    if isinstance(value, Mapping):
        target = value["__target"] if type(value).__name__ == "_DictProxy" else value
        return {k: plain(target[k]) for k in target}
    if isinstance(value, list | tuple) or type(value).__name__ == "_ListProxy":
        target = value["__target"] if type(value).__name__ == "_ListProxy" else value
        return [plain(v) for v in target]
    if _is_unknown(value):
        return UNKNOWN
    return value


def to_res(resource: Any) -> Res:
    deps = {k: [d.urn for d in v] for k, v in (resource.property_dependencies or {}).items()}
    parent = resource.parent.urn if getattr(resource, "parent", None) is not None else ""
    return Res(resource.urn, resource.resource_type, resource.name, plain(resource.props), deps, parent)


def _config(args: Any) -> dict[str, Any]:
    return dict(args.get_config() or {})


def _report(outcome: Outcome, args: Any, report_violation: ReportViolation, urn_default: str | None) -> None:
    for urn, message in outcome.violations:
        report_violation(message, urn or urn_default)
    if outcome.undecided:
        reasons = sorted({u.reason for u in outcome.undecided})
        args.not_applicable("cannot decide during preview: " + "; ".join(reasons))


def to_policy(rule: Rule) -> StackValidationPolicy | ResourceValidationPolicy:
    """The pulumi-policy object for one rule, with its metadata."""
    common: dict[str, Any] = {
        "name": rule.name,
        "description": rule.description,
        "enforcement_level": _LEVELS[rule.enforcement],
        "severity": _SEVERITIES[rule.severity],
        "remediation_steps": rule.remediation,
        "config_schema": PolicyConfigSchema(properties={k: dict(v) for k, v in rule.config_schema.items()}),
    }
    if rule.stack_check is not None:
        stack_check = rule.stack_check

        def validate_stack(args: StackValidationArgs, report_violation: ReportViolation) -> None:
            graph = Graph(to_res(r) for r in args.resources)
            _report(stack_check(graph, _config(args)), args, report_violation, None)

        return StackValidationPolicy(validate=validate_stack, **common)

    resource_check = rule.resource_check
    assert resource_check is not None
    types = set(rule.resource_types)

    def validate_resource(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if types and args.resource_type not in types:
            return
        res = Res(args.urn, args.resource_type, args.name, plain(args.props))
        outcome = resource_check(res, _config(args))
        for _urn, message in outcome.violations:
            report_violation(message, None)
        if outcome.undecided:
            args.not_applicable(
                "cannot decide during preview: " + "; ".join(sorted({u.reason for u in outcome.undecided}))
            )

    return ResourceValidationPolicy(validate=validate_resource, **common)


def policies() -> list[Policy]:
    return [to_policy(rule) for rule in all_rules()]


def build_pack() -> PolicyPack:
    """Constructing a PolicyPack starts its gRPC server and blocks: call only as the pack's entry point."""
    return PolicyPack(name=PACK_NAME, policies=policies(), enforcement_level=EnforcementLevel.ADVISORY)
