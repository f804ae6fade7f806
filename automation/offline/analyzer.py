"""Drive a CrossGuard policy pack over the analyzer gRPC protocol in the order and shape the Pulumi engine uses.

Read from pulumi/pulumi:
- `pkg/engine/update.go` (LoadLocalPolicyPackAnalyzers): after the start (and `ConfigureStack`, see
  pack_process.py), `GetAnalyzerInfo`, then `Configure` with the reconciled config (policy_config.py).
- `pkg/resource/deploy/step_generator.go`: `Analyze` (analyzeAll) for every registration the step generator steps:
  custom and component resources, the root stack and the default providers the engine registers
  (`deploy/default_providers.go`: type `pulumi:providers:<pkg>`, name `default[_<version>]`, inputs = the package's
  stack config plus `version`), never reads (they take GenerateReadSteps, which analyzes nothing). Each request has
  the resource's inputs, its parent in the options and its provider resource (URN, type, name, inputs).
- `AnalyzeResources` after the program: one `AnalyzeStack` with every resource's outputs (planned ones in a
  preview), options, parent, dependencies, property dependencies (empty lists skipped) and provider resource.
- `pkg/resource/plugin/analyzer_plugin.go`: properties marshalled with unknowns and secrets kept, internal keys
  skipped (the program runner hands them to us that way).

Results: diagnostics are violations; pulumi-policy's "can't run policy ... during preview" diagnostics and the
not-applicable reasons are parsed into `not_run` and `suppressed` (the pack's reason lines, team interface 2).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from google.protobuf import empty_pb2, json_format

from .engine import ProgramRun, RecordedResource
from .pack_process import PolicyPackError, PolicyPackProcess
from .policy_config import LEVEL_NAMES, PolicyConfigEntry, reconcile
from .protos import analyzer_pb2

PREVIEW_MARKER = "during preview: "
SEVERITY_NAMES = {
    analyzer_pb2.POLICY_SEVERITY_LOW: "low",
    analyzer_pb2.POLICY_SEVERITY_MEDIUM: "medium",
    analyzer_pb2.POLICY_SEVERITY_HIGH: "high",
    analyzer_pb2.POLICY_SEVERITY_CRITICAL: "critical",
}
PROVIDER_PREFIX = "pulumi:providers:"
STACK_TYPE = "pulumi:pulumi:Stack"


class DuplicateResourceError(Exception):
    """Two registrations with one URN: the engine stops the deployment on this, so do we."""


@dataclass(frozen=True)
class Violation:
    policy: str
    enforcement: str
    urn: str
    message: str


@dataclass(frozen=True)
class NotRun:
    policy: str
    reason: str


@dataclass(frozen=True)
class Suppressed:
    policy: str
    urn: str
    reason: str
    message: str


@dataclass(frozen=True)
class PolicyMeta:
    """One policy as GetAnalyzerInfo describes it (for SARIF rules and the text report)."""

    name: str
    description: str
    enforcement: str
    severity: str = ""
    remediation: str = ""
    url: str = ""
    display_name: str = ""


@dataclass
class AnalysisResult:
    pack_name: str
    policies: dict[str, str] = field(default_factory=dict)  # name -> effective enforcement
    violations: list[Violation] = field(default_factory=list)
    not_run: list[NotRun] = field(default_factory=list)
    suppressed: list[Suppressed] = field(default_factory=list)
    rules: list[PolicyMeta] = field(default_factory=list)
    pack_version: str = ""
    warnings: list[str] = field(default_factory=list)


def parse_reason(policy: str, reason: str) -> tuple[list[NotRun], list[Suppressed]]:
    """A not-applicable reason: lines `undecided: <text>` or `suppressed: <urn>\\t<policy>\\t<reason>\\t<message>`;
    any other line counts as undecided (team interface 2)."""
    not_run: list[NotRun] = []
    suppressed: list[Suppressed] = []
    for raw in (reason or "not applicable").splitlines():
        line = raw.strip()
        if not line:
            continue
        if line.startswith("suppressed:"):
            fields = line[len("suppressed:") :].strip().split("\t")
            if len(fields) == 4:
                urn, rule, why, message = (f.strip() for f in fields)
                suppressed.append(Suppressed(rule or policy, urn, why, message))
                continue
        text = line[len("undecided:") :].strip() if line.startswith("undecided:") else line
        not_run.append(NotRun(policy, text))
    return not_run, suppressed


def strip_description(message: str, description: str) -> str:
    """pulumi-policy prefixes the description to each message; the report shows the message alone."""
    if description and message.startswith(description):
        message = message[len(description) :].lstrip("\n")
    return message or description


def cannot_run_reason(message: str) -> str | None:
    """The reason of pulumi-policy's "can't run policy ... during preview: <reason>" diagnostic (an unknown value
    read through its proxy), which the report lists under not_run; None for any other message."""
    if message.startswith("can't run policy") and PREVIEW_MARKER in message:
        return message.split(PREVIEW_MARKER, 1)[1]
    return None


def policy_metas(info: Any, effective: Mapping[str, str]) -> list[PolicyMeta]:
    """Every policy of the pack as GetAnalyzerInfo describes it, with its effective enforcement level."""
    return [
        PolicyMeta(
            name=p.name,
            description=p.description,
            enforcement=effective.get(p.name, LEVEL_NAMES.get(p.enforcementLevel, "advisory")),
            severity=SEVERITY_NAMES.get(p.severity, ""),
            remediation=p.remediation_steps,
            url=p.url,
            display_name=p.displayName,
        )
        for p in sorted(info.policies, key=lambda p: p.name)
    ]


class Collector:
    """The decisions of a pack's answers: violations, not_run (deduplicated by policy and reason) and suppressed."""

    def __init__(self) -> None:
        self.violations: list[Violation] = []
        self.not_run: dict[tuple[str, str], NotRun] = {}
        self.suppressed: dict[tuple[str, str, str], Suppressed] = {}

    def add_remediations(self, response: Any, urn: str) -> None:
        """A `Remediate` answer: a remediation that could not run (its diagnostic) is an advisory violation on the
        resource, as the engine reports it (step_generator.go: OnPolicyViolation, EnforcementLevel Advisory)."""
        for remediation in response.remediations:
            if remediation.diagnostic:
                self.violations.append(Violation(remediation.policyName, "advisory", urn, remediation.diagnostic))
        # Its not-applicable list only feeds the engine's summary event (every policy without a remediation is in it).

    def add(self, response: Any, default_urn: str, stack_urns: set[str] | None = None) -> None:
        """One `Analyze` answer (`stack_urns` None: every violation is the analyzed resource's, `default_urn`, as the
        engine reports it: pkg/resource/deploy/analyze_snapshot.go analyzeResource) or the `AnalyzeStack` answer
        (a violation names the resource it gives when that is in the stack, else the root stack, `default_urn`:
        analyze_snapshot.go resolveStackPolicyViolationURN)."""
        for diag in response.diagnostics:
            reason = cannot_run_reason(diag.message)
            if reason is not None:
                self.not_run.setdefault((diag.policyName, reason), NotRun(diag.policyName, reason))
                continue
            self.violations.append(
                Violation(
                    policy=diag.policyName,
                    enforcement=LEVEL_NAMES.get(diag.enforcementLevel, "advisory"),
                    urn=diag.urn if stack_urns is not None and diag.urn in stack_urns else default_urn,
                    message=strip_description(diag.message, diag.description),
                )
            )
        for item in response.not_applicable:
            not_run, suppressed = parse_reason(item.policy_name, item.reason)
            for n in not_run:
                self.not_run.setdefault((n.policy, n.reason), n)
            for s in suppressed:
                self.suppressed.setdefault((s.policy, s.urn, s.message), s)


def is_read(resource: RecordedResource) -> bool:
    """Reads (`get` functions, StackReference) are never analyzed: the runner marks them."""
    return resource.read


class AnalysisSession:
    """GetAnalyzerInfo and Configure at construction; `submit` sends one registration's `Analyze` (on a small
    pool, so calls overlap with the program, which runs in its own process); answers are collected, in
    registration order, as soon as they are in (only the unanswered calls are held, never every response);
    `finish` collects the rest and runs `AnalyzeStack`."""

    def __init__(self, pack: PolicyPackProcess, user_config: Mapping[str, PolicyConfigEntry]) -> None:
        self.pack = pack
        info = pack.call("GetAnalyzerInfo", empty_pb2.Empty())
        reconciled = reconcile(info, user_config)
        pack.call("Configure", reconciled.request)
        self.effective = reconciled.levels
        self.properties = reconciled.properties  # what each policy was configured with (defaults + user config)
        self.warnings = list(reconciled.warnings)
        # The CLI reports PulumiPolicy.yaml's version over the pack's own (analyzer_plugin.go GetAnalyzerInfo:
        # pulumi-policy always answers "0.0.1").
        launch = getattr(pack, "launch", None)
        self.pack_name, self.pack_version = info.name, (getattr(launch, "version", "") or info.version)
        self.rules = policy_metas(info, self.effective)
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="analyze")
        self._pending: deque[tuple[str, Future[Any]]] = deque()  # sent, answer not collected yet
        self._collector = Collector()
        self.analyze_calls = 0  # `Analyze` requests sent
        self._seen: set[str] = set()
        self._order: dict[str, int] = {}
        self._providers: dict[str, RecordedResource] = {}  # URN -> provider resource
        self.registered: list[RecordedResource] = []  # in the order the engine steps them

    # -- what the engine registers ------------------------------------------------------------------------
    def _provider_of(self, resource: RecordedResource) -> RecordedResource | None:
        """The provider resource a registration names (default providers are recorded by the runner, before the
        first resource that uses them, as the engine registers them)."""
        if not resource.provider:
            return None
        return self._providers.get(resource.provider.rsplit("::", 1)[0])

    def _register(self, resource: RecordedResource) -> None:
        if resource.urn in self._seen:
            raise DuplicateResourceError(
                f"duplicate resource URN {resource.urn}: two resources of that type share a name; give one of "
                "them a unique name (the engine refuses this too)"
            )
        self._seen.add(resource.urn)
        self._order[resource.urn] = len(self._order)
        self.registered.append(resource)
        if resource.type.startswith(PROVIDER_PREFIX):
            self._providers[resource.urn] = resource
        request = analyzer_pb2.AnalyzeRequest(
            type=resource.type,
            properties=resource.inputs,
            urn=resource.urn,
            name=resource.name,
            options=resource_options(resource),
        )
        provider = self._provider_of(resource)
        if provider is not None:
            request.provider.CopyFrom(_provider_message(provider))
        self._pending.append((resource.urn, self._pool.submit(self._remediate_then_analyze, request)))
        self.analyze_calls += 1
        self._collect(block=False)

    def _remediate_then_analyze(self, request: Any) -> list[Any]:
        """The engine's two passes for one registration (pkg/resource/deploy/step_generator.go, before
        analyzeAll): `Remediate` first, each remediation's properties replacing the inputs, then `Analyze` on the
        result. The answers, in that order."""
        remediated = self.pack.call("Remediate", request)
        for remediation in remediated.remediations:
            if not remediation.diagnostic and remediation.HasField("properties"):
                request.properties.CopyFrom(remediation.properties)
        return [remediated, self.pack.call("Analyze", request)]

    def _collect(self, block: bool) -> None:
        """Answers in registration order: those already in (block=False), or all of them (block=True). A failed
        call raises its PolicyPackError here, so a pack that died stops the check at once."""
        pending = self._pending
        while pending and (block or pending[0][1].done()):
            urn, future = pending.popleft()
            remediated, analyzed = future.result()
            self._collector.add_remediations(remediated, urn)
            self._collector.add(analyzed, urn)

    def submit(self, resource: RecordedResource) -> None:
        """One registration as the runner reports it (usable as run_program's `on_resource`)."""
        if is_read(resource):
            self._seen_read(resource)
            return
        self._register(resource)

    def _seen_read(self, resource: RecordedResource) -> None:
        if resource.urn not in self._order:
            self._order[resource.urn] = len(self._order)
            self.registered.append(resource)

    # -- after the program --------------------------------------------------------------------------------
    def finish(self, run: ProgramRun) -> AnalysisResult:
        """Collect the per-resource answers in registration order, then run `AnalyzeStack` once."""
        collector = self._collector
        try:
            self._collect(block=True)
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)
        stack_request = analyzer_pb2.AnalyzeStackRequest()
        for resource in self.registered:
            entry = stack_request.resources.add(
                type=resource.type,
                properties=resource.outputs,
                urn=resource.urn,
                name=resource.name,
                options=resource_options(resource),
                parent=resource.parent,
                dependencies=resource.dependencies,
            )
            provider = self._provider_of(resource)
            if provider is not None:
                entry.provider.CopyFrom(_provider_message(provider))
            for key, urns in resource.property_dependencies.items():
                if urns:  # "Skip properties that have no dependencies."
                    entry.propertyDependencies[key].urns.extend(urns)
        root = next((r.urn for r in self.registered if r.type == STACK_TYPE and not r.parent), "")
        collector.add(self.pack.call("AnalyzeStack", stack_request), root, set(self._order))
        order = self._order
        violations = sorted(
            collector.violations, key=lambda v: (order.get(v.urn, len(order)), v.urn, v.policy, v.message)
        )
        return AnalysisResult(
            pack_name=self.pack_name,
            pack_version=self.pack_version,
            policies=self.effective,
            violations=violations,
            not_run=sorted(collector.not_run.values(), key=lambda n: (n.policy, n.reason)),
            suppressed=sorted(
                collector.suppressed.values(), key=lambda s: (order.get(s.urn, len(order)), s.policy, s.message)
            ),
            rules=self.rules,
            warnings=self.warnings,
        )

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def analyze(self, run: ProgramRun) -> AnalysisResult:
        """Every registration of a recorded run (those not streamed already), then the stack."""
        try:
            for resource in run.resources:
                if resource.urn not in self._order:
                    self.submit(resource)
            return self.finish(run)
        finally:
            self.close()


def resource_options(resource: RecordedResource) -> Any:
    """AnalyzerResourceOptions as the engine fills them (analyzer_plugin.go marshalResourceOptions): the parent,
    the options the program set, and a CustomTimeouts message always present (empty when none was set)."""
    options = analyzer_pb2.AnalyzerResourceOptions(parent=resource.parent)
    json_format.ParseDict(resource.options, options, ignore_unknown_fields=True)
    options.customTimeouts.SetInParent()
    return options


def _provider_message(provider: RecordedResource) -> Any:
    return analyzer_pb2.AnalyzerProviderResource(
        type=provider.type, urn=provider.urn, name=provider.name, properties=provider.inputs
    )


def analyze(pack: PolicyPackProcess, run: ProgramRun, user_config: Mapping[str, PolicyConfigEntry]) -> AnalysisResult:
    """One full analysis of an already recorded program run; the pack may be reused for the next run."""
    return AnalysisSession(pack, user_config).analyze(run)


__all__ = [
    "AnalysisResult",
    "AnalysisSession",
    "Collector",
    "DuplicateResourceError",
    "NotRun",
    "PolicyMeta",
    "PolicyPackError",
    "PolicyPackProcess",
    "Suppressed",
    "Violation",
    "analyze",
    "cannot_run_reason",
    "parse_reason",
    "policy_metas",
    "strip_description",
]
