"""Property test (moved from tests/test_graph.py and widened): arbitrary property trees, including the odd shapes
pulumi-aws accepts (invalid CIDR strings, non-lists where lists are usual, NaN/infinite numbers, unknowns, values the
program marked secret), never crash a rule, and no generated secret reaches any message, reason line or report
format (JSON, SARIF, text)."""

from __future__ import annotations

import io
import re
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from netkit_core import graph as graph_module
from netkit_core import security_groups
from netkit_core.analysis import PolicyResult, StackAnalysis, resource_result
from netkit_core.graph import UNKNOWN, Graph, Res, Undecidable
from netkit_core.rule import Outcome
from netkit_core.rules import all_rules
from netkit_core.secret_detection import MarkedSecret
from netkit_core.suppression import Suppressions

PACKAGE = Path(graph_module.__file__).parent

# Secrets generated here; none may appear in any output. (Split so this file does not trip scanners.)
SECRETS = [
    "AKIA" + "ZQ7RT2X9KLMN4PQ3",
    "gh" + "p_" + "Zk3x9Qm2Lp8Wv5Rt1Yc7Bn4Hs6Df0Ga2Je8Ku",
    "hunter2-" + "Vq8sLx",
    "postgres://app:" + "Pw9xQz7Lk" + "@db.internal/app",
    "sk" + "_live_" + "9fJ2kL8mN3pQ7rS1tU5vW0xY",
]
WORLD_SPELLINGS = ["0.0.0.0/0", "::/0", "0::/0", "0:0:0:0:0:0:0:0/0", "1.2.3.4/0", " 0.0.0.0/0 "]
ODD_STRINGS = ["10.0.0.0/33", "not-a-cidr", "", "-1", "all", "tcp", "ingress", "egress", "Interface", "Gateway"]
PLAIN_STRINGS = [
    "10.0.0.0/24",
    "10.0.1.0/28",
    "us-east-1a",
    "use1-az1",
    "com.amazonaws.us-east-1.s3",
    "com.amazonaws.us-east-1.execute-api",
    "igw-1",
    "nat-1",
    "sg-1",
    "pl-1",
    "regional",
    "zonal",
    "none",
    "hyperplane-eip",
]


def _type_tokens() -> list[str]:
    tokens = set()
    for module in (graph_module, security_groups):
        tokens |= {v for v in vars(module).values() if isinstance(v, str) and re.match(r"^aws:[\w/]+:\w+$", v)}
    return sorted(tokens)


def _property_keys() -> list[str]:
    """Every key a rule reads (found in the package's source), so new rules are covered without a list here."""
    keys = {"tags", "id", "vpcConfig", "subnetIds", "securityGroupIds", "environment", "variables", "ingress"}
    pattern = re.compile(r"""(?:\.get|setting|is_set)\(\s*(?:[\w.]+,\s*)?["']([a-z][A-Za-z0-9]*)["']""")
    for path in PACKAGE.rglob("*.py"):
        keys |= set(pattern.findall(path.read_text(encoding="utf-8")))
    return sorted(keys)


TYPES = _type_tokens()
KEYS = _property_keys()
leaves = st.one_of(
    st.sampled_from(SECRETS),
    st.none(),
    st.booleans(),
    st.integers(-5, 10**6),
    st.sampled_from([float("nan"), float("inf"), -float("inf"), 2.5]),
    st.just(UNKNOWN),
    st.sampled_from(SECRETS),
    st.sampled_from(SECRETS).map(MarkedSecret),
    st.just(MarkedSecret.unknown()),
    st.sampled_from(WORLD_SPELLINGS + ODD_STRINGS + PLAIN_STRINGS),
)
tags = st.dictionaries(
    st.sampled_from(["Name", "netkit:egress", "netkit:pattern", "netkit:environment", "owner"]),
    st.one_of(st.sampled_from(SECRETS), st.sampled_from(PLAIN_STRINGS)),
    max_size=3,
).map(lambda t: t | {"netkit:suppress": "security-group-no-world-ingress"} if "owner" in t else t)
trees: Any = st.recursive(
    leaves,
    lambda children: st.one_of(
        st.lists(children, max_size=3), st.dictionaries(st.sampled_from(KEYS), children, max_size=4)
    ),
    max_leaves=10,
)
lists_or_odd = st.one_of(st.lists(leaves, max_size=3), leaves)
ingress_block = st.fixed_dictionaries(
    {},
    optional={
        "protocol": leaves,
        "cidrBlocks": lists_or_odd,
        "ipv6CidrBlocks": lists_or_odd,
        "prefixListIds": lists_or_odd,
        "securityGroups": lists_or_odd,
    },
)
# Realistic shapes per resource type (with odd leaves), so the rules get past their first checks.
SHAPED: dict[str, Any] = {
    graph_module.FUNCTION: st.fixed_dictionaries(
        {
            "vpcConfig": st.fixed_dictionaries({"subnetIds": lists_or_odd, "securityGroupIds": lists_or_odd}),
            "environment": st.fixed_dictionaries(
                {"variables": st.dictionaries(st.sampled_from(["API_TOKEN", "DB_PASSWORD", "MODE", "URL"]), leaves)}
            ),
        },
        optional={"reservedConcurrentExecutions": leaves},
    ),
    graph_module.SECURITY_GROUP: st.fixed_dictionaries(
        {"ingress": st.one_of(st.lists(st.one_of(ingress_block, leaves), max_size=3), leaves)},
        optional={"vpcId": leaves},
    ),
    graph_module.SUBNET: st.fixed_dictionaries(
        {"cidrBlock": leaves, "vpcId": leaves}, optional={"availabilityZone": leaves, "availabilityZoneId": leaves}
    ),
    graph_module.ENDPOINT: st.fixed_dictionaries(
        {"vpcEndpointType": st.sampled_from(["Interface", "Gateway"]), "securityGroupIds": lists_or_odd},
        optional={"subnetIds": lists_or_odd, "serviceName": leaves, "vpcId": leaves, "privateDnsEnabled": leaves},
    ),
    graph_module.SG_RULE: st.fixed_dictionaries(
        {"type": st.one_of(st.just("ingress"), leaves), "securityGroupId": leaves, "cidrBlocks": lists_or_odd},
        optional={"ipv6CidrBlocks": lists_or_odd, "prefixListIds": lists_or_odd, "protocol": leaves},
    ),
    graph_module.SG_INGRESS_RULE: st.fixed_dictionaries(
        {"securityGroupId": leaves},
        optional={"cidrIpv4": leaves, "cidrIpv6": leaves, "prefixListId": leaves, "ipProtocol": leaves},
    ),
}


@st.composite
def resource_props(draw: st.DrawFn, type_: str) -> dict[str, Any]:
    if type_ in SHAPED and draw(st.booleans()):
        return dict(draw(SHAPED[type_]))
    return dict(draw(st.dictionaries(st.sampled_from(KEYS), trees, max_size=6)))


resources_spec = st.lists(
    st.one_of(st.sampled_from(sorted(SHAPED)), st.sampled_from(TYPES)).flatmap(
        lambda t: st.tuples(st.just(t), resource_props(t), tags, st.lists(st.integers(0, 7), max_size=3), st.booleans())
    ),
    max_size=8,
)


def _build(spec: list[tuple[str, dict[str, Any], dict[str, str], list[int], bool]]) -> list[Res]:
    resources = []
    for index, (type_, props, tag_values, deps, seen) in enumerate(spec):
        props = {**props, "tags": tag_values}
        dependencies = {key: [f"urn:pulumi:dev::p::t::r{d}" for d in deps] for key in props}
        inputs = {k: v for k, v in props.items() if v is not UNKNOWN} if seen else None
        resources.append(Res(f"urn:pulumi:dev::p::t::r{index}", type_, f"r{index}", props, dependencies, inputs=inputs))
    return resources


def _outputs(results: dict[str, PolicyResult]) -> list[str]:
    return [m for r in results.values() for _, m in r.violations] + [line for r in results.values() for line in r.lines]


def _assert_no_secret(texts: list[str]) -> None:
    for text in texts:
        for secret in SECRETS:
            assert secret not in text and secret[4:16] not in text


SECRET_EVERYWHERE = [
    (graph_module.VPC, {"cidrBlock": SECRETS[0], "defaultSecurityGroupId": SECRETS[1]}, {"Name": SECRETS[2]}, [], True),
    (
        graph_module.SUBNET,
        {"cidrBlock": SECRETS[1], "vpcId": SECRETS[0], "availabilityZone": SECRETS[3]},
        {},
        [0],
        True,
    ),
    (
        graph_module.SECURITY_GROUP,
        {"ingress": [{"cidrBlocks": [SECRETS[2]], "prefixListIds": [SECRETS[3]]}]},
        {},
        [0],
        False,
    ),
    (
        graph_module.FUNCTION,
        {
            "vpcConfig": {"subnetIds": [SECRETS[4], UNKNOWN], "securityGroupIds": [SECRETS[0], UNKNOWN]},
            "environment": {"variables": {"API_TOKEN": SECRETS[1], "X": MarkedSecret(SECRETS[2])}},
            "reservedConcurrentExecutions": SECRETS[3],
        },
        {"netkit:egress": SECRETS[4]},
        [1, 2],
        True,
    ),
    (graph_module.ENDPOINT, {"vpcEndpointType": "Interface", "securityGroupIds": [SECRETS[3]]}, {}, [], True),
    (graph_module.SG_RULE, {"type": "ingress", "securityGroupId": SECRETS[1], "cidrBlocks": SECRETS[2]}, {}, [2], True),
    (
        graph_module.ROUTE,
        {"routeTableId": SECRETS[0], "destinationCidrBlock": SECRETS[4], "natGatewayId": SECRETS[1]},
        {},
        [],
        True,
    ),
]


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@example(SECRET_EVERYWHERE, True)
@example(SECRET_EVERYWHERE, False)
@given(resources_spec, st.booleans())
def test_no_rule_crashes_and_no_secret_reaches_any_output(spec: Any, preview: bool) -> None:
    resources = _build(spec)
    graph = Graph(resources)
    rules = all_rules()
    crashes = []
    recorded: dict[str, dict[str, Outcome]] = {}
    results: dict[str, PolicyResult] = {}
    for rule in rules:
        config = rule.effective_config(None)
        if rule.stack_check is not None:
            try:
                rule.stack_check(graph, config)
            except Undecidable:
                pass
            except Exception as exc:  # noqa: BLE001 - a rule must not raise on a shape pulumi-aws accepts
                crashes.append(f"{rule.name}: {type(exc).__name__}")
        if rule.resource_check is not None:
            for res in resources:
                if rule.resource_types and res.type not in rule.resource_types:
                    continue
                outcome, result = resource_result(rule, res, None, Suppressions([], {}), preview)
                recorded.setdefault(rule.name, {})[res.urn] = outcome
                results[f"{rule.name}@{res.urn}"] = result
    assert crashes == []
    analysis = StackAnalysis(graph, rules, {}, resource_outcomes=recorded, preview=preview)
    for rule in rules:
        if rule.is_stack_rule:
            results[rule.name] = analysis.result(rule.name)
    texts = _outputs(results)
    _assert_no_secret(texts)
    _assert_no_secret(_rendered(resources, results, preview))


def _rendered(resources: list[Res], results: dict[str, PolicyResult], preview: bool) -> list[str]:
    """The offline report built from these outcomes, in every format stream B2 renders."""
    from rich.console import Console

    from automation.offline import analyzer, report, sarif, text_report

    violations = [
        analyzer.Violation(policy=name.split("@")[0], enforcement="mandatory", urn=urn, message=message)
        for name, result in results.items()
        for urn, message in result.violations
    ]
    not_run = [
        analyzer.NotRun(policy=name.split("@")[0], reason=result.reason)
        for name, result in results.items()
        if result.lines
    ]
    built = report.Report(
        stack="dev",
        mode="preview" if preview else "update",
        resources=[{"urn": r.urn, "type": r.type, "name": r.name} for r in resources],
        violations=violations,
        not_run=not_run,
    )
    console = Console(file=io.StringIO(), width=100)
    text_report.render_text(built, console)
    text = console.file.getvalue()  # type: ignore[attr-defined]
    return [report.render_json(built), sarif.render_sarif(built), text]
