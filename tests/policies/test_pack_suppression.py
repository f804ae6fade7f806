"""Suppressions (DESIGN.md section 3): a `netkit:suppress` tag or a policy's `suppress` config entry moves a finding
into the not-applicable reason lines (`suppressed: <urn>\\t<policy>\\t<reason>\\t<message>`); a reason is required
(without one nothing is suppressed and the problem is reported, naming the resource)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import pytest
from netkit_core.analysis import StackAnalysis
from netkit_core.graph import FUNCTION, Graph, Res
from netkit_core.rule import Outcome, Rule
from netkit_core.suppression import Suppressions, parse_tag

from tests.policies.conftest import res


def _fail_all(graph: Graph, config: Mapping[str, Any]) -> Outcome:
    out = Outcome()
    for fn in graph.of_type(FUNCTION):
        out.fail(fn, f"function {fn.name} is\tbad\nreally")
    return out


RULES = [
    Rule("alpha", "Alpha.", "mandatory", "low", "n/a", stack_check=_fail_all),
    Rule("beta", "Beta.", "mandatory", "low", "n/a", stack_check=_fail_all),
]


def fn(name: str, tag: str | None = None) -> Res:
    return res(FUNCTION, name, {"tags": {"netkit:suppress": tag} if tag is not None else {}})


def run(resources: list[Res], configs: dict[str, Any] | None = None) -> StackAnalysis:
    return StackAnalysis(Graph(resources), RULES, configs or {})


def test_tag_suppresses_the_named_policies_only() -> None:
    shared = run([fn("api", "alpha, beta: accepted\tby security"), fn("worker", "alpha: legacy")])
    assert shared.result("alpha").violations == []
    assert [u.rsplit("::", 1)[1] for u, _ in shared.result("beta").violations] == ["worker"]
    line = next(x for x in shared.result("alpha").lines if "::api" in x)
    prefix, rest = line.split(": ", 1)
    assert prefix == "suppressed"
    urn, policy, reason, message = rest.split("\t")
    assert urn.endswith("::api") and policy == "alpha" and reason == "accepted by security"
    assert message == "function api is bad really"  # tabs and newlines removed from fields


def test_config_entries_match_names_and_urn_globs() -> None:
    configs = {
        "alpha": {"suppress": [{"resource": "api*", "reason": "internal only"}]},
        "beta": {"suppress": [{"resource": "*::worker", "reason": "batch"}]},
    }
    shared = run([fn("api-1"), fn("worker")], configs)
    assert [u.rsplit("::", 1)[1] for u, _ in shared.result("alpha").violations] == ["worker"]
    assert [u.rsplit("::", 1)[1] for u, _ in shared.result("beta").violations] == ["api-1"]


@pytest.mark.parametrize(
    ("tag", "config"),
    [
        ("alpha", None),
        ("alpha:   ", None),
        (None, {"alpha": {"suppress": [{"resource": "api"}]}}),
        (None, {"alpha": {"suppress": [{"resource": "api", "reason": " "}]}}),
    ],
)
def test_a_suppression_without_a_reason_suppresses_nothing_and_is_reported(tag: str | None, config: Any) -> None:
    shared = run([fn("api", tag)], config)
    assert len(shared.result("alpha").violations) == 1
    (problem,) = shared.suppressions.problems
    assert problem.policy == "alpha" and problem.urn.endswith("::api") and "api" in problem.message
    assert "reason" in problem.message


def test_unknown_policies_and_malformed_tags_are_reported() -> None:
    shared = run([fn("api", "gamma: because"), fn("web", ": no policy")])
    assert len(shared.suppressions.problems) == 2
    assert all(p.policy == "" for p in shared.suppressions.problems)


def test_parse_tag() -> None:
    assert parse_tag("a,b: why: really") == (["a", "b"], "why: really")
    assert parse_tag(7) is None and parse_tag("") is None


def test_resource_rule_path_reads_the_tag_from_the_props() -> None:
    suppressions = Suppressions([], {})
    props = {"tags": {"netkit:suppress": "alpha: ok"}}
    assert suppressions.reason("alpha", "urn:x", "x", props) == "ok"
    assert suppressions.reason("beta", "urn:x", "x", props) == ""
