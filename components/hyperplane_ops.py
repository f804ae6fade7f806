"""boto3 operations behind the Hyperplane-ENI Elastic IP trick (seed 001), with no Pulumi import.

Lambda creates one Hyperplane ENI per (subnet, security-group set) combination. A function in a public subnet
(route 0.0.0.0/0 -> internet gateway) has no internet access because its ENI has no public IP; associating an
Elastic IP with each of those ENIs gives it a static egress IP without a NAT gateway. This relies on an
implementation detail of Lambda: if the function's subnets or security groups change, Lambda creates new ENIs
and the EIPs must move (`reconcile` does that), and past 65,000 connections an ENI without an EIP may appear.

The Pulumi dynamic provider in `hyperplane_eip.py` is a thin wrapper over `reconcile` and `release`, so the
same code is tested against a real moto server.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from netkit_core.enis import is_lambda_eni


class HyperplaneEniError(RuntimeError):
    """The function or its ENIs did not reach the state the trick needs; the message says what to check."""


@dataclass(frozen=True)
class EipSpec:
    """What should be true: each subnet's Lambda ENI for this security-group set carries the subnet's EIP."""

    function_name: str
    subnet_ids: Sequence[str]
    security_group_ids: Sequence[str]
    allocation_ids: Sequence[str]
    timeout_seconds: float = 600.0
    poll_seconds: float = 5.0

    def __post_init__(self) -> None:
        if len(self.subnet_ids) != len(self.allocation_ids):
            raise HyperplaneEniError(
                f"{len(self.subnet_ids)} subnet(s) but {len(self.allocation_ids)} Elastic IP allocation(s): the trick "
                "needs exactly one EIP per Lambda subnet (one Hyperplane ENI per subnet and security-group set)"
            )
        if not self.security_group_ids:
            raise HyperplaneEniError("the function has no security groups; Lambda ENIs are keyed by subnet and groups")


@dataclass
class Association:
    subnet_id: str
    network_interface_id: str
    allocation_id: str
    association_id: str
    public_ip: str = ""

    def as_dict(self) -> dict[str, str]:
        return dict(self.__dict__)


@dataclass
class EipState:
    associations: list[Association] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"associations": [a.as_dict() for a in self.associations]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> EipState:
        rows = (data or {}).get("associations") or []
        return cls([Association(**{k: str(v) for k, v in row.items()}) for row in rows])


def find_lambda_enis(ec2: Any, subnet_ids: Sequence[str], security_group_ids: Sequence[str]) -> dict[str, str]:
    """Map each subnet to the Lambda ENI whose security-group set is exactly `security_group_ids`."""
    wanted = set(security_group_ids)
    found: dict[str, str] = {}
    paginator = ec2.get_paginator("describe_network_interfaces")
    for page in paginator.paginate(Filters=[{"Name": "subnet-id", "Values": list(subnet_ids)}]):
        for eni in page.get("NetworkInterfaces", []):
            groups = {g["GroupId"] for g in eni.get("Groups", [])}
            if is_lambda_eni(eni) and groups == wanted:
                found.setdefault(eni["SubnetId"], eni["NetworkInterfaceId"])
    return found


def wait_for_function_active(
    lambda_client: Any,
    function_name: str,
    timeout_seconds: float,
    poll_seconds: float,
    sleep: Callable[[float], None] = time.sleep,
) -> None:
    """Lambda creates Hyperplane ENIs while a VPC function is Pending; wait until it is Active."""
    deadline = time.monotonic() + timeout_seconds
    while True:
        config = lambda_client.get_function_configuration(FunctionName=function_name)
        state = config.get("State", "Active")
        if state == "Active":
            return
        if state == "Failed":
            raise HyperplaneEniError(
                f"function {function_name} is Failed ({config.get('StateReasonCode', '')}: "
                f"{config.get('StateReason', '')}); fix the function before associating Elastic IPs"
            )
        if time.monotonic() >= deadline:
            raise HyperplaneEniError(f"function {function_name} is still {state} after {timeout_seconds:.0f}s")
        sleep(poll_seconds)


def wait_for_enis(ec2: Any, spec: EipSpec, sleep: Callable[[float], None] = time.sleep) -> dict[str, str]:
    deadline = time.monotonic() + spec.timeout_seconds
    while True:
        enis = find_lambda_enis(ec2, spec.subnet_ids, spec.security_group_ids)
        missing = [s for s in spec.subnet_ids if s not in enis]
        if not missing:
            return enis
        if time.monotonic() >= deadline:
            raise HyperplaneEniError(
                f"no Lambda Hyperplane ENI appeared for function {spec.function_name} in subnet(s) "
                f"{', '.join(missing)} with security groups {', '.join(sorted(spec.security_group_ids))} within "
                f"{spec.timeout_seconds:.0f}s. Check that the function is attached to these subnets and groups "
                "(aws ec2 describe-network-interfaces --filters Name=description,Values='AWS Lambda VPC ENI*')"
            )
        sleep(spec.poll_seconds)


def _public_ip(ec2: Any, allocation_id: str) -> str:
    addresses = ec2.describe_addresses(AllocationIds=[allocation_id]).get("Addresses", [])
    return str(addresses[0].get("PublicIp", "")) if addresses else ""


def disassociate(ec2: Any, associations: Sequence[Association]) -> None:
    """Remove associations; ones that are already gone are fine (delete must be idempotent)."""
    for assoc in associations:
        try:
            ec2.disassociate_address(AssociationId=assoc.association_id)
        except Exception as exc:
            code = getattr(exc, "response", {}).get("Error", {}).get("Code", "")
            if code not in ("InvalidAssociationID.NotFound", "InvalidAddress.NotFound"):
                raise


def reconcile(
    ec2: Any,
    lambda_client: Any,
    spec: EipSpec,
    previous: EipState | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> EipState:
    """Make every Lambda ENI of the spec carry its subnet's EIP; move EIPs whose ENI changed.

    Keeps associations that are still right, associates the missing ones (AllowReassociation, so an EIP moves
    from an ENI Lambda replaced in one call, the shortest possible gap) and disassociates the stale ones.
    """
    wait_for_function_active(lambda_client, spec.function_name, spec.timeout_seconds, spec.poll_seconds, sleep)
    enis = wait_for_enis(ec2, spec, sleep)
    previous = previous or EipState()
    keep = {(a.subnet_id, a.network_interface_id, a.allocation_id): a for a in previous.associations}
    result: list[Association] = []
    for subnet_id, allocation_id in zip(spec.subnet_ids, spec.allocation_ids, strict=True):
        eni_id = enis[subnet_id]
        existing = keep.pop((subnet_id, eni_id, allocation_id), None)
        if existing is not None:
            result.append(existing)
            continue
        response = ec2.associate_address(AllocationId=allocation_id, NetworkInterfaceId=eni_id, AllowReassociation=True)
        result.append(
            Association(subnet_id, eni_id, allocation_id, response["AssociationId"], _public_ip(ec2, allocation_id))
        )
    moved = {a.allocation_id for a in result}
    # An EIP re-associated above is already detached from its old ENI; disassociate only the truly stale ones.
    disassociate(ec2, [a for a in keep.values() if a.allocation_id not in moved])
    return EipState(result)


def release(ec2: Any, state: EipState) -> None:
    """Undo `reconcile`: disassociate every EIP it attached (the EIPs themselves are Pulumi resources)."""
    disassociate(ec2, state.associations)
