"""Components under Pulumi's mock runtime: what they register, parents, wiring, and validation before creation."""

from pathlib import Path
from typing import Any

import pytest
from google.protobuf import json_format

from automation.offline.engine import ProgramError, ProgramRun, RecordedResource
from tests.conftest import run_snippet

HEADER = """
import pulumi
from netkit_core.capacity import CapacityPlan
from components.network import LambdaNetwork, LambdaNetworkArgs
from components.egress import EgressStrategy, NatEgress, NatEgressArgs, HyperplaneEipEgress, HyperplaneEipEgressArgs
from components.endpoints import VpcEndpoints, VpcEndpointsArgs
from components.function import VpcFunction, VpcFunctionArgs, SecretRef, DatabaseAccess
net = LambdaNetwork("net", LambdaNetworkArgs(cidr_block="10.0.0.0/16", az_count=3))
"""


def by_type(run: ProgramRun, suffix: str) -> list[RecordedResource]:
    return [r for r in run.resources if r.type.endswith(suffix)]


def props(resource: RecordedResource) -> dict[str, Any]:
    return json_format.MessageToDict(resource.outputs)


def test_network_registers_tiers_route_tables_and_flow_logs(tmp_path: Path) -> None:
    run = run_snippet(tmp_path, HEADER)
    vpc = by_type(run, ":Vpc")[0]
    assert props(vpc)["enableDnsSupport"] is True and props(vpc)["enableDnsHostnames"] is True
    subnets = by_type(run, ":Subnet")
    assert len(subnets) == 6
    assert {props(s)["availabilityZone"] for s in subnets} == {"us-east-1a", "us-east-1b", "us-east-1c"}
    lambda_cidrs = sorted(props(s)["cidrBlock"] for s in subnets if "lambda" in s.name)
    assert lambda_cidrs == ["10.0.0.0/24", "10.0.1.0/24", "10.0.2.0/24"]
    assert len(by_type(run, ":RouteTable")) == 4  # one public, one Lambda per AZ
    assert len(by_type(run, ":FlowLog")) == 1
    component = by_type(run, "netkit:network:LambdaNetwork")[0]
    assert all(r.parent == component.urn for r in run.resources if r.custom)


def test_nat_per_az_routes_each_az_to_its_own_nat(tmp_path: Path) -> None:
    run = run_snippet(
        tmp_path,
        HEADER
        + """
NatEgress("egress", NatEgressArgs(EgressStrategy.NAT_PER_AZ, net.public_subnet_ids, net.lambda_route_table_ids,
                                  net.internet_gateway))
""",
        mode="preview",
    )
    nats = {r.urn: r for r in by_type(run, ":NatGateway")}
    assert len(nats) == 3 and len(by_type(run, ":Eip")) == 3
    subnet_of = {n.urn: n.property_dependencies["subnetId"][0] for n in nats.values()}
    routes = [r for r in by_type(run, "ec2/route:Route") if r.name.startswith("egress-default")]
    assert len(routes) == 3
    for route in routes:
        az = route.name.rsplit("-", 1)[1]
        nat = route.property_dependencies["natGatewayId"][0]
        assert subnet_of[nat].endswith(f"net-public-{az}")
        assert route.property_dependencies["routeTableId"][0].endswith(f"net-lambda-rt-{az}")


def test_nat_single_shares_one_nat(tmp_path: Path) -> None:
    run = run_snippet(
        tmp_path,
        HEADER
        + """
n = NatEgress("egress", NatEgressArgs(EgressStrategy.NAT_SINGLE, net.public_subnet_ids, net.lambda_route_table_ids))
pulumi.export("ips", n.egress_ips)
""",
    )
    assert len(by_type(run, ":NatGateway")) == 1
    routes = [r for r in by_type(run, "ec2/route:Route") if r.name.startswith("egress-default")]
    assert {r.property_dependencies["natGatewayId"][0] for r in routes} == {by_type(run, ":NatGateway")[0].urn}


def test_endpoint_security_group_admits_only_the_lambda_group(tmp_path: Path) -> None:
    run = run_snippet(
        tmp_path,
        HEADER
        + """
ep = VpcEndpoints("ep", VpcEndpointsArgs(vpc_id=net.vpc_id, region="us-east-1",
                  route_table_ids=net.lambda_route_table_ids, subnet_ids=net.lambda_subnet_ids,
                  interface_services=["sqs", "secretsmanager"]))
VpcFunction("fn", VpcFunctionArgs(vpc_id=net.vpc_id, subnet_ids=net.lambda_subnet_ids,
            code=pulumi.AssetArchive({}), reserved_concurrency=5, endpoint_security_group_id=ep.security_group_id,
            secrets={"DB": SecretRef("secretsmanager", "arn:aws:secretsmanager:us-east-1:123456789012:secret:x")}))
""",
    )
    gateways = [r for r in by_type(run, ":VpcEndpoint") if props(r).get("vpcEndpointType") == "Gateway"]
    assert sorted(props(g)["serviceName"] for g in gateways) == [
        "com.amazonaws.us-east-1.dynamodb",
        "com.amazonaws.us-east-1.s3",
    ]
    assert all(len(props(g)["routeTableIds"]) == 3 for g in gateways)
    interfaces = [r for r in by_type(run, ":VpcEndpoint") if props(r).get("vpcEndpointType") == "Interface"]
    assert all(props(i)["privateDnsEnabled"] is True for i in interfaces)
    ingress = by_type(run, "SecurityGroupIngressRule")
    assert len(ingress) == 1
    rule = props(ingress[0])
    assert "cidrIpv4" not in rule and rule["fromPort"] == 443 and rule["toPort"] == 443
    assert ingress[0].property_dependencies["referencedSecurityGroupId"][0].endswith("::fn-sg")
    assert ingress[0].property_dependencies["securityGroupId"][0].endswith("::ep-endpoints")
    fn = props(by_type(run, "lambda/function:Function")[0])
    assert fn["replaceSecurityGroupsOnDestroy"] is True and fn["reservedConcurrentExecutions"] == 5
    assert fn["environment"]["variables"]["DB"].startswith("arn:aws:secretsmanager")


def test_function_egress_rule_only_when_egress_is_on(tmp_path: Path) -> None:
    code = (
        HEADER
        + """
VpcFunction("fn", VpcFunctionArgs(vpc_id=net.vpc_id, subnet_ids=net.lambda_subnet_ids,
            code=pulumi.AssetArchive({}), reserved_concurrency=5, egress_enabled={on},
            database=DatabaseAccess("sg-0123456789abcdef0", 3306)))
"""
    )
    off = run_snippet(tmp_path / "off", code.replace("{on}", "False"))
    on = run_snippet(tmp_path / "on", code.replace("{on}", "True"))
    world = lambda run: [r for r in by_type(run, "SecurityGroupEgressRule") if props(r).get("cidrIpv4")]  # noqa: E731
    assert world(off) == [] and len(world(on)) == 1
    db = next(props(r) for r in by_type(on, "SecurityGroupEgressRule") if r.name.endswith("to-database"))
    assert db["fromPort"] == 3306 and db["referencedSecurityGroupId"] == "sg-0123456789abcdef0"


@pytest.mark.parametrize(
    ("snippet", "message"),
    [
        ('LambdaNetwork("n", LambdaNetworkArgs(cidr_block="10.0.0.0/24", az_count=2))', "too small"),
        (
            'LambdaNetwork("n", LambdaNetworkArgs(cidr_block="10.0.0.0/16", az_count=2, '
            'lambda_subnet_cidrs=["10.0.0.0/24", "10.0.0.0/25"], public_subnet_cidrs=["10.0.8.0/26", "10.0.9.0/26"]))',
            "overlap",
        ),
        (
            'LambdaNetwork("n", LambdaNetworkArgs(cidr_block="10.0.0.0/16", az_count=2, '
            'lambda_subnet_cidrs=["10.0.0.0/28", "10.0.0.16/28"], public_subnet_cidrs=["10.0.8.0/26", "10.0.9.0/26"], '
            "capacity=CapacityPlan(security_group_combinations=6)))",
            "usable IPs",
        ),
        (
            'NatEgress("e", NatEgressArgs(EgressStrategy.NAT_PER_AZ, ["a", "b"], ["r1", "r2"], '
            'allocation_ids=["eipalloc-1"]))',
            "allow-list",
        ),
        (
            'HyperplaneEipEgress("h", HyperplaneEipEgressArgs(environment="prod", lambda_route_table_ids=["r"], '
            'lambda_subnet_ids=["s"], internet_gateway_id="igw", region="us-east-1"))',
            "allowed only in dev",
        ),
        (
            'VpcFunction("f", VpcFunctionArgs(vpc_id="v", subnet_ids=[], code=pulumi.AssetArchive({}), '
            "reserved_concurrency=1))",
            "subnet_ids is empty",
        ),
        (
            'VpcFunction("f", VpcFunctionArgs(vpc_id="v", subnet_ids=["s"], code=pulumi.AssetArchive({}), '
            'reserved_concurrency=1, environment={"K": "AKIA" + "IOSFODNN7EXAMPLE"}))',
            "holds a secret",
        ),
        (
            'VpcFunction("f", VpcFunctionArgs(vpc_id="v", subnet_ids=["s"], code=pulumi.AssetArchive({}), '
            "reserved_concurrency=0))",
            "reserved_concurrency",
        ),
        (
            'VpcEndpoints("e", VpcEndpointsArgs(vpc_id="v", region="us-east-1", route_table_ids=["r"], '
            'gateway_services=["sqs"]))',
            "gateway endpoints exist only",
        ),
    ],
)
def test_bad_input_is_refused_before_anything_is_created(tmp_path: Path, snippet: str, message: str) -> None:
    code = HEADER.replace('net = LambdaNetwork("net", LambdaNetworkArgs(cidr_block="10.0.0.0/16", az_count=3))', "")
    with pytest.raises(ProgramError, match=message) as info:
        run_snippet(tmp_path, code + "\nimport pulumi_aws as aws\n" + snippet + "\n")
    assert "PlanError" in info.value.program_traceback
