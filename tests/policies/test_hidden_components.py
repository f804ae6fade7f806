"""Issue 17 item 4: a component whose children a provider plugin creates (awsx `ec2.Vpc`, aws-apigateway `RestAPI`,
any `remote=True` Construct) is invisible to the offline check. The rules it could affect are undecided on it,
naming it, never passed; under the real engine its children are visible and nothing is undecided."""

from __future__ import annotations

from pathlib import Path

import pytest
from netkit_core import graph as g
from netkit_core.analysis import StackAnalysis
from netkit_core.cost import estimate_for_resources
from netkit_core.graph import Res
from netkit_core.rules import all_rules

from tests.policies.stack_builder import MODES, Mode, Stack, add_execute_api_endpoint, compliant, run

ENDPOINT_RULES = ("interface-endpoint-private-dns", "vpc-endpoint-policy", "execute-api-private-dns")
FUNCTION_RULES = (
    "lambda-vpc-egress-path",
    "nat-gateway-per-az",
    "egress-ips-pinned",
    "lambda-subnet-capacity",
    "lambda-multi-az",
    "vpc-flow-logs",
    "vpc-gateway-endpoints",
    "ipv6-egress-path",
)


def with_component(mode: Mode, token: str, name: str = "main", children: bool = False) -> Stack:
    """The compliant stack plus a component of `token` (as registered, with its inputs: an awsx Vpc asked for
    an endpoint), and, under the real engine, a child it created."""
    s = compliant(mode)
    component = s.add(token, name, cidrBlock="10.1.0.0/16", vpcEndpointSpecs=[{"serviceName": "sqs"}])
    if children:
        child = s.add(g.VPC, f"{name}-vpc", cidrBlock="10.1.0.0/16")
        child.parent = component.urn
    return s


def undecided_on(stack: Stack, rule: str, component: str) -> list[str]:
    outcome = analysis(stack).outcome(rule)
    urn = stack.named(component).urn
    return [u.reason for u in outcome.undecided if u.urn == urn]


def analysis(stack: Stack) -> StackAnalysis:
    return StackAnalysis(stack.graph(), all_rules(), {})


@pytest.mark.parametrize("mode", MODES)
def test_an_awsx_vpc_makes_the_endpoint_rules_undecided_naming_it(mode: Mode) -> None:
    """awsx ec2.Vpc creates VPC endpoints (vpcEndpointSpecs): their private DNS and policies are not judged."""
    stack = with_component(mode, "awsx:ec2:Vpc")
    for rule in ENDPOINT_RULES:
        found = undecided_on(stack, rule, "main")
        assert found and "component main (awsx:ec2:Vpc) is created by a provider plugin" in found[0], rule
        assert "VPC endpoints" in found[0]
    for rule in FUNCTION_RULES:  # it creates no functions; functions using its subnets are linked (below)
        assert undecided_on(stack, rule, "main") == [], rule


@pytest.mark.parametrize("mode", MODES)
def test_an_aws_apigateway_rest_api_makes_execute_api_undecided(mode: Mode) -> None:
    stack = with_component(mode, "aws-apigateway:index:RestAPI", "api")
    add_execute_api_endpoint(stack)
    assert run(stack, "execute-api-private-dns").violations == []  # the public API is inside the component
    assert undecided_on(stack, "execute-api-private-dns", "api")


@pytest.mark.parametrize("mode", MODES)
def test_an_unknown_plugin_component_may_create_anything(mode: Mode) -> None:
    stack = with_component(mode, "acme:index:Service", "svc")
    judged = [r.name for r in all_rules() if r.judges]
    assert len(judged) >= 14
    for rule in judged:
        assert undecided_on(stack, rule, "svc"), rule
    assert undecided_on(stack, "hyperplane-eip-dev-only", "svc") == []  # a netkit-only pattern


@pytest.mark.parametrize("mode", MODES)
def test_a_component_with_visible_children_is_judged_through_them(mode: Mode) -> None:
    stack = with_component(mode, "awsx:ec2:Vpc", children=True)
    for rule in (*ENDPOINT_RULES, *FUNCTION_RULES):
        assert undecided_on(stack, rule, "main") == [], rule


@pytest.mark.parametrize("mode", MODES)
def test_an_awsx_vpc_without_endpoint_specs_creates_no_endpoints(mode: Mode) -> None:
    stack = compliant(mode)
    stack.add("awsx:ec2:Vpc", "main", cidrBlock="10.1.0.0/16")
    for rule in ENDPOINT_RULES:
        assert undecided_on(stack, rule, "main") == [], rule


def test_netkit_undecided_names_the_component() -> None:
    stack = with_component("preview", "awsx:ec2:Vpc")
    violations = analysis(stack).result("netkit-undecided").violations
    mine = [m for urn, m in violations if urn == stack.named("main").urn]
    assert any(m.startswith("vpc-endpoint-policy could not decide for main") for m in mine), mine


def test_a_function_in_the_component_subnets_is_undecided_naming_it() -> None:
    stack = compliant("preview")
    component = stack.add("awsx:ec2:Vpc", "main", cidrBlock="10.1.0.0/16")
    fn = stack.named("fn", g.FUNCTION)
    fn.props["vpcConfig"] = {"subnetIds": g.UNKNOWN, "securityGroupIds": []}
    fn.property_dependencies["vpcConfig"] = [component.urn]
    for rule in ("lambda-vpc-egress-path", "lambda-multi-az"):
        outcome = run(stack, rule)
        assert outcome.violations == []
        assert any("component main (awsx:ec2:Vpc)" in u.reason for u in outcome.undecided), rule


def test_the_cost_estimate_says_what_it_could_not_count() -> None:
    estimate = estimate_for_resources([("awsx:ec2:Vpc", {})], hidden_components=["main (awsx:ec2:Vpc)"])
    assert estimate.uncounted == ["main (awsx:ec2:Vpc)"]
    assert any("not counted" in n and "main (awsx:ec2:Vpc)" in n for n in estimate.notes)


REMOTE_PROGRAM = """
import json
import pulumi
import pulumi_aws as aws


class Vpc(pulumi.ComponentResource):
    \"\"\"Shaped like pulumi-awsx's generated ec2.Vpc class: a remote component its provider plugin builds.\"\"\"

    def __init__(self, name, endpoints, opts=None):
        props = {"cidrBlock": "10.0.0.0/16", "vpcEndpointSpecs": endpoints, "vpcId": None, "privateSubnetIds": None}
        super().__init__("awsx:ec2:Vpc", name, props, opts, remote=True)

    @property
    @pulumi.getter(name="privateSubnetIds")
    def private_subnet_ids(self):
        return self.__dict__["privateSubnetIds"]


vpc = Vpc("main", [{"serviceName": "com.amazonaws.us-east-1.sqs", "privateDnsEnabled": False}])
role = aws.iam.Role("role", assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": []}))
aws.lambda_.Function(
    "fn",
    role=role.arn,
    runtime="python3.12",
    handler="index.handler",
    code=pulumi.AssetArchive({}),
    reserved_concurrent_executions=5,
    vpc_config={"subnet_ids": vpc.private_subnet_ids, "security_group_ids": []},
)
"""


@pytest.mark.parametrize("mode", MODES)
def test_the_check_reports_the_remote_component_of_a_program(tmp_path: Path, mode: Mode) -> None:
    """End to end through the offline check: a remote awsx-style Vpc with an endpoint spec, and a function in its
    subnets. Nothing passes silently: the endpoint rules and the function's rules name the component; the cost
    table says it could not count it."""
    from automation.check import run_check
    from tests.conftest import write_program

    program = write_program(tmp_path / "p", REMOTE_PROGRAM, {"aws:region": "us-east-1"})
    report = run_check(program, "test", mode)
    assert report.cost.uncounted == ["main (awsx:ec2:Vpc)"]
    named = {n.policy for n in report.not_run if "component main (awsx:ec2:Vpc)" in n.reason}
    assert named >= {"interface-endpoint-private-dns", "vpc-endpoint-policy", "lambda-vpc-egress-path"}, named
    assert not [v for v in report.violations if v.enforcement == "mandatory"]


def test_a_res_without_children_is_hidden_only_when_it_is_a_component() -> None:
    graph = g.Graph([Res("urn:x", "aws:ec2/vpc:Vpc", "x", {}), Res("urn:c", "awsx:ec2:Vpc", "c", {})])
    assert [r.name for r in graph.hidden_components()] == ["c"]
