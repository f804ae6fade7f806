"""Issue 17 item 1, the offline engine's side: it never invents an account's AZ-name <-> AZ-id mapping. An update's
state holds the AZ form the program gave; the other form only when the fixtures file gives the mapping (a
getAvailabilityZones entry with `names` and `zoneIds`); getAvailabilityZones answers no `zoneIds` without it. So a
Lambda subnet placed by name and a NAT gateway's subnet placed by id are undecided (naming the fixture), never a
"cross-AZ NAT" made up from a guessed mapping."""

from __future__ import annotations

from pathlib import Path

import pytest

from automation.check import run_check
from automation.offline.analyzer import PolicyPackProcess
from automation.offline.shim import lookups
from tests.conftest import write_program

ZONES = "aws:index/getAvailabilityZones:getAvailabilityZones"

PROGRAM = """
import json
import pulumi
import pulumi_aws as aws

vpc = aws.ec2.Vpc("vpc", cidr_block="10.0.0.0/16", enable_dns_hostnames=True)
igw = aws.ec2.InternetGateway("igw", vpc_id=vpc.id)
public_rt = aws.ec2.RouteTable("public", vpc_id=vpc.id, routes=[{"cidr_block": "0.0.0.0/0", "gateway_id": igw.id}])
public = aws.ec2.Subnet("public", vpc_id=vpc.id, cidr_block="10.0.100.0/24", availability_zone_id="use1-az4")
aws.ec2.RouteTableAssociation("public", subnet_id=public.id, route_table_id=public_rt.id)
eip = aws.ec2.Eip("nat", domain="vpc")
nat = aws.ec2.NatGateway("nat", subnet_id=public.id, allocation_id=eip.allocation_id)
subnets = []
for i, zone in enumerate(["us-east-1a", "us-east-1b"]):
    subnet = aws.ec2.Subnet(f"lambda-{i}", vpc_id=vpc.id, cidr_block=f"10.0.{i}.0/24", availability_zone=zone)
    rt = aws.ec2.RouteTable(f"lambda-{i}", vpc_id=vpc.id)
    aws.ec2.Route(f"default-{i}", route_table_id=rt.id, destination_cidr_block="0.0.0.0/0", nat_gateway_id=nat.id)
    aws.ec2.RouteTableAssociation(f"lambda-{i}", subnet_id=subnet.id, route_table_id=rt.id)
    subnets.append(subnet)
role = aws.iam.Role("role", assume_role_policy=json.dumps({"Version": "2012-10-17", "Statement": []}))
aws.lambda_.Function(
    "fn",
    role=role.arn,
    runtime="python3.12",
    handler="index.handler",
    code=pulumi.AssetArchive({}),
    reserved_concurrent_executions=5,
    vpc_config={"subnet_ids": [s.id for s in subnets], "security_group_ids": []},
)
zones = aws.get_availability_zones()
pulumi.export("zone_ids", zones.zone_ids)
pulumi.export("public_zone_name", public.availability_zone)
pulumi.export("lambda_zone_id", subnets[0].availability_zone_id)
"""


def fixtures(directory: Path, names: list[str], ids: list[str]) -> Path:
    path = directory / "fixtures.yaml"
    path.write_text(f"invokes:\n  - token: {ZONES}\n    result:\n      names: {names}\n      zoneIds: {ids}\n")
    return path


def test_get_availability_zones_answers_names_but_no_invented_ids() -> None:
    fact = lookups.facts(ZONES, "us-east-1", "use1")
    assert fact is not None and fact["names"] == ["us-east-1a", "us-east-1b", "us-east-1c"]
    assert "zoneIds" not in fact


def test_zone_mapping_comes_only_from_the_fixtures() -> None:
    assert lookups.zone_mapping([], "us-east-1") == {}
    entry = {"token": ZONES, "result": {"names": ["us-east-1a", "us-east-1b"], "zoneIds": ["use1-az6", "use1-az1"]}}
    assert lookups.zone_mapping([entry], "us-east-1") == {"us-east-1a": "use1-az6", "us-east-1b": "use1-az1"}
    assert lookups.zone_mapping([entry], "eu-west-1") == {}  # names of another region
    ragged = {"token": ZONES, "result": {"names": ["us-east-1a"], "zoneIds": []}}
    assert lookups.zone_mapping([ragged], "us-east-1") == {}


@pytest.mark.parametrize(
    ("inputs", "mapping", "expected"),
    [
        ({"availabilityZone": "us-east-1b"}, {}, {"availabilityZone": "us-east-1b"}),
        ({"availabilityZoneId": "use1-az1"}, {}, {"availabilityZoneId": "use1-az1"}),
        ({}, {}, {}),  # AWS picks the AZ: not invented
        (
            {"availabilityZone": "us-east-1b"},
            {"us-east-1b": "use1-az1"},
            {"availabilityZone": "us-east-1b", "availabilityZoneId": "use1-az1"},
        ),
        (
            {"availabilityZoneId": "use1-az1"},
            {"us-east-1b": "use1-az1"},
            {"availabilityZone": "us-east-1b", "availabilityZoneId": "use1-az1"},
        ),
    ],
)
def test_settle_zones_keeps_what_was_given(
    inputs: dict[str, str], mapping: dict[str, str], expected: dict[str, str]
) -> None:
    fabricated = {"availabilityZone": "us-east-1a", "availabilityZoneId": "use1-az1", "cidrBlock": "10.0.0.0/24"}
    settled = lookups.settle_zones(inputs, {**fabricated, **inputs}, mapping)
    assert {k: v for k, v in settled.items() if k != "cidrBlock"} == expected
    assert settled["cidrBlock"] == "10.0.0.0/24"


def _per_az(report: object) -> tuple[list[str], list[str]]:
    violations = [v.message for v in report.violations if v.policy == "nat-gateway-per-az"]  # type: ignore[attr-defined]
    undecided = [n.reason for n in report.not_run if n.policy == "nat-gateway-per-az"]  # type: ignore[attr-defined]
    return violations, undecided


@pytest.mark.parametrize("mode", ["preview", "update"])
def test_a_nat_placed_by_zone_id_is_undecided_without_the_mapping(
    tmp_path: Path, netkit_pack: PolicyPackProcess, mode: str
) -> None:
    program = write_program(tmp_path / "p", PROGRAM, {"aws:region": "us-east-1"})
    report = run_check(program, "test", mode, pack=netkit_pack)  # type: ignore[arg-type]
    violations, undecided = _per_az(report)
    assert violations == []
    assert undecided and all(ZONES in reason for reason in undecided)


def test_with_the_mapping_in_the_fixtures_the_update_decides(tmp_path: Path, netkit_pack: PolicyPackProcess) -> None:
    program = write_program(tmp_path / "p", PROGRAM, {"aws:region": "us-east-1"})
    same_as_b = fixtures(tmp_path, ["us-east-1a", "us-east-1b"], ["use1-az6", "use1-az4"])
    report = run_check(program, "test", "update", pack=netkit_pack, fixtures=same_as_b)
    # The capacity table of an update links functions to subnets by their ids, as the pack does.
    assert sorted(row.subnet for row in report.capacity) == ["lambda-0", "lambda-1"]
    violations, undecided = _per_az(report)
    assert undecided == [] and len(violations) == 1 and "lambda-0" in violations[0]  # az6 (a) uses the NAT in az4 (b)
    nowhere = fixtures(tmp_path, ["us-east-1a", "us-east-1b", "us-east-1c"], ["use1-az6", "use1-az1", "use1-az4"])
    violations, undecided = _per_az(run_check(program, "test", "update", pack=netkit_pack, fixtures=nowhere))
    assert undecided == [] and len(violations) == 1
    assert "lambda-0" in violations[0] and "lambda-1" in violations[0]  # one finding for the NAT, listing both
