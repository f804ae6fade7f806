"""AWS operations with boto3 that the seeds show people doing by hand: post-deploy checks, a Lambda ENI report,
and cleanup of what a failed ephemeral run leaves behind. No Pulumi import; `endpoint_url` points at emulators.

Checks return findings instead of raising, so one report lists every problem at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from netkit_core.capacity import DEFAULT_CHURN_FACTOR, EniCombination, required_ips
from netkit_core.enis import is_lambda_eni


@dataclass(frozen=True)
class Finding:
    check: str
    ok: bool
    message: str


def ec2_client(region: str, endpoint_url: str | None = None) -> Any:
    import boto3

    return boto3.session.Session(region_name=region).client("ec2", endpoint_url=endpoint_url)


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
                "egress-ips", False, f"NAT egress IPs {sorted(ips)} differ from the allow-listed {sorted(expected_ips)}"
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


def cleanup_after_failed_run(ec2: Any, vpc_id: str | None, stack: str, dry_run: bool = False) -> list[str]:
    """Delete detached Lambda ENIs in the run's VPC and release unassociated EIPs tagged for this ephemeral
    stack. Nothing else is touched."""
    actions = []
    if vpc_id:
        for eni in lambda_eni_report(ec2, vpc_id):
            if eni["status"] == "available":
                actions.append(f"delete detached Lambda ENI {eni['id']} in {eni['subnet']}")
                if not dry_run:
                    ec2.delete_network_interface(NetworkInterfaceId=eni["id"])
    addresses = ec2.describe_addresses(Filters=[{"Name": "tag:netkit:ephemeral", "Values": [stack]}])["Addresses"]
    for address in addresses:
        if address.get("AssociationId"):
            continue
        actions.append(f"release unassociated Elastic IP {address.get('PublicIp')} ({address['AllocationId']})")
        if not dry_run:
            ec2.release_address(AllocationId=address["AllocationId"])
    return actions


def verify_deployment(
    ec2: Any, outputs: dict[str, Any], interface_services: Sequence[str] = (), nat_count: int | None = None
) -> list[Finding]:
    """Post-deploy checks from a stack's outputs (as `python -m automation up --outputs-file` writes them)."""
    vpc_id = str(outputs["vpc_id"])
    subnets = [str(s) for s in outputs.get("lambda_subnet_ids") or []]
    strategy = str(outputs.get("egress_strategy", "nat-single"))
    findings: list[Finding] = []
    if strategy.startswith("nat"):
        findings += check_nat_gateways(ec2, vpc_id, [str(i) for i in outputs.get("egress_ips") or []], nat_count)
        findings += check_routes(ec2, subnets, "nat")
    elif strategy == "hyperplane-eip":
        findings += check_routes(ec2, subnets, "igw")
    findings += check_endpoints(ec2, vpc_id, ["s3", "dynamodb", *interface_services])
    findings += check_subnet_capacity(ec2, subnets, other_enis=len(interface_services))
    return findings
