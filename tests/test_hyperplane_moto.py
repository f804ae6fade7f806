"""The Hyperplane-EIP dynamic provider's create/update/delete against a real moto server on 127.0.0.1.

moto's Lambda creates no ENIs, so the test creates ENIs with Lambda's description, as Lambda would."""

import io
import zipfile
from typing import Any

import boto3
import pytest

from components.hyperplane_eip import HyperplaneEipProvider
from components.hyperplane_ops import EipSpec, HyperplaneEniError, find_lambda_enis, wait_for_enis

REGION = "us-east-1"


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handler(e, c):\n    return 1\n")
    return buffer.getvalue()


@pytest.fixture
def aws_env(moto_endpoint: str) -> dict[str, Any]:
    ec2 = boto3.client("ec2", region_name=REGION, endpoint_url=moto_endpoint)
    iam = boto3.client("iam", region_name=REGION, endpoint_url=moto_endpoint)
    lam = boto3.client("lambda", region_name=REGION, endpoint_url=moto_endpoint)
    vpc = ec2.create_vpc(CidrBlock="10.9.0.0/16")["Vpc"]["VpcId"]
    subnets = [
        ec2.create_subnet(VpcId=vpc, CidrBlock=f"10.9.{i}.0/24", AvailabilityZone=f"{REGION}{z}")["Subnet"]["SubnetId"]
        for i, z in enumerate("ab")
    ]
    group = ec2.create_security_group(GroupName=f"fn-{vpc}", Description="fn", VpcId=vpc)["GroupId"]
    role = iam.create_role(RoleName=f"fn-{vpc}", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    name = f"worker-{vpc[-6:]}"
    lam.create_function(
        FunctionName=name,
        Runtime="python3.12",
        Role=role,
        Handler="handler.handler",
        Code={"ZipFile": _zip()},
        VpcConfig={"SubnetIds": subnets, "SecurityGroupIds": [group]},
    )
    allocations = [ec2.allocate_address(Domain="vpc")["AllocationId"] for _ in subnets]
    return {
        "ec2": ec2,
        "endpoint": moto_endpoint,
        "vpc": vpc,
        "subnets": subnets,
        "group": group,
        "name": name,
        "allocations": allocations,
    }


def lambda_enis(env: dict[str, Any], group: str) -> list[str]:
    return [
        env["ec2"].create_network_interface(
            SubnetId=s, Groups=[group], Description=f"AWS Lambda VPC ENI-{env['name']}"
        )["NetworkInterface"]["NetworkInterfaceId"]
        for s in env["subnets"]
    ]


def props(env: dict[str, Any], group: str, timeout: float = 5) -> dict[str, Any]:
    return {
        "functionName": env["name"],
        "subnetIds": env["subnets"],
        "securityGroupIds": [group],
        "allocationIds": env["allocations"],
        "region": REGION,
        "endpointUrl": env["endpoint"],
        "timeoutSeconds": timeout,
        "pollSeconds": 0.1,
    }


def attached(env: dict[str, Any]) -> dict[str, str]:
    addresses = env["ec2"].describe_addresses(AllocationIds=env["allocations"])["Addresses"]
    return {a["AllocationId"]: a.get("NetworkInterfaceId", "") for a in addresses}


def test_create_update_delete_move_the_eips_with_the_enis(aws_env: dict[str, Any]) -> None:
    env, provider = aws_env, HyperplaneEipProvider()
    # a non-Lambda ENI in the same subnet and group must be ignored
    env["ec2"].create_network_interface(SubnetId=env["subnets"][0], Groups=[env["group"]], Description="an EC2 ENI")
    first = lambda_enis(env, env["group"])
    created = provider.create(props(env, env["group"]))
    assert attached(env) == dict(zip(env["allocations"], first, strict=True))
    assert len(created.outs["egressIps"]) == 2  # type: ignore[index]

    # the function moves to a new security group: Lambda makes new ENIs, the EIPs must follow
    new_group = env["ec2"].create_security_group(GroupName=f"fn2-{env['vpc']}", Description="fn2", VpcId=env["vpc"])[
        "GroupId"
    ]
    second = lambda_enis(env, new_group)
    olds = {**props(env, env["group"]), **(created.outs or {})}
    news = props(env, new_group)
    assert provider.diff("id", olds, news).changes is True
    updated = provider.update("id", olds, news)
    assert attached(env) == dict(zip(env["allocations"], second, strict=True))

    provider.delete("id", {**news, **(updated.outs or {})})
    assert set(attached(env).values()) == {""}


def test_no_eni_in_time_fails_with_a_clear_message(aws_env: dict[str, Any]) -> None:
    env = aws_env
    with pytest.raises(HyperplaneEniError, match="no Lambda Hyperplane ENI appeared") as info:
        HyperplaneEipProvider().create(props(env, env["group"], timeout=0.3))
    assert env["subnets"][0] in str(info.value)


def test_find_requires_the_exact_security_group_set(aws_env: dict[str, Any]) -> None:
    env = aws_env
    lambda_enis(env, env["group"])
    assert len(find_lambda_enis(env["ec2"], env["subnets"], [env["group"]])) == 2
    assert find_lambda_enis(env["ec2"], env["subnets"], [env["group"], "sg-other"]) == {}
    spec = EipSpec(env["name"], env["subnets"], [env["group"]], env["allocations"], timeout_seconds=1)
    assert set(wait_for_enis(env["ec2"], spec)) == set(env["subnets"])


def test_eip_count_must_match_subnets() -> None:
    with pytest.raises(HyperplaneEniError, match="exactly one EIP per Lambda subnet"):
        EipSpec("fn", ["subnet-a", "subnet-b"], ["sg-1"], ["eipalloc-1"])
