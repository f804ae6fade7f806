"""AWS operations with boto3 that the seeds show people doing by hand: post-deploy checks, a Lambda ENI report,
and cleanup of what a failed ephemeral run leaves behind. No Pulumi import; `endpoint_url` points at emulators.

Checks return findings instead of raising, so one report lists every problem at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from netkit_core.capacity import DEFAULT_CHURN_FACTOR, EniCombination, required_ips
from netkit_core.enis import is_lambda_eni

from .driver.enis import owned_eni

STACK_TAG = "netkit:ephemeral"  # components tag every resource of an ephemeral stack with its name
EC2_FILTER_WILDCARDS = re.compile(r"[*?]")
DEFAULT_AWS_TIMEOUT = 30.0


@dataclass(frozen=True)
class Finding:
    check: str
    ok: bool
    message: str


class OutputsError(ValueError):
    """A malformed or partial outputs file; the message names the field, never its value. Exit status 2."""


def aws_client(
    service: str, region: str, endpoint_url: str | None = None, timeout_seconds: float = DEFAULT_AWS_TIMEOUT
) -> Any:
    """A boto3 client whose every call is bounded: connect and read timeouts, and botocore's standard retry mode
    (throttling and transient errors, a bounded number of attempts)."""
    import boto3
    from botocore.config import Config

    config = Config(
        connect_timeout=timeout_seconds,
        read_timeout=timeout_seconds,
        retries={"mode": "standard", "max_attempts": 3},
    )
    return boto3.session.Session(region_name=region).client(service, endpoint_url=endpoint_url, config=config)


def ec2_client(region: str, endpoint_url: str | None = None, timeout_seconds: float = DEFAULT_AWS_TIMEOUT) -> Any:
    return aws_client("ec2", region, endpoint_url, timeout_seconds)


def validate_stack_name(stack: str) -> str:
    """Cleanup selects by the exact `netkit:ephemeral` tag; EC2 filters treat `*` and `?` as wildcards, so a name
    holding them (or an empty one) could match other stacks' resources."""
    if not stack or not stack.strip():
        raise ValueError("--stack must name the ephemeral stack (it is empty)")
    if EC2_FILTER_WILDCARDS.search(stack):
        raise ValueError("--stack must be an exact stack name: '*' and '?' are wildcards in EC2 filters")
    return stack


def _list_of_strings(outputs: Mapping[str, Any], key: str, required: bool = False) -> list[str]:
    value = outputs.get(key)
    if value is None:
        if required:
            raise OutputsError(f"outputs file has no {key}")
        return []
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise OutputsError(f"outputs field {key} must be a list of strings (it is a {type(value).__name__})")
    return list(value)


def validate_outputs(record: Any) -> dict[str, Any]:
    """The stack outputs of a run record (`up --outputs-file`) or a bare outputs object, checked field by field."""
    if not isinstance(record, Mapping):
        raise OutputsError(f"outputs file must hold a JSON object (it holds a {type(record).__name__})")
    outputs = record.get("outputs", record)
    if not isinstance(outputs, Mapping):
        raise OutputsError(f"outputs field outputs must be an object (it is a {type(outputs).__name__})")
    vpc_id = outputs.get("vpc_id")
    if vpc_id is None:
        raise OutputsError("outputs file has no vpc_id (was the run stopped before `up` finished?)")
    if not isinstance(vpc_id, str) or not vpc_id:
        raise OutputsError(f"outputs field vpc_id must be a non-empty string (it is a {type(vpc_id).__name__})")
    strategy = outputs.get("egress_strategy", "nat-single")
    if not isinstance(strategy, str):
        raise OutputsError(f"outputs field egress_strategy must be a string (it is a {type(strategy).__name__})")
    return {
        "vpc_id": vpc_id,
        "lambda_subnet_ids": _list_of_strings(outputs, "lambda_subnet_ids"),
        "egress_ips": _list_of_strings(outputs, "egress_ips"),
        "egress_strategy": strategy,
    }


def check_vpc_exists(ec2: Any, vpc_id: str) -> list[Finding]:
    """A VPC that is not there is a finding (not a traceback), and every other check is skipped."""
    try:
        vpcs = ec2.describe_vpcs(VpcIds=[vpc_id])["Vpcs"]
    except ec2.exceptions.ClientError as exc:
        if exc.response.get("Error", {}).get("Code") in ("InvalidVpcID.NotFound", "InvalidVpcID.Malformed"):
            vpcs = []
        else:
            raise
    if vpcs:
        return []
    return [Finding("vpc", False, f"VPC {vpc_id} does not exist in this account and region")]


def check_nat_gateways(
    ec2: Any, vpc_id: str, expected_ips: Sequence[str] = (), expected_count: int | None = None
) -> list[Finding]:
    """NAT gateways of the VPC are available and carry exactly the egress IPs vendors allow-listed."""
    gateways = ec2.describe_nat_gateways(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["NatGateways"]
    gateways = [g for g in gateways if g.get("State") != "deleted"]
    findings = []
    if expected_count is not None and len(gateways) != expected_count:
        findings.append(
            Finding(
                "nat-gateways", False, f"VPC {vpc_id} has {len(gateways)} NAT gateway(s), expected {expected_count}"
            )
        )
    ips = set()
    for gateway in gateways:
        state = gateway.get("State")
        ips |= {a.get("PublicIp") for a in gateway.get("NatGatewayAddresses", []) if a.get("PublicIp")}
        findings.append(
            Finding("nat-gateways", state == "available", f"NAT gateway {gateway['NatGatewayId']} is {state}")
        )
    if expected_ips and set(expected_ips) != ips:
        findings.append(
            Finding(
                "egress-ips",
                False,
                f"NAT egress IPs {sorted(ips)} differ from the egress_ips output "
                f"({len(set(expected_ips) - ips)} allow-listed IP(s) not on a NAT gateway, "
                f"{len(ips - set(expected_ips))} NAT IP(s) not allow-listed)",
            )
        )
    elif expected_ips:
        findings.append(Finding("egress-ips", True, f"egress IPs {sorted(ips)} match the allow-list"))
    return findings


def route_table_of(ec2: Any, subnet_id: str) -> dict[str, Any] | None:
    tables = ec2.describe_route_tables(Filters=[{"Name": "association.subnet-id", "Values": [subnet_id]}])
    if tables["RouteTables"]:
        return dict(tables["RouteTables"][0])
    vpc_id = ec2.describe_subnets(SubnetIds=[subnet_id])["Subnets"][0]["VpcId"]
    main = ec2.describe_route_tables(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "association.main", "Values": ["true"]}]
    )["RouteTables"]
    return dict(main[0]) if main else None


def check_routes(ec2: Any, lambda_subnet_ids: Iterable[str], target: str = "nat") -> list[Finding]:
    """Each Lambda subnet routes 0.0.0.0/0 to a NAT gateway (target "nat") or an internet gateway ("igw")."""
    findings = []
    for subnet_id in lambda_subnet_ids:
        table = route_table_of(ec2, subnet_id)
        routes = table.get("Routes", []) if table else []
        default = [r for r in routes if r.get("DestinationCidrBlock") == "0.0.0.0/0" and r.get("State") != "blackhole"]
        if target == "nat":
            ok = any(r.get("NatGatewayId") for r in default)
        else:
            ok = any(str(r.get("GatewayId", "")).startswith("igw-") for r in default)
        label = "a NAT gateway" if target == "nat" else "an internet gateway"
        findings.append(
            Finding(
                "routes",
                ok,
                f"subnet {subnet_id} {'routes' if ok else 'has no'} 0.0.0.0/0 {'to' if ok else 'route to'} {label}",
            )
        )
    return findings


def check_endpoints(ec2: Any, vpc_id: str, services: Iterable[str]) -> list[Finding]:
    """The VPC's endpoints for these service short names exist and are available."""
    endpoints = ec2.describe_vpc_endpoints(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}])["VpcEndpoints"]
    by_service = {e["ServiceName"].rsplit(".", 1)[-1]: e for e in endpoints}
    findings = []
    for service in services:
        endpoint = by_service.get(service)
        if endpoint is None:
            findings.append(Finding("endpoints", False, f"no {service} endpoint in VPC {vpc_id}"))
            continue
        state = str(endpoint.get("State", "")).lower()
        findings.append(
            Finding(
                "endpoints",
                state == "available",
                f"{service} endpoint {endpoint['VpcEndpointId']} is {endpoint.get('State')}",
            )
        )
    return findings


def check_subnet_capacity(
    ec2: Any,
    lambda_subnet_ids: Sequence[str],
    combinations: int = 1,
    other_enis: int = 0,
    churn_factor: float = DEFAULT_CHURN_FACTOR,
) -> list[Finding]:
    """Free IPs per Lambda subnet against what the capacity model says its ENIs still need."""
    demand = required_ips([EniCombination()] * combinations, other_enis, churn_factor)
    if not lambda_subnet_ids:  # DescribeSubnets with no ids answers every subnet of the region
        return [Finding("capacity", False, "no Lambda subnets in the outputs: nothing to check capacity for")]
    subnets = ec2.describe_subnets(SubnetIds=list(lambda_subnet_ids))["Subnets"]
    return [
        Finding(
            "capacity",
            s["AvailableIpAddressCount"] >= demand.required,
            f"subnet {s['SubnetId']} ({s['CidrBlock']}) has {s['AvailableIpAddressCount']} free IPs; the "
            f"capacity model needs {demand.required} ({demand.explain()})",
        )
        for s in subnets
    ]


def lambda_eni_report(ec2: Any, vpc_id: str) -> list[dict[str, Any]]:
    """The seeds' `describe-network-interfaces --filters Name=description,Values=*Lambda*`, per VPC."""
    paginator = ec2.get_paginator("describe_network_interfaces")
    rows = []
    for page in paginator.paginate(Filters=[{"Name": "vpc-id", "Values": [vpc_id]}]):
        for eni in page["NetworkInterfaces"]:
            if not is_lambda_eni(eni):
                continue
            rows.append(
                {
                    "id": eni["NetworkInterfaceId"],
                    "subnet": eni["SubnetId"],
                    "status": eni.get("Status", ""),
                    "groups": sorted(g["GroupId"] for g in eni.get("Groups", [])),
                    "private_ip": eni.get("PrivateIpAddress", ""),
                    "public_ip": eni.get("Association", {}).get("PublicIp", ""),
                    "description": eni.get("Description", ""),
                }
            )
    return rows


def stack_security_groups(ec2: Any, vpc_id: str, stack: str) -> set[str]:
    """Security groups in the VPC whose `netkit:ephemeral` tag is exactly `stack` (checked again in Python: the
    filter is only a pre-selection)."""
    paginator = ec2.get_paginator("describe_security_groups")
    groups = set()
    filters = [{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": f"tag:{STACK_TAG}", "Values": [stack]}]
    for page in paginator.paginate(Filters=filters):
        for group in page["SecurityGroups"]:
            if any(t.get("Key") == STACK_TAG and t.get("Value") == stack for t in group.get("Tags", [])):
                groups.add(group["GroupId"])
    return groups


def cleanup_after_failed_run(ec2: Any, vpc_id: str | None, stack: str, dry_run: bool = False) -> list[str]:
    """What a failed ephemeral run left, and only what is provably this stack's: a detached (`available`) Lambda ENI
    in the VPC whose every security group carries `netkit:ephemeral=<stack>` exactly, and an Elastic IP with that
    exact tag and no association. Every action is returned (and, in a dry run, only returned)."""
    validate_stack_name(stack)
    actions = []
    verb = "would delete" if dry_run else "deleted"
    if vpc_id:
        own_groups = stack_security_groups(ec2, vpc_id, stack)
        for eni in lambda_eni_report(ec2, vpc_id):
            if eni["status"] != "available":
                continue
            as_api = {"Groups": [{"GroupId": g} for g in eni["groups"]], "SubnetId": eni["subnet"]}
            if not owned_eni(as_api, own_groups):
                actions.append(f"kept detached Lambda ENI {eni['id']}: not every security group on it is {stack}'s")
                continue
            if not dry_run:
                ec2.delete_network_interface(NetworkInterfaceId=eni["id"])
            actions.append(f"{verb} detached Lambda ENI {eni['id']} in {eni['subnet']}")
    filters = [{"Name": f"tag:{STACK_TAG}", "Values": [stack]}]
    for address in ec2.describe_addresses(Filters=filters)["Addresses"]:
        exact = any(t.get("Key") == STACK_TAG and t.get("Value") == stack for t in address.get("Tags", []))
        if not exact:
            continue
        if address.get("AssociationId"):
            actions.append(f"kept Elastic IP {address['AllocationId']}: still associated")
            continue
        if not dry_run:
            ec2.release_address(AllocationId=address["AllocationId"])
        verb_ip = "would release" if dry_run else "released"
        actions.append(f"{verb_ip} unassociated Elastic IP {address['AllocationId']}")
    return actions


def verify_deployment(
    ec2: Any, outputs: dict[str, Any], interface_services: Sequence[str] = (), nat_count: int | None = None
) -> list[Finding]:
    """Post-deploy checks from a stack's outputs (as `python -m automation up --outputs-file` writes them)."""
    checked = validate_outputs(outputs)
    vpc_id = checked["vpc_id"]
    missing = check_vpc_exists(ec2, vpc_id)
    if missing:
        return missing
    subnets = checked["lambda_subnet_ids"]
    strategy = checked["egress_strategy"]
    findings: list[Finding] = []
    if strategy.startswith("nat"):
        findings += check_nat_gateways(ec2, vpc_id, checked["egress_ips"], nat_count)
    if not subnets:
        findings.append(Finding("routes", False, "no lambda_subnet_ids in the outputs: routes and capacity unchecked"))
    elif strategy.startswith("nat"):
        findings += check_routes(ec2, subnets, "nat")
    elif strategy == "hyperplane-eip":
        findings += check_routes(ec2, subnets, "igw")
    findings += check_endpoints(ec2, vpc_id, ["s3", "dynamodb", *interface_services])
    if subnets:
        findings += check_subnet_capacity(ec2, subnets, other_enis=len(interface_services))
    return findings
