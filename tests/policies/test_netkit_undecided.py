"""`netkit-undecided`: every decision another enabled rule could not make becomes its own violation on the resource
concerned, with the reason, "during preview" only in a preview; computed once per analysis (shared outcomes)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netkit_core.analysis import StackAnalysis
from netkit_core.graph import FUNCTION, Graph
from netkit_core.rule import Outcome, Rule, Undecided
from netkit_core.rules import all_rules, rule_named

from tests.policies.conftest import res

FN = res(FUNCTION, "fn", {"tags": {}})
OTHER = res(FUNCTION, "other", {"tags": {"netkit:suppress": "probe: owned by another team"}})
CALLS: list[str] = []


def _probe(graph: Graph, config: Mapping[str, Any]) -> Outcome:
    CALLS.append("probe")
    return Outcome(undecided=[Undecided(FN.urn, "fn: its subnets are not known"), Undecided(OTHER.urn, "other: x")])


PROBE = Rule("probe", "A probe rule.", "mandatory", "low", "n/a", stack_check=_probe)


def analysis(preview: bool, enabled: set[str] | None = None, recorded: dict[str, Any] | None = None) -> StackAnalysis:
    rules = [PROBE, rule_named("netkit-undecided"), rule_named("lambda-env-no-secrets")]
    return StackAnalysis(
        Graph([FN, OTHER]), rules, {}, enabled=enabled, resource_outcomes=recorded or {}, preview=preview
    )


def test_reports_each_undecided_decision_on_its_resource() -> None:
    result = analysis(preview=False).result("netkit-undecided")
    assert result.violations == [(FN.urn, "probe could not decide for fn: its subnets are not known")]


def test_says_during_preview_only_in_a_preview() -> None:
    (violation,) = analysis(preview=True).result("netkit-undecided").violations
    assert violation[1] == "probe could not decide for fn during preview: its subnets are not known"
    lines = analysis(preview=True).result("probe").lines
    assert lines == ["undecided: during preview, fn: its subnets are not known"]
    assert analysis(preview=False).result("probe").lines == ["undecided: fn: its subnets are not known"]


def test_includes_resource_rules_recorded_in_analyze_and_skips_disabled_rules() -> None:
    recorded = {"lambda-env-no-secrets": {FN.urn: Outcome(undecided=[Undecided(FN.urn, "fn: API_TOKEN unknown")])}}
    messages = [m for _, m in analysis(False, recorded=recorded).result("netkit-undecided").violations]
    assert "lambda-env-no-secrets could not decide for fn: API_TOKEN unknown" in messages
    only = analysis(False, enabled={"netkit-undecided", "lambda-env-no-secrets"}, recorded=recorded)
    assert [m for _, m in only.result("netkit-undecided").violations] == [
        "lambda-env-no-secrets could not decide for fn: API_TOKEN unknown"
    ]


def test_each_rule_runs_once_per_analysis() -> None:
    CALLS.clear()
    shared = analysis(preview=False)
    shared.result("probe")
    shared.result("netkit-undecided")
    assert CALLS == ["probe"]


def test_a_crashing_rule_becomes_undecided_without_echoing_the_error_text() -> None:
    def crash(graph: Graph, config: Mapping[str, Any]) -> Outcome:
        raise ValueError("secret-value-123 is not a number")

    rules = [Rule("crash", "Crashes.", "mandatory", "low", "n/a", stack_check=crash), rule_named("netkit-undecided")]
    shared = StackAnalysis(Graph([FN]), rules, {})
    (line,) = shared.result("crash").lines
    assert "ValueError" in line and "secret-value-123" not in line
    assert shared.result("netkit-undecided").violations[0][0] == ""  # about the stack


def test_is_advisory_by_default_and_a_companion_of_the_other_rules() -> None:
    rule = rule_named("netkit-undecided")
    assert rule.enforcement == "advisory" and rule.companion_check is not None and rule.is_stack_rule
    assert rule in all_rules()


def test_suppressed_resources_are_not_reported_as_undecided() -> None:
    result = analysis(preview=False).result("netkit-undecided")
    assert all(urn != OTHER.urn for urn, _ in result.violations)
    assert analysis(preview=False).result("probe").lines == ["undecided: fn: its subnets are not known"]
