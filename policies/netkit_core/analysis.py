"""One analysis of a stack: every rule's outcome computed once, suppressions applied, and the result of each
policy call in the shape the pack reports (violations, and the not-applicable reason lines of interface 2).

Pure: no Pulumi import, so the pack's behaviour (sharing, suppression, undecided lines, never crashing) is tested
without gRPC. `netkit_core.pack` creates one `StackAnalysis` per `AnalyzeStack` and one `resource_result` per
resource policy call in `Analyze`.

Reason lines (interface 2): `undecided: <text>` or `suppressed: <urn>\\t<policy>\\t<reason>\\t<message>`, fields
without tabs or newlines. The engine drops not-applicable reasons (pkg/resource/analyzer/summary.go,
newPolicySummary, only uses them to leave the policy out of "passed"), which is why `netkit-undecided` reports
each undecided decision as a violation as well.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from netkit_core import hidden
from netkit_core.graph import Graph, Res, Undecidable
from netkit_core.rule import Outcome, Rule, Undecided
from netkit_core.suppression import Suppressions

UNDECIDED_PREFIX = "undecided: "
SUPPRESSED_PREFIX = "suppressed: "


def clean(text: str) -> str:
    """A reason-line field: no tabs or newlines."""
    return " ".join(str(text).replace("\t", " ").splitlines()).strip()


def undecided_text(reason: str, preview: bool) -> str:
    return f"during preview, {reason}" if preview else reason


@dataclass
class PolicyResult:
    """What one policy call reports: violations as (urn, message) and the not-applicable reason lines."""

    violations: list[tuple[str, str]] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)

    @property
    def reason(self) -> str:
        return "\n".join(self.lines)


def safe_run(rule: Rule, run: Callable[[], Outcome]) -> Outcome:
    """Run a rule; an unexpected exception becomes one undecided entry naming the exception type only (its text
    could quote a property value), so one odd shape never fails the pack."""
    try:
        outcome = run()
    except Undecidable as exc:  # a value not given, read outside any `Outcome.attempt`: still says what is missing
        return Outcome(undecided=[Undecided(exc.res.urn if exc.res is not None else "", str(exc))])
    except Exception as exc:  # noqa: BLE001 - the pack must never crash on a shape pulumi-aws accepts
        return Outcome(
            undecided=[Undecided("", f"{rule.name} met a property shape it cannot read ({type(exc).__name__})")]
        )
    return outcome if isinstance(outcome, Outcome) else Outcome()


def apply(
    rule: Rule,
    outcome: Outcome,
    suppressions: Suppressions,
    preview: bool,
    name_of: Callable[[str], str],
    default_urn: str = "",
    props_of: Callable[[str], Mapping[str, Any] | None] = lambda _urn: None,
) -> PolicyResult:
    """Split an outcome into reported violations, suppressed lines and undecided lines."""
    result = PolicyResult()
    for urn, message in outcome.violations:
        target = urn or default_urn
        reason = suppressions.reason(rule.name, target, name_of(target), props_of(target))
        if reason:
            fields = (target, rule.name, reason, message)
            result.lines.append(SUPPRESSED_PREFIX + "\t".join(clean(f) for f in fields))
        else:
            result.violations.append((urn, message))
    for text in sorted({clean(u.reason) for u in outcome.undecided if not _suppressed(rule, u, suppressions, name_of)}):
        result.lines.append(UNDECIDED_PREFIX + undecided_text(text, preview))
    return result


def _suppressed(rule: Rule, undecided: Undecided, suppressions: Suppressions, name_of: Callable[[str], str]) -> bool:
    """A decision about a resource that suppresses this policy is not wanted: it is not reported as undecided."""
    return bool(suppressions.reason(rule.name, undecided.urn, name_of(undecided.urn)))


def resource_result(
    rule: Rule, res: Res, config: Mapping[str, Any] | None, suppressions: Suppressions, preview: bool
) -> tuple[Outcome, PolicyResult]:
    """One resource rule on one resource (`Analyze`): its outcome (kept for `netkit-undecided`) and its result."""
    assert rule.resource_check is not None
    check = rule.resource_check
    effective = rule.effective_config(config)
    outcome = safe_run(rule, lambda: check(res, effective))
    for undecided in outcome.undecided:
        if not undecided.urn:
            outcome.undecided[outcome.undecided.index(undecided)] = Undecided(res.urn, undecided.reason)
    result = apply(
        rule,
        outcome,
        suppressions,
        preview,
        lambda u: res.name if u == res.urn else "",
        res.urn,
        lambda u: res.props if u == res.urn else None,
    )
    return outcome, result


class StackAnalysis:
    """Every stack rule's outcome for one `AnalyzeStack`, each computed at most once (on first use), on one
    shared Graph. `resource_outcomes` are the resource rules' outcomes recorded during `Analyze` (by rule name,
    then URN), so `netkit-undecided` reports them without running anything twice."""

    def __init__(
        self,
        graph: Graph,
        rules: Sequence[Rule],
        configs: Mapping[str, Mapping[str, Any] | None],
        *,
        enabled: set[str] | None = None,
        resource_outcomes: Mapping[str, Mapping[str, Outcome]] | None = None,
        preview: bool = False,
    ) -> None:
        self.graph = graph
        self.rules = {r.name: r for r in rules}
        self.configs = {r.name: r.effective_config(configs.get(r.name)) for r in rules}
        self.enabled = set(self.rules) if enabled is None else set(enabled)
        self.resource_outcomes = resource_outcomes or {}
        self.preview = preview
        self.suppressions = Suppressions(
            ((r.urn, r.name, r.props if r.inputs is None else {**r.inputs, **r.props}) for r in graph.resources),
            self.configs,
            self.rules,
        )
        self._outcomes: dict[str, Outcome] = {}

    def name_of(self, urn: str) -> str:
        res = self.graph.by_urn.get(urn)
        return res.name if res is not None else ""

    def outcome(self, name: str) -> Outcome:
        """The outcome of a rule: stack rules run once here; resource rules as recorded during `Analyze`."""
        if name in self._outcomes:
            return self._outcomes[name]
        rule = self.rules[name]
        config = self.configs[name]
        if rule.stack_check is not None:
            stack_check = rule.stack_check
            outcome = safe_run(rule, lambda: stack_check(self.graph, config))
        elif rule.companion_check is not None:
            companion = rule.companion_check
            others = {n: o for n, o in self.unsuppressed_outcomes().items() if n != name}
            outcome = safe_run(rule, lambda: companion(others, self.graph, config, self.preview))
        else:
            outcome = Outcome()
            for urn in sorted(self.resource_outcomes.get(name, {})):
                recorded = self.resource_outcomes[name][urn]
                outcome.violations.extend(recorded.violations)
                outcome.undecided.extend(recorded.undecided)
        if rule.companion_check is None:
            for component, why in hidden.reasons(self.graph, rule.judges):
                outcome.undecided.append(Undecided(component.urn, why))
        self._outcomes[name] = outcome
        return outcome

    def unsuppressed_outcomes(self) -> dict[str, Outcome]:
        """Each enabled rule's outcome with the undecided decisions on suppressed resources left out."""
        result = {}
        for name in sorted(self.enabled):
            rule = self.rules.get(name)
            if rule is None or rule.companion_check is not None:
                continue
            outcome = self.outcome(name)
            kept = [u for u in outcome.undecided if not _suppressed(rule, u, self.suppressions, self.name_of)]
            result[name] = Outcome(list(outcome.violations), kept)
        return result

    def result(self, name: str) -> PolicyResult:
        """What the policy `name` reports in `AnalyzeStack`."""
        rule = self.rules[name]
        return apply(rule, self.outcome(name), self.suppressions, self.preview, self.name_of, "", self._props)

    def _props(self, urn: str) -> Mapping[str, Any] | None:
        res = self.graph.by_urn.get(urn)
        return None if res is None else res.props


def finite_number(value: Any) -> float | None:
    """A real, finite number (not a bool, NaN or infinity), else None."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None
