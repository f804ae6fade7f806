"""The project's own program for dev, staging and prod under the mock runtime (DESIGN.md section 2)."""

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import json_format

from automation.check import REPO_ROOT, run_check
from automation.offline.analyzer import PolicyPackProcess
from automation.offline.engine import Mode, ProgramError, RecordedResource, run_program
from automation.offline.stack_config import load_stack_config
from tests.conftest import copy_project


def counts(stack: str) -> tuple[Counter[str], list]:
    run = run_program(REPO_ROOT, stack, "update", load_stack_config(REPO_ROOT, stack))
    return Counter(r.type for r in run.resources), run.resources


def endpoint_kinds(resources: list) -> Counter[str]:
    return Counter(
        json_format.MessageToDict(r.outputs).get("vpcEndpointType")
        for r in resources
        if r.type == "aws:ec2/vpcEndpoint:VpcEndpoint"
    )


def test_prod_is_ha_with_static_ingress() -> None:
    types, resources = counts("prod")
    assert types["aws:ec2/natGateway:NatGateway"] == 3 and types["aws:ec2/eip:Eip"] == 3
    assert types["aws:ec2/subnet:Subnet"] == 6
    assert (
        types["aws:globalaccelerator/accelerator:Accelerator"] == 1 and types["aws:lb/loadBalancer:LoadBalancer"] == 1
    )
    assert types["aws:apigatewayv2/api:Api"] == 1 and types["aws:ec2/flowLog:FlowLog"] == 1
    assert endpoint_kinds(resources) == Counter({"Gateway": 2, "Interface": 5})


def test_staging_has_one_nat_and_two_interface_endpoints() -> None:
    types, resources = counts("staging")
    assert types["aws:ec2/natGateway:NatGateway"] == 1
    assert types.get("aws:globalaccelerator/accelerator:Accelerator", 0) == 0
    assert endpoint_kinds(resources) == Counter({"Gateway": 2, "Interface": 2})


def test_dev_uses_the_hyperplane_trick_without_nat() -> None:
    types, resources = counts("dev")
    assert types.get("aws:ec2/natGateway:NatGateway", 0) == 0
    assert types["pulumi-python:dynamic/netkit:HyperplaneEipAssociation"] == 1
    assert types["aws:ec2/eip:Eip"] == 2  # one per Lambda subnet for the shared app security group
    assert endpoint_kinds(resources) == Counter({"Gateway": 2})


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_functions_hold_secret_references_only(stack: str) -> None:
    _, resources = counts(stack)
    worker = next(r for r in resources if r.name == "worker-fn")
    env = json_format.MessageToDict(worker.outputs)["environment"]["variables"]
    assert env["DB_SECRET_ARN"].startswith("arn:aws:secretsmanager:")


def test_shared_network_mode_builds_only_the_app(tmp_path: Path) -> None:
    """DESIGN.md section 6: with netkit:networkStack the app stack takes VPC, subnets and Lambda SG from a
    long-lived network stack, so it creates no network, no security group and no ENI-holding resources."""
    project = copy_project(tmp_path)
    (project / "Pulumi.app.yaml").write_text(
        "config:\n  netkit:environment: dev\n  netkit:networkStack: acme/lambda-netkit/shared-dev\n"
        "  netkit:egressStrategy: nat-single\n"
    )
    run = run_program(project, "app", "preview", load_stack_config(project, "app"))
    types = Counter(r.type for r in run.resources)
    assert types["pulumi:pulumi:StackReference"] == 1
    for absent in (
        "aws:ec2/vpc:Vpc",
        "aws:ec2/subnet:Subnet",
        "aws:ec2/securityGroup:SecurityGroup",
        "aws:ec2/natGateway:NatGateway",
        "aws:ec2/vpcEndpoint:VpcEndpoint",
    ):
        assert types.get(absent, 0) == 0, absent
    assert types["aws:lambda/function:Function"] == 2
    worker = next(r for r in run.resources if r.name == "worker-fn")
    assert worker.property_dependencies["vpcConfig"] == [
        next(r.urn for r in run.resources if r.type == "pulumi:pulumi:StackReference")
    ]


def variant(tmp_path: Path, stack: str, **config: str) -> Path:
    """A copy of the project whose Pulumi.<stack>.yaml has `config` (netkit: keys) set over its own."""
    project = copy_project(tmp_path)
    stack_file = project / f"Pulumi.{stack}.yaml"
    lines = [
        line
        for line in stack_file.read_text().splitlines()
        if not any(line.strip().startswith(f"netkit:{key}:") for key in config)
    ]
    lines += [f"  netkit:{key}: {value}" for key, value in config.items()]
    stack_file.write_text("\n".join(lines) + "\n")
    return project


def run_variant(tmp_path: Path, stack: str, mode: Mode = "update", **config: str) -> list[RecordedResource]:
    project = variant(tmp_path, stack, **config)
    return run_program(project, stack, mode, load_stack_config(project, stack)).resources


def of_type(resources: list[RecordedResource], suffix: str) -> list[RecordedResource]:
    return [r for r in resources if r.type.endswith(suffix)]


def ins(resource: RecordedResource) -> dict[str, Any]:
    return json_format.MessageToDict(resource.inputs)


@pytest.mark.parametrize("mode", ["preview", "update"])
def test_prod_with_a_regional_nat(tmp_path: Path, mode: Mode) -> None:
    resources = run_variant(tmp_path, "prod", mode, egressStrategy="nat-regional")
    (nat,) = of_type(resources, ":NatGateway")
    nat_inputs = ins(nat)
    assert nat_inputs["availabilityMode"] == "regional" and "subnetId" not in nat_inputs
    assert [a["availabilityZone"] for a in nat_inputs["availabilityZoneAddresses"]] == [
        "us-east-1a",
        "us-east-1b",
        "us-east-1c",
    ]
    assert len(of_type(resources, ":Eip")) == 3
    routes = [r for r in of_type(resources, "ec2/route:Route") if r.name.startswith("egress-default")]
    assert len(routes) == 3 and {r.property_dependencies["natGatewayId"][0] for r in routes} == {nat.urn}
    # Public subnets only because prod's static ingress ALB needs them; the NAT sits in none.
    public = {r.urn for r in of_type(resources, ":Subnet") if "public" in r.name}
    (alb,) = of_type(resources, "lb/loadBalancer:LoadBalancer")
    assert len(public) == 3 and set(alb.property_dependencies["subnets"]) == public
    assert len(of_type(resources, ":InternetGateway")) == 1


def test_regional_nat_without_static_ingress_builds_no_public_subnet(tmp_path: Path) -> None:
    resources = run_variant(tmp_path, "staging", egressStrategy="nat-regional")
    assert [r.name for r in of_type(resources, ":Subnet")] == ["net-lambda-0", "net-lambda-1"]
    assert len(of_type(resources, ":InternetGateway")) == 1 and len(of_type(resources, ":NatGateway")) == 1


@pytest.mark.parametrize("mode", ["preview", "update"])
def test_staging_with_ipv6_egress(tmp_path: Path, mode: Mode) -> None:
    resources = run_variant(tmp_path, "staging", mode, ipv6Egress='"true"')
    assert ins(of_type(resources, ":Vpc")[0])["assignGeneratedIpv6CidrBlock"] is True
    (eigw,) = of_type(resources, ":EgressOnlyInternetGateway")
    v6 = [r for r in of_type(resources, "ec2/route:Route") if ins(r).get("destinationIpv6CidrBlock") == "::/0"]
    assert len(v6) == 2 and {r.property_dependencies["egressOnlyGatewayId"][0] for r in v6} == {eigw.urn}
    for fn in of_type(resources, "lambda/function:Function"):
        assert ins(fn)["vpcConfig"]["ipv6AllowedForDualStack"] is True
    assert len(of_type(resources, ":NatGateway")) == 1 and len(of_type(resources, ":Eip")) == 1  # IPv4 keeps its IP
    assert not [r for r in of_type(resources, "ec2/route:Route") if r.name.startswith("egress-nat64")]


def test_dns64_adds_the_nat64_route(tmp_path: Path) -> None:
    resources = run_variant(tmp_path, "staging", ipv6Egress='"true"', dns64='"true"')
    (nat,) = of_type(resources, ":NatGateway")
    nat64 = [r for r in of_type(resources, "ec2/route:Route") if r.name.startswith("egress-nat64")]
    assert len(nat64) == 2 and {r.property_dependencies["natGatewayId"][0] for r in nat64} == {nat.urn}
    assert all(ins(s)["enableDns64"] is True for s in of_type(resources, ":Subnet") if "lambda" in s.name)


def test_network_stack_has_a_parking_group_without_rules(tmp_path: Path) -> None:
    _, resources = counts("staging")
    (parking,) = [g for g in of_type(resources, ":SecurityGroup") if g.name == "net-parking"]
    assert not {"ingress", "egress"} & set(ins(parking))
    rules = of_type(resources, "SecurityGroupIngressRule") + of_type(resources, "SecurityGroupEgressRule")
    assert all(parking.urn not in r.property_dependencies.get("securityGroupId", []) for r in rules)


@pytest.mark.parametrize(
    ("config", "message"),
    [
        ({"egressStrategy": "nat-everywhere"}, "unknown egress strategy 'nat-everywhere'"),
        ({"egressStrategy": "none", "ipv6Egress": '"true"'}, "ipv6Egress with egress strategy none"),
        ({"egressStrategy": "hyperplane-eip", "ipv6Egress": '"true"', "dns64": '"true"'}, "would hang"),
        ({"dns64": '"true"'}, "dns64 needs ipv6Egress"),
        ({"egressStrategy": "nat-regional", "natAllocationIds": "[eipalloc-0abc, eipalloc-0abd]"}, "give exactly 3"),
        ({"egressStrategy": "nat-single", "natAllocationIds": "[eipalloc-0abc, eipalloc-0abd]"}, "give exactly 1"),
    ],
)
def test_bad_stack_config_is_refused_before_anything_is_built(
    tmp_path: Path, config: dict[str, str], message: str
) -> None:
    with pytest.raises(ProgramError) as info:
        run_variant(tmp_path, "prod", "preview", **config)
    assert "PlanError" in info.value.program_traceback and message in info.value.program_traceback


@pytest.mark.parametrize("mode", ["preview", "update"])
@pytest.mark.parametrize(
    ("stack", "config"),
    [
        ("prod", {"egressStrategy": "nat-regional"}),
        ("staging", {"ipv6Egress": '"true"'}),
        ("staging", {"ipv6Egress": '"true"', "dns64": '"true"'}),
    ],
    ids=["prod-nat-regional", "staging-ipv6", "staging-ipv6-dns64"],
)
def test_new_egress_patterns_pass_their_environment_policy_config(
    tmp_path: Path, netkit_pack: PolicyPackProcess, stack: str, config: dict[str, str], mode: Mode
) -> None:
    """Issue 12 Done-when: the new patterns pass the environment's own policy config with nothing undecided."""
    report = run_check(variant(tmp_path, stack, **config), stack, mode, pack=netkit_pack)
    assert [(v.policy, v.message) for v in report.violations if v.enforcement == "mandatory"] == []
    assert report.not_run == []
    assert [v for v in report.violations if v.policy == "netkit-undecided"] == []
    if stack == "prod":
        assert report.violations == []
