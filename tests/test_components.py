"""Components under Pulumi's mock runtime: what they register, parents, wiring, and validation before creation."""

import json
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
    children = [r for r in run.resources if r.custom and not r.type.startswith("pulumi:providers:")]
    assert children and all(r.parent == component.urn for r in children)


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
    for endpoint in [*gateways, *interfaces]:  # not AWS's default full-access policy: this account's principals only
        (statement,) = json.loads(props(endpoint)["policy"])["Statement"]
        assert statement["Condition"] == {"StringEquals": {"aws:PrincipalAccount": "123456789012"}}
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
        (
            "from components.egress import RegionalNatEgress, RegionalNatEgressArgs\n"
            'RegionalNatEgress("r", RegionalNatEgressArgs("vpc", ["us-east-1a", "us-east-1b", "us-east-1c"], '
            '["r1", "r2", "r3"], aws.ec2.InternetGateway("igw"), allocation_ids=["eipalloc-1", "eipalloc-2"]))',
            "2 Elastic IP allocation id.s. given for 3 AZ.s. of the regional NAT: give exactly 3",
        ),
        (
            "from components.egress import RegionalNatEgress, RegionalNatEgressArgs\n"
            'RegionalNatEgress("r", RegionalNatEgressArgs("vpc", ["us-east-1a"], ["r1"], None))',
            "needs an internet gateway",
        ),
        (
            'LambdaNetwork("n", LambdaNetworkArgs(dns64=True))',
            "dns64 needs ipv6",
        ),
        (
            'LambdaNetwork("n", LambdaNetworkArgs(public_subnets=True, internet_gateway=False))',
            "public subnets need an internet gateway",
        ),
        (
            'VpcFunction("f", VpcFunctionArgs(vpc_id="v", subnet_ids=["s"], code=pulumi.AssetArchive({}), '
            "reserved_concurrency=1, ipv6_egress=True))",
            "needs egress_enabled",
        ),
    ],
)
def test_bad_input_is_refused_before_anything_is_created(tmp_path: Path, snippet: str, message: str) -> None:
    code = HEADER.replace('net = LambdaNetwork("net", LambdaNetworkArgs(cidr_block="10.0.0.0/16", az_count=3))', "")
    with pytest.raises(ProgramError, match=message) as info:
        run_snippet(tmp_path, code + "\nimport pulumi_aws as aws\n" + snippet + "\n")
    assert "PlanError" in info.value.program_traceback


REGIONAL = """
import pulumi
from components.network import LambdaNetwork, LambdaNetworkArgs
from components.egress import RegionalNatEgress, RegionalNatEgressArgs
net = LambdaNetwork("net", LambdaNetworkArgs(cidr_block="10.0.0.0/16", az_count=3, public_subnets=False))
nat = RegionalNatEgress("egress", RegionalNatEgressArgs(net.vpc_id, net.availability_zones, net.lambda_route_table_ids,
                        net.internet_gateway, allocation_ids={byo}, dns64={dns64}))
pulumi.export("egress_ips", nat.egress_ips)
"""


def inputs(resource: RecordedResource) -> dict[str, Any]:
    return json_format.MessageToDict(resource.inputs)


def test_regional_nat_is_one_manual_mode_nat_with_an_eip_per_az(tmp_path: Path) -> None:
    run = run_snippet(tmp_path, REGIONAL.format(byo=None, dns64=False))
    (nat,) = by_type(run, ":NatGateway")
    eips = {e.urn: e for e in by_type(run, ":Eip")}
    assert len(eips) == 3
    nat_inputs = inputs(nat)
    assert nat_inputs["availabilityMode"] == "regional" and nat_inputs["connectivityType"] == "public"
    assert "subnetId" not in nat_inputs and "allocationId" not in nat_inputs
    zones = [a["availabilityZone"] for a in nat_inputs["availabilityZoneAddresses"]]
    assert zones == ["us-east-1a", "us-east-1b", "us-east-1c"]
    allocations = [a["allocationIds"] for a in nat_inputs["availabilityZoneAddresses"]]
    assert all(len(ids) == 1 for ids in allocations) and len({ids[0] for ids in allocations}) == 3
    assert set(nat.property_dependencies["availabilityZoneAddresses"]) == set(eips)
    assert nat.property_dependencies["vpcId"][0].endswith("::net-vpc")
    igw = by_type(run, ":InternetGateway")[0]
    assert igw.urn in nat.dependencies  # the regional NAT routes through the VPC's internet gateway
    assert by_type(run, ":Subnet") and all("public" not in s.name for s in by_type(run, ":Subnet"))
    routes = [r for r in by_type(run, "ec2/route:Route") if r.name.startswith("egress-default")]
    assert len(routes) == 3 and {r.property_dependencies["natGatewayId"][0] for r in routes} == {nat.urn}
    assert {inputs(r)["destinationCidrBlock"] for r in routes} == {"0.0.0.0/0"}
    component = by_type(run, "netkit:egress:RegionalNatEgress")[0]
    assert {r.parent for r in [nat, *eips.values(), *routes]} == {component.urn}


def test_regional_nat_takes_your_own_allocations_and_routes_nat64(tmp_path: Path) -> None:
    byo = ["eipalloc-0aaaaaaaaaaaaaaa1", "eipalloc-0aaaaaaaaaaaaaaa2", "eipalloc-0aaaaaaaaaaaaaaa3"]
    run = run_snippet(tmp_path, REGIONAL.format(byo=byo, dns64=True), mode="preview")
    assert by_type(run, ":Eip") == []
    (nat,) = by_type(run, ":NatGateway")
    assert [a["allocationIds"] for a in inputs(nat)["availabilityZoneAddresses"]] == [[a] for a in byo]
    nat64 = [r for r in by_type(run, "ec2/route:Route") if r.name.startswith("egress-nat64")]
    assert len(nat64) == 3 and {inputs(r)["destinationIpv6CidrBlock"] for r in nat64} == {"64:ff9b::/96"}
    assert {r.property_dependencies["natGatewayId"][0] for r in nat64} == {nat.urn}


def test_dual_stack_network_and_function(tmp_path: Path) -> None:
    run = run_snippet(
        tmp_path,
        """
import pulumi
from components.network import LambdaNetwork, LambdaNetworkArgs
from components.egress import EgressStrategy, NatEgress, NatEgressArgs
from components.function import VpcFunction, VpcFunctionArgs
net = LambdaNetwork("net", LambdaNetworkArgs(cidr_block="10.0.0.0/16", az_count=2, ipv6=True, dns64=True))
NatEgress("egress", NatEgressArgs(EgressStrategy.NAT_PER_AZ, net.public_subnet_ids, net.lambda_route_table_ids,
                                  net.internet_gateway, dns64=True))
VpcFunction("fn", VpcFunctionArgs(vpc_id=net.vpc_id, subnet_ids=net.lambda_subnet_ids, code=pulumi.AssetArchive({}),
            reserved_concurrency=5, egress_enabled=True, ipv6_egress=True))
""",
        mode="preview",
    )
    assert inputs(by_type(run, ":Vpc")[0])["assignGeneratedIpv6CidrBlock"] is True
    (eigw,) = by_type(run, ":EgressOnlyInternetGateway")
    lambda_subnets = [s for s in by_type(run, ":Subnet") if "lambda" in s.name]
    for subnet in lambda_subnets:
        props_ = inputs(subnet)
        assert props_["assignIpv6AddressOnCreation"] is True and props_["enableDns64"] is True
        assert "ipv6CidrBlock" in props_  # the /64 of the VPC's /56, unknown until AWS assigns the /56
        assert subnet.property_dependencies["ipv6CidrBlock"][0].endswith("::net-vpc")
    assert all("ipv6CidrBlock" not in inputs(s) for s in by_type(run, ":Subnet") if "public" in s.name)
    ipv6_routes = [r for r in by_type(run, "ec2/route:Route") if inputs(r).get("destinationIpv6CidrBlock") == "::/0"]
    assert sorted(r.property_dependencies["routeTableId"][0].rsplit("::", 1)[1] for r in ipv6_routes) == [
        "net-lambda-rt-0",
        "net-lambda-rt-1",
    ]
    assert {r.property_dependencies["egressOnlyGatewayId"][0] for r in ipv6_routes} == {eigw.urn}
    nat64 = [r for r in by_type(run, "ec2/route:Route") if r.name.startswith("egress-nat64")]
    nat_subnet = {n.urn: n.property_dependencies["subnetId"][0] for n in by_type(run, ":NatGateway")}
    for route in nat64:  # each AZ's NAT64 traffic goes to the NAT of its own AZ
        az = route.name.rsplit("-", 1)[1]
        assert nat_subnet[route.property_dependencies["natGatewayId"][0]].endswith(f"net-public-{az}")
    fn = inputs(by_type(run, "lambda/function:Function")[0])
    assert fn["vpcConfig"]["ipv6AllowedForDualStack"] is True
    # tagsAll: the provider's Check adds it (default tags + tags); the component sets the rest.
    v6_rules = [
        {k: v for k, v in inputs(r).items() if k != "tagsAll"}
        for r in by_type(run, "SecurityGroupEgressRule")
        if "cidrIpv6" in inputs(r)
    ]
    assert v6_rules == [
        {
            "cidrIpv6": "::/0",
            "description": v6_rules[0]["description"],
            "fromPort": 443,
            "ipProtocol": "tcp",
            "securityGroupId": v6_rules[0]["securityGroupId"],
            "toPort": 443,
        }
    ]


def test_without_ipv6_nothing_ipv6_is_built(tmp_path: Path) -> None:
    run = run_snippet(tmp_path, HEADER, mode="preview")
    assert by_type(run, ":EgressOnlyInternetGateway") == []
    assert "assignGeneratedIpv6CidrBlock" not in inputs(by_type(run, ":Vpc")[0])
    assert all("ipv6CidrBlock" not in inputs(s) for s in by_type(run, ":Subnet"))


def test_parking_security_group_has_no_rules(tmp_path: Path) -> None:
    run = run_snippet(tmp_path, HEADER)
    (parking,) = [g for g in by_type(run, ":SecurityGroup") if g.name == "net-parking"]
    assert not {"ingress", "egress"} & set(inputs(parking))
    rules = by_type(run, "SecurityGroupIngressRule") + by_type(run, "SecurityGroupEgressRule")
    assert all(parking.urn not in r.property_dependencies.get("securityGroupId", []) for r in rules)


# Pulumi's own mock runtime with mocks that, like the engine, answer a provider function for the provider the
# invoke names (MockCallArgs.provider, the "<urn>::<id>" reference the SDK builds in pulumi/runtime/invoke.py), so a
# component that drops `parent=self` from its invokes gets us-east-1 answers and the test fails.
PROVIDER_HARNESS = """
import json
import pulumi

class Mocks(pulumi.runtime.Mocks):
    def __init__(self):
        self.regions, self.resources, self.invokes = {}, [], []

    def region(self, provider_ref):
        return self.regions.get(provider_ref.split("::")[-2] if provider_ref else "") or "us-east-1"

    def new_resource(self, args):
        if args.typ == "pulumi:providers:aws":
            self.regions[args.name] = args.inputs.get("region")
        self.resources.append({"type": args.typ, "name": args.name, "provider": args.provider or "",
                               "inputs": args.inputs})
        return f"{args.name}-id", dict(args.inputs)

    def call(self, args):
        region = self.region(args.provider)
        self.invokes.append({"token": args.token, "provider": args.provider or "", "region": region})
        if args.token == "aws:index/getAvailabilityZones:getAvailabilityZones":
            return {"id": region, "names": [region + s for s in "abc"]}, []
        if args.token == "aws:index/getRegion:getRegion":
            return {"id": region, "name": region, "region": region}, []
        if args.token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {"id": "123456789012", "accountId": "123456789012", "arn": "arn:aws:iam::123456789012:user/t",
                    "userId": "t"}, []
        raise NotImplementedError(args.token)

mocks = Mocks()
pulumi.runtime.set_mocks(mocks, project="p", stack="s", preview=False)
result = {}

@pulumi.runtime.test
def program():
    return pulumi.Output.from_input(build()).apply(lambda value: result.update(value=value))

program()
print(json.dumps({"resources": mocks.resources, "invokes": mocks.invokes, "result": result.get("value")},
                 default=str))
"""


def run_with_provider_mocks(tmp_path: Path, build: str) -> dict[str, Any]:
    """Run `build()` (defined in `build`) under Pulumi's mock runtime in a child process; return what it saw."""
    import os
    import subprocess
    import sys
    import textwrap

    from automation.check import REPO_ROOT

    script = tmp_path / "harness.py"
    script.write_text(textwrap.dedent(build) + PROVIDER_HARNESS)
    path = os.pathsep.join(p for p in (str(REPO_ROOT), os.environ.get("PYTHONPATH", "")) if p)
    done = subprocess.run(
        [sys.executable, str(script)],
        cwd=REPO_ROOT,
        env={**os.environ, "PYTHONPATH": path},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


def test_explicit_provider_for_another_region_is_honoured(tmp_path: Path) -> None:
    seen = run_with_provider_mocks(
        tmp_path,
        """
        import pulumi
        import pulumi_aws as aws
        from components.network import LambdaNetwork, LambdaNetworkArgs
        from components.endpoints import VpcEndpoints, VpcEndpointsArgs
        from components.function import SecretRef, VpcFunction, VpcFunctionArgs

        def build():
            eu = pulumi.ResourceOptions(provider=aws.Provider("euw1", region="eu-west-1"))
            net = LambdaNetwork("net", LambdaNetworkArgs(az_count=3), opts=eu)
            VpcEndpoints("ep", VpcEndpointsArgs(vpc_id=net.vpc_id, region=None,
                         route_table_ids=net.lambda_route_table_ids), opts=eu)
            VpcFunction("fn", VpcFunctionArgs(vpc_id=net.vpc_id, subnet_ids=net.lambda_subnet_ids,
                        code=pulumi.AssetArchive({}), reserved_concurrency=1,
                        secrets={"DB": SecretRef("ssm", "/app/db")}), opts=eu)
            return net.availability_zones
        """,
    )
    assert seen["result"] == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    by_name = {r["name"]: r for r in seen["resources"]}
    subnets = [r for r in seen["resources"] if r["type"] == "aws:ec2/subnet:Subnet"]
    assert sorted(s["inputs"]["availabilityZone"] for s in subnets) == sorted(seen["result"] * 2)
    assert {i["token"].rsplit(":", 1)[1]: i["region"] for i in seen["invokes"]} == {
        "getAvailabilityZones": "eu-west-1",
        "getRegion": "eu-west-1",
        "getCallerIdentity": "eu-west-1",
    }
    aws_children = [r for r in seen["resources"] if r["type"].startswith("aws:")]
    assert aws_children and all("::euw1::" in r["provider"] for r in aws_children)
    assert {r["inputs"]["serviceName"] for r in aws_children if r["type"].endswith(":VpcEndpoint")} == {
        "com.amazonaws.eu-west-1.s3",
        "com.amazonaws.eu-west-1.dynamodb",
    }
    assert "arn:aws:ssm:eu-west-1:123456789012:parameter/app/db" in by_name["fn-access"]["inputs"]["policy"]


def test_network_stack_exports_what_the_driver_reads(tmp_path: Path) -> None:
    """Interface 5: the program's network stack exports the parking group next to the VPC, subnets and group."""
    seen = run_with_provider_mocks(
        tmp_path,
        """
        import runpy
        import pulumi

        def build():
            pulumi.runtime.set_all_config({"netkit:environment": "staging", "netkit:egressStrategy": "nat-regional",
                                           "netkit:ipv6Egress": "true"})
            runpy.run_path("__main__.py", run_name="__main__")
            outputs = pulumi.runtime.get_root_resource().outputs
            return pulumi.Output.all(**outputs)
        """,
    )
    outputs = seen["result"]
    parking = next(r for r in seen["resources"] if r["name"] == "net-parking")
    assert outputs["parking_security_group_id"] == "net-parking-id" and parking["type"].endswith(":SecurityGroup")
    assert outputs["lambda_security_group_id"] == outputs["app_security_group_id"] == "worker-sg-id"
    assert outputs["vpc_id"] == "net-vpc-id" and outputs["lambda_subnet_ids"] == ["net-lambda-0-id", "net-lambda-1-id"]
    assert outputs["egress_strategy"] == "nat-regional" and outputs["ipv6_egress"] is True


@pytest.mark.parametrize(
    ("strategy", "static_ingress", "public", "igw", "eips"),
    [
        ("nat-per-az", False, True, True, 3),
        ("nat-single", False, True, True, 1),
        ("nat-regional", False, False, True, 3),
        ("nat-regional", True, True, True, 3),  # the ALB, not the NAT, needs the public subnets
        ("hyperplane-eip", False, False, True, 0),
        ("none", False, False, False, 0),
        ("none", True, True, True, 0),
    ],
)
def test_what_each_strategy_needs(strategy: str, static_ingress: bool, public: bool, igw: bool, eips: int) -> None:
    from components.strategy import EgressStrategy, eip_count, needs_internet_gateway, needs_public_subnets

    parsed = EgressStrategy.parse(strategy)
    assert needs_public_subnets(parsed, static_ingress) is public
    assert needs_internet_gateway(parsed, static_ingress) is igw
    assert eip_count(parsed, 3) == eips
