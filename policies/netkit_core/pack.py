"""Wires the pure rules into pulumi-policy: one policy per `netkit_core.rules` module. The only pulumi-policy glue.

What the pack adds to pulumi-policy 1.21 (pinned in requirements.txt), and why:
- It records the inputs the engine sends in `Analyze` (per URN, in this process) and the resource's provider, and
  builds the stack rules' Graph in `AnalyzeStack` with them (`Res.inputs`, `Res.provider`): in a first preview a
  computed property the program omitted is unknown in `AnalyzeStack` but absent from the inputs, which is how a
  rule applies the provider's default instead of giving up.
- It reads the raw requests itself: pulumi-policy's deserializer drops the engine's secret marks (a value from
  `Output.secret` would look like any string) and raises on a non-finite number; its proxies raise on the first
  unknown value, which aborts a whole stack policy. We convert to plain values with an `UNKNOWN` sentinel and
  `MarkedSecret` strings instead.
- One Graph and one `StackAnalysis` per `AnalyzeStack`, shared by every stack policy (stacks of thousands of
  resources): each rule runs once, `netkit-undecided` reuses the outcomes, suppressions are applied here.

The hook is a subclass of pulumi-policy's `_PolicyAnalyzerServicer` (installed before `PolicyPack` creates its
servicer). The alternative, a resource policy that records inputs as a side effect, would be a user-visible dummy
policy that stops recording when a user disables it, and still could not see secret marks. The subclass records,
then hands the SDK a request without properties/resources (our policies read the recorded, converted values), so
the SDK keeps doing what it does well: policy dispatch, enforcement levels, config and diagnostics. When the hook
is not installed (policies used with the stock servicer), the policies fall back to the SDK's own arguments.
"""

from __future__ import annotations

import math
import os
import threading
from collections.abc import Mapping
from typing import Any

import pulumi_policy.policy as sdk
from google.protobuf import struct_pb2
from pulumi.runtime import proto
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
from pulumi_policy.deserialize import SPECIAL_SECRET_SIG, SPECIAL_SIG_KEY
from pulumi_policy.proxy import _is_unknown

from netkit_core.analysis import PolicyResult, StackAnalysis, resource_result
from netkit_core.graph import UNKNOWN, Graph, Res
from netkit_core.rule import Outcome, Rule
from netkit_core.rules import all_rules
from netkit_core.secret_detection import MarkedSecret
from netkit_core.suppression import Suppressions

PACK_NAME = "lambda-netkit"
UNDECIDED_POLICY = "netkit-undecided"
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


def is_preview() -> bool:
    """Whether this analysis is a preview: `ConfigureStack`'s `dry_run` when the engine sent it, else
    PULUMI_DRY_RUN, which the CLI sets when it starts the pack (pkg/resource/plugin/analyzer_plugin.go,
    `maybeAppendEnv("PULUMI_DRY_RUN", strconv.FormatBool(opts.DryRun))`; the offline launcher does the same)."""
    if STATE.dry_run is not None:
        return STATE.dry_run
    return os.environ.get("PULUMI_DRY_RUN", "").lower() == "true"


# --- values -----------------------------------------------------------------------------------------------------
def plain(value: Any) -> Any:
    """pulumi-policy proxies -> plain dicts/lists, unknowns -> UNKNOWN (never raises). Used for the SDK's own
    arguments when the recording hook is not installed."""
    if isinstance(value, Mapping):
        target = value["__target"] if type(value).__name__ == "_DictProxy" else value
        return {k: plain(target[k]) for k in target}
    if isinstance(value, list | tuple) or type(value).__name__ == "_ListProxy":
        target = value["__target"] if type(value).__name__ == "_ListProxy" else value
        return [plain(v) for v in target]
    if _is_unknown(value):
        return UNKNOWN
    return value


def from_value(value: struct_pb2.Value, mark_secrets: bool = False) -> Any:
    """One protobuf value as the engine marshalled it -> plain Python. Unknown sentinels -> UNKNOWN; integral
    numbers -> int (numbers cross the protocol as doubles); secrets -> their value, a `MarkedSecret` for a string
    (and `MarkedSecret.unknown()` for an unknown one when `mark_secrets`, else UNKNOWN)."""
    kind = value.WhichOneof("kind")
    if kind == "string_value":
        # pulumi_policy.proxy._is_unknown: a string equal to one of the engine's seven unknown sentinels.
        return UNKNOWN if _is_unknown(value.string_value) else value.string_value
    if kind == "number_value":
        number = value.number_value
        return int(number) if math.isfinite(number) and number.is_integer() and abs(number) < 2**53 else number
    if kind == "bool_value":
        return value.bool_value
    if kind == "list_value":
        return [from_value(v, mark_secrets) for v in value.list_value.values]
    if kind == "struct_value":
        fields = value.struct_value.fields
        sig = fields.get(SPECIAL_SIG_KEY)
        if sig is not None and sig.string_value == SPECIAL_SECRET_SIG and "value" in fields:
            inner = from_value(fields["value"], mark_secrets)
            if isinstance(inner, str):
                return MarkedSecret(inner)
            if inner is UNKNOWN and mark_secrets:
                return MarkedSecret.unknown()
            return inner
        return from_struct(value.struct_value, mark_secrets)
    return None


def from_struct(struct: struct_pb2.Struct, mark_secrets: bool = False) -> dict[str, Any]:
    return {key: from_value(v, mark_secrets) for key, v in struct.fields.items()}


def to_res(resource: Any) -> Res:
    """A pulumi-policy PolicyResource -> Res (fallback path without the recording hook)."""
    deps = {k: [d.urn for d in v] for k, v in (resource.property_dependencies or {}).items()}
    parent = resource.parent.urn if getattr(resource, "parent", None) is not None else ""
    provider = getattr(resource, "provider", None)
    return Res(
        resource.urn,
        resource.resource_type,
        resource.name,
        plain(resource.props),
        deps,
        parent,
        provider=plain(provider.props) if provider is not None else None,
    )


# --- state shared by the servicer and the policies ---------------------------------------------------------------
class Recorded:
    """What `Analyze` sent for one URN."""

    __slots__ = ("inputs", "marked", "name", "provider")

    def __init__(self, name: str, inputs: dict[str, Any], marked: dict[str, Any], provider: dict[str, Any] | None):
        self.name, self.inputs, self.marked, self.provider = name, inputs, marked, provider


class PackState:
    """Per-process record of one analysis: Analyze inputs by URN, resource-rule outcomes (rule -> URN ->
    Outcome) and, during `AnalyzeStack`, the shared StackAnalysis. Reset after every `AnalyzeStack`, so a pack
    process reused for another run (the offline check does) never sees stale inputs. Calls may come from several
    gRPC threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.recorded: dict[str, Recorded] = {}
        self.resource_outcomes: dict[str, dict[str, Outcome]] = {}
        self.analysis: StackAnalysis | None = None
        self.hooked = False
        self.dry_run: bool | None = None
        self.stack_config: dict[str, str] | None = None

    def record(self, urn: str, name: str, properties: struct_pb2.Struct, provider: Any | None) -> None:
        entry = Recorded(
            name,
            from_struct(properties),
            from_struct(properties, mark_secrets=True),
            from_struct(provider.properties) if provider is not None else None,
        )
        with self.lock:
            self.recorded[urn] = entry

    def get(self, urn: str) -> Recorded | None:
        with self.lock:
            return self.recorded.get(urn)

    def keep(self, rule: str, urn: str, outcome: Outcome) -> None:
        with self.lock:
            self.resource_outcomes.setdefault(rule, {})[urn] = outcome

    def reset(self) -> None:
        with self.lock:
            self.recorded, self.resource_outcomes, self.analysis = {}, {}, None


STATE = PackState()


# --- the servicer hook -------------------------------------------------------------------------------------------
class _RecordingServicer(sdk._PolicyAnalyzerServicer):
    """pulumi-policy's servicer (policy.py `_PolicyAnalyzerServicer`), plus recording and one shared analysis."""

    netkit_policies: list[Policy] = []

    def Analyze(self, request: Any, context: Any) -> Any:
        STATE.record(
            request.urn, request.name, request.properties, request.provider if request.HasField("provider") else None
        )
        stripped = proto.AnalyzeRequest()
        stripped.CopyFrom(request)
        stripped.ClearField("properties")
        stripped.ClearField("provider")
        return super().Analyze(stripped, context)

    def ConfigureStack(self, request: Any, context: Any) -> Any:
        # Older engines send no ConfigureStack; then PULUMI_DRY_RUN decides (see is_preview).
        STATE.dry_run = bool(request.dry_run)
        # The stack's config comes in the request too (pkg/resource/plugin/analyzer_plugin.go, NewPolicyAnalyzer:
        # `req.Config = mconfig`). PULUMI_CONFIG is only set when a language host starts the pack (its PolicyProxy);
        # a pack started as an executable analyzer (`--policy-pack <executable>`) gets the config only here.
        if request.config:
            STATE.stack_config = dict(request.config)
        return super().ConfigureStack(request, context)

    def AnalyzeStack(self, request: Any, context: Any) -> Any:
        try:
            STATE.analysis = self._analysis(request)
            response = super().AnalyzeStack(proto.AnalyzeStackRequest(), context)
            self._report_suppression_problems(response, STATE.analysis)
            return response
        finally:
            STATE.reset()

    def _enabled(self) -> set[str]:
        return {p.name for p in self.netkit_policies if self._get_enforcement_level(p) != EnforcementLevel.DISABLED}

    def _analysis(self, request: Any) -> StackAnalysis:
        resources = []
        for r in request.resources:
            recorded = STATE.get(r.urn)
            provider = from_struct(r.provider.properties) if r.HasField("provider") else None
            resources.append(
                Res(
                    r.urn,
                    r.type,
                    r.name,
                    from_struct(r.properties),
                    {k: list(v.urns) for k, v in r.propertyDependencies.items()},
                    r.parent,
                    inputs=recorded.inputs if recorded is not None else None,
                    provider=provider if provider is not None else (recorded.provider if recorded else None),
                )
            )
        rules = all_rules()
        return StackAnalysis(
            Graph(resources, STATE.stack_config),
            rules,
            {rule.name: self._get_policy_config(rule.name) for rule in rules},
            enabled=self._enabled(),
            resource_outcomes={k: dict(v) for k, v in STATE.resource_outcomes.items()},
            preview=is_preview(),
        )

    def _report_suppression_problems(self, response: Any, analysis: StackAnalysis) -> None:
        """A suppression without a reason (or naming no known policy) is reported, advisory, naming the resource:
        added to the response directly, since an SDK policy can only report at its own enforcement level."""
        enabled = self._enabled()
        version = getattr(self, "_PolicyAnalyzerServicer__policy_pack_version", "0.0.1")
        for problem in analysis.suppressions.problems:
            policy = problem.policy or UNDECIDED_POLICY
            if policy not in enabled:
                continue
            rule = analysis.rules[policy]
            response.diagnostics.append(
                proto.AnalyzeDiagnostic(
                    policyName=policy,
                    policyPackName=PACK_NAME,
                    policyPackVersion=version,
                    message=f"{rule.description}\n{problem.message}",
                    urn=problem.urn,
                    description=rule.description,
                    enforcementLevel=proto.ADVISORY,
                    severity=proto.POLICY_SEVERITY_LOW,
                )
            )


# --- policies ----------------------------------------------------------------------------------------------------
def _report(result: PolicyResult, args: Any, report_violation: ReportViolation) -> None:
    for urn, message in result.violations:
        report_violation(message, urn or None)
    if result.lines:
        args.not_applicable(result.reason)


def to_policy(rule: Rule) -> StackValidationPolicy | ResourceValidationPolicy:
    """The pulumi-policy object for one rule, with its metadata and its config schema (every key with a default,
    plus the generic `suppress`)."""
    common: dict[str, Any] = {
        "name": rule.name,
        "description": rule.description,
        "enforcement_level": _LEVELS[rule.enforcement],
        "severity": _SEVERITIES[rule.severity],
        "remediation_steps": rule.remediation,
        "config_schema": PolicyConfigSchema(properties=rule.full_schema()),
    }
    if rule.is_stack_rule:

        def validate_stack(args: StackValidationArgs, report_violation: ReportViolation) -> None:
            analysis = STATE.analysis
            if analysis is None:  # stock servicer: build the analysis from the SDK's arguments
                graph = Graph(to_res(r) for r in args.resources)
                analysis = StackAnalysis(graph, all_rules(), {rule.name: args.get_config()}, preview=is_preview())
            _report(analysis.result(rule.name), args, report_violation)

        return StackValidationPolicy(validate=validate_stack, **common)

    types = set(rule.resource_types)

    def validate_resource(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        if types and args.resource_type not in types:
            return
        recorded = STATE.get(args.urn)
        props = recorded.marked if recorded is not None else plain(args.props)
        res = Res(
            args.urn,
            args.resource_type,
            args.name,
            props,
            inputs=recorded.inputs if recorded is not None else None,
            provider=recorded.provider if recorded is not None else None,
        )
        config = args.get_config()
        suppressions = Suppressions([(args.urn, args.name, props)], {rule.name: rule.effective_config(config)})
        outcome, result = resource_result(rule, res, config, suppressions, is_preview())
        STATE.keep(rule.name, args.urn, outcome)
        _report(result, args, report_violation)

    return ResourceValidationPolicy(validate=validate_resource, **common)


def policies() -> list[Policy]:
    return [to_policy(rule) for rule in all_rules()]


def build_pack() -> PolicyPack:
    """Constructing a PolicyPack starts its gRPC server and blocks: call only as the pack's entry point."""
    pack_policies = policies()
    _RecordingServicer.netkit_policies = pack_policies
    sdk._PolicyAnalyzerServicer = _RecordingServicer  # type: ignore[misc]  # see the module docstring
    STATE.hooked = True
    return PolicyPack(name=PACK_NAME, policies=pack_policies, enforcement_level=EnforcementLevel.ADVISORY)
