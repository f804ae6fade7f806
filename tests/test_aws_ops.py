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


# --- cleanup touches only its own ----------------------------------------------------------------------------
def _tag(key: str, value: str, kind: str) -> list[dict[str, Any]]:
    return [{"ResourceType": kind, "Tags": [{"Key": key, "Value": value}]}]


@pytest.fixture
def two_stacks(deployed: dict[str, Any]) -> dict[str, Any]:
    """Two ephemeral stacks (and a third whose name extends the first's) sharing one VPC. Names are unique per
    test: the moto server lives for the session and Elastic IPs are regional."""
    import uuid

    ec2, vpc, subnet = deployed["ec2"], deployed["vpc"], deployed["subnets"][0]
    a, b = f"eph-a{uuid.uuid4().hex[:6]}", f"eph-b{uuid.uuid4().hex[:6]}"

    def group(stack: str) -> str:
        return str(
            ec2.create_security_group(
                GroupName=f"sg-{stack}",
                Description=stack,
                VpcId=vpc,
                TagSpecifications=_tag("netkit:ephemeral", stack, "security-group"),
            )["GroupId"]
        )

    mine, theirs, prefixed = group(a), group(b), group(f"{a}-2")

    def eni(*groups: str) -> str:
        created = ec2.create_network_interface(SubnetId=subnet, Groups=list(groups), Description="AWS Lambda VPC ENI-x")
        return str(created["NetworkInterface"]["NetworkInterfaceId"])

    enis = {"mine": eni(mine), "theirs": eni(theirs), "mixed": eni(mine, theirs), "prefixed": eni(prefixed)}

    def address(stack: str | None) -> str:
        spec = _tag("netkit:ephemeral", stack, "elastic-ip") if stack else []
        return str(ec2.allocate_address(Domain="vpc", TagSpecifications=spec)["AllocationId"])

    eips = {"mine": address(a), "theirs": address(b), "prefixed": address(f"{a}-2")}
    eips["mine_associated"] = address(a)
    ec2.associate_address(AllocationId=eips["mine_associated"], NetworkInterfaceId=enis["theirs"])
    groups = {"mine": mine, "theirs": theirs, "prefixed": prefixed}
    return {**deployed, "a": a, "b": b, "groups": groups, "enis": enis, "eips": eips}


def test_cleanup_removes_only_what_carries_the_stacks_exact_tag(two_stacks: dict[str, Any]) -> None:
    ec2, vpc = two_stacks["ec2"], two_stacks["vpc"]
    enis, eips = two_stacks["enis"], two_stacks["eips"]
    a = two_stacks["a"]
    planned = aws_ops.cleanup_after_failed_run(ec2, vpc, a, dry_run=True)
    assert f"would delete detached Lambda ENI {enis['mine']} in {two_stacks['subnets'][0]}" in planned
    assert f"would release unassociated Elastic IP {eips['mine']}" in planned
    assert len(ec2.describe_network_interfaces()["NetworkInterfaces"]) >= 4  # a dry run changes nothing
    actions = aws_ops.cleanup_after_failed_run(ec2, vpc, a)
    assert f"deleted detached Lambda ENI {enis['mine']} in {two_stacks['subnets'][0]}" in actions
    assert f"kept detached Lambda ENI {enis['mixed']}: not every security group on it is {a}'s" in actions
    assert f"kept Elastic IP {eips['mine_associated']}: still associated" in actions
    left_enis = {e["NetworkInterfaceId"] for e in ec2.describe_network_interfaces()["NetworkInterfaces"]}
    assert enis["mine"] not in left_enis and {enis["theirs"], enis["mixed"], enis["prefixed"]} <= left_enis
    left_eips = {a["AllocationId"] for a in ec2.describe_addresses()["Addresses"]}
    assert eips["mine"] not in left_eips
    assert {eips["theirs"], eips["prefixed"], eips["mine_associated"]} <= left_eips
    groups = {g["GroupId"] for g in ec2.describe_security_groups()["SecurityGroups"]}
    assert set(two_stacks["groups"].values()) <= groups  # cleanup never deletes security groups


@pytest.mark.parametrize("stack", ["*", "eph-*", "eph-?", "", "  "])
def test_cleanup_refuses_wildcards_and_empty_names(
    two_stacks: dict[str, Any], stack: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from automation import cli

    with pytest.raises(ValueError, match="--stack"):
        aws_ops.cleanup_after_failed_run(two_stacks["ec2"], two_stacks["vpc"], stack)
    argv = ["aws", "cleanup", "--stack", stack, "--vpc-id", two_stacks["vpc"], "--endpoint-url", "http://127.0.0.1:9"]
    assert cli.main(argv) == 2
    assert "error: --stack" in capsys.readouterr().err
    assert len(two_stacks["ec2"].describe_addresses()["Addresses"]) >= 4


def test_cleanup_command_prints_every_action(
    two_stacks: dict[str, Any], moto_endpoint: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from automation import cli

    enis, eips, subnet = two_stacks["enis"], two_stacks["eips"], two_stacks["subnets"][0]
    b = two_stacks["b"]
    argv = ["aws", "cleanup", "--stack", b, "--vpc-id", two_stacks["vpc"], "--endpoint-url", moto_endpoint]
    assert cli.main([*argv, "--dry-run"]) == 0
    assert sorted(capsys.readouterr().out.splitlines()) == sorted(
        [
            f"would delete detached Lambda ENI {enis['theirs']} in {subnet}",
            f"kept detached Lambda ENI {enis['mixed']}: not every security group on it is {b}'s",
            f"kept detached Lambda ENI {enis['mine']}: not every security group on it is {b}'s",
            f"kept detached Lambda ENI {enis['prefixed']}: not every security group on it is {b}'s",
            f"would release unassociated Elastic IP {eips['theirs']}",
        ]
    )


# --- `aws` commands that fail well ---------------------------------------------------------------------------
SENTINEL = "do-not-print-3f9a"


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("{not json", "is not JSON (line 1)"),
        ("[]", "must hold a JSON object (it holds a list)"),
        ('{"outputs": {"lambda_subnet_ids": []}}', "has no vpc_id"),
        ('{"outputs": {"vpc_id": ["' + SENTINEL + '"]}}', "vpc_id must be a non-empty string (it is a list)"),
        (
            '{"vpc_id": "vpc-1", "lambda_subnet_ids": "' + SENTINEL + '"}',
            "lambda_subnet_ids must be a list of strings (it is a str)",
        ),
        ('{"vpc_id": "vpc-1", "egress_ips": [1]}', "egress_ips must be a list of strings (it is a list)"),
    ],
)
def test_verify_rejects_malformed_outputs_with_exit_2(
    tmp_path: Any, content: str, message: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from automation import cli

    path = tmp_path / "outputs.json"
    path.write_text(content)
    assert cli.main(["aws", "verify", "--outputs", str(path), "--endpoint-url", "http://127.0.0.1:9"]) == 2
    captured = capsys.readouterr()
    assert message in captured.err and "Traceback" not in captured.err
    assert SENTINEL not in captured.err + captured.out


def test_verify_reports_a_missing_vpc_as_a_finding(moto_endpoint: str, tmp_path: Any, capsys: Any) -> None:
    from automation import cli

    path = tmp_path / "outputs.json"
    path.write_text('{"outputs": {"vpc_id": "vpc-0123456789abcdef0", "lambda_subnet_ids": []}}')
    assert cli.main(["aws", "verify", "--outputs", str(path), "--endpoint-url", moto_endpoint]) == 1
    assert (
        capsys.readouterr().out.strip()
        == "FAIL vpc: VPC vpc-0123456789abcdef0 does not exist in this account and region"
    )


def test_an_empty_subnet_list_is_a_finding_not_every_subnet_of_the_region(deployed: dict[str, Any]) -> None:
    outputs = {**deployed["outputs"], "lambda_subnet_ids": []}
    findings = aws_ops.verify_deployment(deployed["ec2"], outputs)
    assert "no lambda_subnet_ids in the outputs: routes and capacity unchecked" in failing(findings)
    assert not [f for f in findings if f.check == "capacity"]
    assert failing(aws_ops.check_subnet_capacity(deployed["ec2"], [])) == [
        "no Lambda subnets in the outputs: nothing to check capacity for"
    ]


def test_every_aws_call_is_bounded_by_the_timeout(capsys: pytest.CaptureFixture[str]) -> None:
    """An endpoint that accepts connections and never answers: the command ends with one line, in bounded time."""
    import socket
    import threading
    import time

    from automation import cli

    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    endpoint = f"http://127.0.0.1:{server.getsockname()[1]}"
    try:
        started = time.monotonic()
        code = cli.main(["aws", "enis", "--vpc-id", "vpc-1", "--endpoint-url", endpoint, "--timeout", "0.5"])
        elapsed = time.monotonic() - started
    finally:
        stop.set()
        thread.join(2)
        for connection in held:
            connection.close()
        server.close()
    assert code == 2 and elapsed < 15
    err = capsys.readouterr().err
    assert "did not answer within --timeout 0.5s" in err and endpoint not in err
    client = aws_ops.ec2_client("us-east-1", None, 7)
    assert client.meta.config.connect_timeout == 7 and client.meta.config.read_timeout == 7
