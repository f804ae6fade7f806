"""Egress strategies and which options each can carry (pure: no Pulumi import, shared by settings and components).

An explicit strategy enum, as awsx's `NatGatewayStrategy`, instead of a soup of flags; `validate_egress_options`
refuses the combinations that cannot work before anything is built.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence

from netkit_core.capacity import PlanError


class EgressStrategy(enum.StrEnum):
    """How VPC Lambdas reach the internet with a static IP."""

    NAT_PER_AZ = "nat-per-az"
    NAT_SINGLE = "nat-single"
    NAT_REGIONAL = "nat-regional"
    HYPERPLANE_EIP = "hyperplane-eip"
    NONE = "none"

    @classmethod
    def parse(cls, value: str) -> EgressStrategy:
        try:
            return cls(value)
        except ValueError:
            choices = ", ".join(s.value for s in cls)
            raise PlanError(f"unknown egress strategy {value!r}; choose one of: {choices}") from None

    @property
    def uses_nat(self) -> bool:
        return self in (EgressStrategy.NAT_PER_AZ, EgressStrategy.NAT_SINGLE, EgressStrategy.NAT_REGIONAL)


def nat_count(strategy: EgressStrategy, az_count: int) -> int:
    """NAT gateways a strategy creates (pure: used by validation, cost estimates and tests)."""
    if strategy is EgressStrategy.NAT_PER_AZ:
        return az_count
    if strategy in (EgressStrategy.NAT_SINGLE, EgressStrategy.NAT_REGIONAL):
        return 1
    return 0


def nat_for_az(strategy: EgressStrategy, az_index: int) -> int:
    """Index of the NAT gateway the Lambda route table of AZ `az_index` points at."""
    return az_index if strategy is EgressStrategy.NAT_PER_AZ else 0


def eip_count(strategy: EgressStrategy, az_count: int) -> int:
    """Elastic IPs a NAT strategy allocates (or takes as bring-your-own): what a vendor allow-list holds.
    A regional NAT in manual mode takes one per AZ it serves."""
    if strategy is EgressStrategy.NAT_REGIONAL:
        return az_count
    return nat_count(strategy, az_count)


def needs_public_subnets(strategy: EgressStrategy, static_ingress: bool) -> bool:
    """Zonal NAT gateways sit in public subnets, an internet-facing ALB too; nothing else needs them."""
    return strategy in (EgressStrategy.NAT_PER_AZ, EgressStrategy.NAT_SINGLE) or static_ingress


def needs_internet_gateway(strategy: EgressStrategy, static_ingress: bool) -> bool:
    """Every IPv4 egress pattern (a regional NAT included) and public ingress go through the internet gateway."""
    return strategy is not EgressStrategy.NONE or static_ingress


def validate_egress_options(
    strategy: EgressStrategy,
    az_count: int,
    ipv6: bool = False,
    dns64: bool = False,
    allocation_ids: Sequence[str] = (),
) -> None:
    """Refuse what cannot work, naming why."""
    if ipv6 and strategy is EgressStrategy.NONE:
        raise PlanError(
            "ipv6Egress with egress strategy none: 'none' means the functions have no internet access, IPv6 egress "
            "would give them some. Pick an egress strategy, or drop ipv6Egress"
        )
    if dns64 and not ipv6:
        raise PlanError("dns64 needs ipv6Egress: DNS64 answers are IPv6 addresses, usable only from dual-stack subnets")
    if dns64 and not strategy.uses_nat:
        raise PlanError(
            f"dns64 with egress strategy {strategy.value}: DNS64 answers for IPv4-only names (64:ff9b::/96) must "
            "reach a NAT gateway that translates them, and this strategy has none, so those connections would hang. "
            "Use a nat-* strategy or turn dns64 off"
        )
    if allocation_ids:
        if not strategy.uses_nat:
            raise PlanError(f"natAllocationIds given, but egress strategy {strategy.value} has no NAT gateway")
        expected = eip_count(strategy, az_count)
        if len(allocation_ids) != expected:
            raise PlanError(
                f"{len(allocation_ids)} Elastic IP allocation id(s) given for {strategy.value} with {az_count} AZ(s): "
                f"give exactly {expected}, or a vendor allow-list would miss an egress IP at random"
            )
