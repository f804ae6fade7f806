"""Subnet capacity (Hyperplane ENIs) and CIDR planning for Lambda VPCs.

Pure functions, no Pulumi import: the components use them to size subnets and the policy pack uses the very
same model to judge a plan, so the number a user sees in a violation is the number the component planned with.

The model (DESIGN.md section 4, from the seeds): Lambda creates one Hyperplane ENI per unique (subnet,
security-group set) combination, shared by every function with that combination; one ENI carries up to 65,000
connections and takes one IP of its subnet. AWS reserves 5 addresses per subnet. Interface endpoints take one IP
per subnet and NAT gateways one in their own subnet. Changing a function's subnets or security groups creates the
new ENIs before the old ones go, hence a churn factor.
"""

from __future__ import annotations

import ipaddress
import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

CONNECTIONS_PER_ENI = 65_000
AWS_RESERVED_PER_SUBNET = 5
DEFAULT_ACCOUNT_CONCURRENCY = 1_000
DEFAULT_CONNECTIONS_PER_INVOCATION = 1
DEFAULT_CHURN_FACTOR = 2.0
SMALLEST_SUBNET_PREFIX = 28  # AWS refuses subnets smaller than /28
LARGEST_VPC_PREFIX = 16  # AWS refuses VPC CIDR blocks larger than /16
# Seed 003: "AWS reserves approximately 64 IP addresses per VPC-enabled subnet" and "plan for growth": by default a
# Lambda subnet is never planned smaller than /24, however small the model's figure is.
DEFAULT_LAMBDA_SUBNET_MAX_PREFIX = 24


class PlanError(ValueError):
    """A network plan that cannot work; the message says what to change."""


@dataclass(frozen=True)
class EniCombination:
    """One (subnet, security-group set) combination used by one or more functions.

    `concurrency` is the peak concurrency of all functions sharing the combination: their reserved concurrency
    summed, or None when any of them has no reserved concurrency (then the account limit applies).
    """

    concurrency: int | None = None
    connections_per_invocation: int = DEFAULT_CONNECTIONS_PER_INVOCATION
    label: str = ""


def usable_ips(prefix_length: int) -> int:
    """Addresses a subnet of this prefix length offers to ENIs (AWS keeps 5)."""
    if not 0 <= prefix_length <= 32:
        raise PlanError(f"prefix length /{prefix_length} is not between /0 and /32")
    return max(0, 2 ** (32 - prefix_length) - AWS_RESERVED_PER_SUBNET)


def enis_for_combination(combination: EniCombination, account_concurrency: int = DEFAULT_ACCOUNT_CONCURRENCY) -> int:
    """Hyperplane ENIs one combination needs: ceil(peak connections / 65,000), at least one."""
    concurrency = combination.concurrency if combination.concurrency is not None else account_concurrency
    if concurrency < 0 or combination.connections_per_invocation < 0:
        raise PlanError("concurrency and connections per invocation must not be negative")
    peak_connections = concurrency * combination.connections_per_invocation
    return max(1, math.ceil(peak_connections / CONNECTIONS_PER_ENI))


@dataclass(frozen=True)
class SubnetDemand:
    """What one subnet must hold, and why (each part shows up in messages)."""

    lambda_enis: int
    other_enis: int
    churn_factor: float
    required: int

    def explain(self) -> str:
        return (
            f"{self.lambda_enis} Lambda Hyperplane ENI(s) + {self.other_enis} other ENI(s), "
            f"x{self.churn_factor:g} churn headroom = {self.required} IPs"
        )


def required_ips(
    combinations: Iterable[EniCombination],
    other_enis: int = 0,
    churn_factor: float = DEFAULT_CHURN_FACTOR,
    account_concurrency: int = DEFAULT_ACCOUNT_CONCURRENCY,
) -> SubnetDemand:
    """IPs a subnet needs: (sum of ENIs per combination + other ENIs) x churn factor, rounded up."""
    if churn_factor < 1:
        raise PlanError(f"churn factor {churn_factor} is below 1; use at least 1 (2 lets every ENI be replaced)")
    if other_enis < 0:
        raise PlanError("other ENIs must not be negative")
    lambda_enis = sum(enis_for_combination(c, account_concurrency) for c in combinations)
    required = math.ceil((lambda_enis + other_enis) * churn_factor)
    return SubnetDemand(lambda_enis, other_enis, churn_factor, required)


def smallest_prefix_for(required: int) -> int:
    """The longest prefix (smallest subnet) whose usable IPs cover `required`; at most /28."""
    for prefix in range(SMALLEST_SUBNET_PREFIX, LARGEST_VPC_PREFIX - 1, -1):
        if usable_ips(prefix) >= required:
            return prefix
    raise PlanError(
        f"{required} IPs do not fit in one subnet of /{LARGEST_VPC_PREFIX} or smaller; "
        "spread functions over more subnets or lower their concurrency"
    )


@dataclass(frozen=True)
class CapacityPlan:
    """Inputs of the Lambda-subnet sizing, as the network component takes them."""

    security_group_combinations: int = 1
    concurrency_per_combination: int | None = None
    connections_per_invocation: int = DEFAULT_CONNECTIONS_PER_INVOCATION
    interface_endpoints: int = 0
    churn_factor: float = DEFAULT_CHURN_FACTOR
    account_concurrency: int = DEFAULT_ACCOUNT_CONCURRENCY
    max_prefix_length: int = DEFAULT_LAMBDA_SUBNET_MAX_PREFIX

    def demand(self) -> SubnetDemand:
        if self.security_group_combinations < 1:
            raise PlanError("security_group_combinations must be at least 1 (each Lambda security-group set is one)")
        combos = [
            EniCombination(self.concurrency_per_combination, self.connections_per_invocation)
        ] * self.security_group_combinations
        return required_ips(combos, self.interface_endpoints, self.churn_factor, self.account_concurrency)

    def prefix_length(self) -> int:
        """The Lambda subnet prefix: what the model needs, never smaller than `max_prefix_length` allows."""
        if not LARGEST_VPC_PREFIX <= self.max_prefix_length <= SMALLEST_SUBNET_PREFIX:
            raise PlanError(
                f"max_prefix_length /{self.max_prefix_length} must be between /{LARGEST_VPC_PREFIX} "
                f"and /{SMALLEST_SUBNET_PREFIX}"
            )
        return min(smallest_prefix_for(self.demand().required), self.max_prefix_length)


@dataclass(frozen=True)
class PlannedSubnet:
    tier: str
    az_index: int
    cidr: str


def parse_cidr(cidr: str, what: str = "CIDR") -> ipaddress.IPv4Network:
    """Parse an IPv4 CIDR strictly (host bits must be zero) with an error that says what is wrong."""
    try:
        return ipaddress.IPv4Network(cidr, strict=True)
    except ValueError as exc:
        raise PlanError(f"{what} {cidr!r} is not a valid IPv4 network CIDR ({exc})") from None


def validate_vpc_cidr(cidr: str) -> ipaddress.IPv4Network:
    network = parse_cidr(cidr, "VPC CIDR")
    if not LARGEST_VPC_PREFIX <= network.prefixlen <= SMALLEST_SUBNET_PREFIX:
        raise PlanError(
            f"VPC CIDR {cidr} has prefix /{network.prefixlen}; AWS allows /{LARGEST_VPC_PREFIX} to "
            f"/{SMALLEST_SUBNET_PREFIX}"
        )
    return network


def _needed_prefix(requests: Sequence[int]) -> int:
    total = sum(2 ** (32 - p) for p in requests)
    return 32 - math.ceil(math.log2(total))


def plan_subnets(vpc_cidr: str, tiers: Sequence[tuple[str, int]], az_count: int) -> list[PlannedSubnet]:
    """Carve one subnet per AZ for each (tier, prefix length) out of the VPC CIDR, largest first.

    Subnets are aligned and never overlap; a VPC too small for the plan is refused with the size it would need.
    """
    vpc = validate_vpc_cidr(vpc_cidr)
    if az_count < 1:
        raise PlanError(f"az_count is {az_count}; use at least 1 (2 or more for high availability)")
    requests: list[tuple[int, str, int]] = []
    for tier, prefix in tiers:
        if not vpc.prefixlen <= prefix <= SMALLEST_SUBNET_PREFIX:
            raise PlanError(
                f"{tier} subnets of /{prefix} do not fit VPC {vpc_cidr}: use a prefix between "
                f"/{vpc.prefixlen} and /{SMALLEST_SUBNET_PREFIX}"
            )
        requests.extend((prefix, tier, az) for az in range(az_count))
    needed = _needed_prefix([p for p, _, _ in requests])
    if needed < vpc.prefixlen:
        summary = ", ".join(f"{az_count} {tier} subnet(s) of /{prefix}" for tier, prefix in tiers)
        raise PlanError(
            f"VPC CIDR {vpc_cidr} is too small for {summary}: it needs at least /{needed}. "
            "Use a larger vpc_cidr, fewer AZs or smaller subnets."
        )
    # Largest first keeps every block aligned on its own size, so a simple cursor never overlaps.
    requests.sort(key=lambda r: (r[0], r[1], r[2]))
    cursor = int(vpc.network_address)
    planned: list[PlannedSubnet] = []
    for prefix, tier, az in requests:
        size = 2 ** (32 - prefix)
        cursor = math.ceil(cursor / size) * size
        planned.append(PlannedSubnet(tier, az, str(ipaddress.IPv4Network((cursor, prefix)))))
        cursor += size
    planned.sort(key=lambda s: ([t for t, _ in tiers].index(s.tier), s.az_index))
    return planned


def validate_subnet_cidrs(vpc_cidr: str, cidrs: Sequence[str], what: str = "subnet") -> list[ipaddress.IPv4Network]:
    """Check user-given subnets: valid, inside the VPC, no two overlapping."""
    vpc = validate_vpc_cidr(vpc_cidr)
    networks = [parse_cidr(c, f"{what} CIDR") for c in cidrs]
    for net in networks:
        if not net.subnet_of(vpc):
            raise PlanError(f"{what} CIDR {net} is not inside VPC CIDR {vpc_cidr}")
        if net.prefixlen > SMALLEST_SUBNET_PREFIX:
            raise PlanError(f"{what} CIDR {net} is smaller than /{SMALLEST_SUBNET_PREFIX}, the smallest AWS allows")
    for i, a in enumerate(networks):
        for b in networks[i + 1 :]:
            if a.overlaps(b):
                raise PlanError(f"{what} CIDRs {a} and {b} overlap; give each subnet its own range")
    return networks
