"""Post-deploy checks, the Lambda ENI report and cleanup, with boto3 against a real moto server."""

from typing import Any

import boto3
import pytest

from automation import aws_ops

REGION = "us-east-1"


@pytest.fixture
def deployed(moto_endpoint: str) -> dict[str, Any]:
    """What a nat-per-az deployment looks like: public + Lambda subnets per AZ, NATs, routes, endpoints."""
    ec2 = boto3.client("ec2", region_name=REGION, endpoint_url=moto_endpoint)
    vpc = ec2.create_vpc(CidrBlock="10.7.0.0/16")["Vpc"]["VpcId"]
    igw = ec2.create_internet_gateway()["InternetGateway"]["InternetGatewayId"]
    ec2.attach_internet_gateway(InternetGatewayId=igw, VpcId=vpc)
    lambda_subnets, nat_ips, tables = [], [], []
    for index, zone in enumerate("ab"):
        public = ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.7.{100 + index}.0/24", AvailabilityZone=f"{REGION}{zone}")[
            "Subnet"
        ]["SubnetId"]
        private = ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.7.{index}.0/24", AvailabilityZone=f"{REGION}{zone}")[
            "Subnet"
        ]["SubnetId"]
        allocation = ec2.allocate_address(Domain="vpc")
        nat = ec2.create_nat_gateway(SubnetId=public, AllocationId=allocation["AllocationId"])["NatGateway"]
        table = ec2.create_route_table(VpcId=vpc)["RouteTable"]["RouteTableId"]
        ec2.associate_route_table(RouteTableId=table, SubnetId=private)
        ec2.create_route(RouteTableId=table, DestinationCidrBlock="0.0.0.0/0", NatGatewayId=nat["NatGatewayId"])
        lambda_subnets.append(private)
        nat_ips.append(allocation["PublicIp"])
        tables.append(table)
    for service in ("s3", "dynamodb"):
        ec2.create_vpc_endpoint(VpcId=vpc, ServiceName=f"com.amazonaws.{REGION}.{service}", RouteTableIds=tables)
    ec2.create_vpc_endpoint(
        VpcId=vpc, ServiceName=f"com.amazonaws.{REGION}.sqs", VpcEndpointType="Interface", SubnetIds=lambda_subnets
    )
    outputs = {
        "vpc_id": vpc,
        "lambda_subnet_ids": lambda_subnets,
        "egress_ips": nat_ips,
        "egress_strategy": "nat-per-az",
    }
    return {"ec2": ec2, "vpc": vpc, "subnets": lambda_subnets, "tables": tables, "outputs": outputs}


def failing(findings: list[aws_ops.Finding]) -> list[str]:
    return [f.message for f in findings if not f.ok]


def test_a_correct_deployment_passes(deployed: dict[str, Any]) -> None:
    findings = aws_ops.verify_deployment(deployed["ec2"], deployed["outputs"], ["sqs"], nat_count=2)
    assert failing(findings) == []
    assert {f.check for f in findings} == {"nat-gateways", "egress-ips", "routes", "endpoints", "capacity"}


def test_finds_a_missing_nat_route(deployed: dict[str, Any]) -> None:
    deployed["ec2"].delete_route(RouteTableId=deployed["tables"][1], DestinationCidrBlock="0.0.0.0/0")
    problems = failing(aws_ops.verify_deployment(deployed["ec2"], deployed["outputs"], ["sqs"]))
    assert problems == [f"subnet {deployed['subnets'][1]} has no 0.0.0.0/0 route to a NAT gateway"]


def test_finds_egress_ips_that_differ_from_the_allow_list(deployed: dict[str, Any]) -> None:
    outputs = {**deployed["outputs"], "egress_ips": ["203.0.113.9"]}
    assert any(
        "differ from the egress_ips output" in p for p in failing(aws_ops.verify_deployment(deployed["ec2"], outputs))
    )


def test_finds_a_pending_endpoint(deployed: dict[str, Any]) -> None:
    # moto's API always creates endpoints as available; set the state a real endpoint has while it provisions.
    from moto.backends import get_backend

    backend = get_backend("ec2")["123456789012"][REGION]
    endpoint = next(
        e for e in backend.vpc_end_points.values() if e.vpc_id == deployed["vpc"] and e.service_name.endswith(".sqs")
    )
    endpoint.state = "pending"
    problems = failing(aws_ops.check_endpoints(deployed["ec2"], deployed["vpc"], ["s3", "dynamodb", "sqs"]))
    assert problems == [f"sqs endpoint {endpoint.id} is pending"]


def test_finds_a_subnet_short_of_ips(deployed: dict[str, Any]) -> None:
    ec2 = deployed["ec2"]
    small = ec2.create_subnet(VpcId=deployed["vpc"], CidrBlock="10.7.50.0/28")["Subnet"]["SubnetId"]
    for _ in range(9):  # leave 2 of the 11 usable addresses
        ec2.create_network_interface(SubnetId=small)
    problems = failing(aws_ops.check_subnet_capacity(ec2, [small], combinations=1, other_enis=1))
    assert len(problems) == 1 and "has 2 free IPs; the capacity model needs 4" in problems[0]


def test_eni_report(deployed: dict[str, Any]) -> None:
    ec2 = deployed["ec2"]
    group = ec2.create_security_group(GroupName="fn", Description="fn", VpcId=deployed["vpc"])["GroupId"]
    lambda_eni = ec2.create_network_interface(
        SubnetId=deployed["subnets"][0], Groups=[group], Description="AWS Lambda VPC ENI-worker"
    )["NetworkInterface"]
    ec2.create_network_interface(SubnetId=deployed["subnets"][0], Description="an EC2 ENI")
    report = aws_ops.lambda_eni_report(ec2, deployed["vpc"])
    assert [r["id"] for r in report] == [lambda_eni["NetworkInterfaceId"]] and report[0]["groups"] == [group]
