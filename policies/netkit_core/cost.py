"""Monthly fixed-cost model of the networking patterns (us-east-1 list prices quoted by the seeds).

Pure functions, no Pulumi import. Only fixed (hourly) costs are modelled: per-GB charges depend on traffic the
program cannot know, so reports name them without pricing them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

HOURS_PER_MONTH = 730


@dataclass(frozen=True)
class Prices:
    """Hourly list prices in USD; override for other regions or newer price lists."""

    nat_gateway_hour: float = 0.045  # ~$33/month "even if you don't use it" (seed 001)
    nat_gateway_gb: float = 0.045
    public_ipv4_hour: float = 0.005  # charged since 2024-02-01, ~$3.6/month (seed 001)
    interface_endpoint_az_hour: float = 0.01  # ~$7/month per endpoint per AZ (seed 003)
    global_accelerator_hour: float = 0.025  # plus a data-transfer premium (seed 001)
    managed_proxy_month: float = 259.0  # QuotaGuard enterprise plan (seed 001)


@dataclass(frozen=True)
class CostLine:
    item: str
    count: int
    monthly_each: float

    @property
    def monthly(self) -> float:
        return round(self.count * self.monthly_each, 2)


@dataclass(frozen=True)
class CostEstimate:
    lines: list[CostLine] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)

    @property
    def monthly_total(self) -> float:
        return round(sum(line.monthly for line in self.lines), 2)


def monthly(hourly: float) -> float:
    return round(hourly * HOURS_PER_MONTH, 2)


def estimate_monthly_cost(
    nat_gateways: int = 0,
    public_ipv4: int = 0,
    interface_endpoint_azs: int = 0,
    accelerators: int = 0,
    environment: str = "",
    prices: Prices | None = None,
) -> CostEstimate:
    """Fixed monthly cost of a stack's networking, with the cheaper pattern named where one fits.

    `public_ipv4` counts every public IPv4 address (EIPs on NAT gateways or Hyperplane ENIs, accelerator IPs are
    included in its hourly fee and are not counted here). `interface_endpoint_azs` is the sum over interface
    endpoints of the AZs each spans.
    """
    p = prices or Prices()
    lines = [
        CostLine("NAT gateway", nat_gateways, monthly(p.nat_gateway_hour)),
        CostLine("public IPv4 address", public_ipv4, monthly(p.public_ipv4_hour)),
        CostLine("interface endpoint x AZ", interface_endpoint_azs, monthly(p.interface_endpoint_az_hour)),
        CostLine("Global Accelerator", accelerators, monthly(p.global_accelerator_hour)),
    ]
    lines = [line for line in lines if line.count]
    suggestions: list[str] = []
    nat_only = nat_gateways * monthly(p.nat_gateway_hour)
    if nat_gateways > 1 and environment not in ("prod", "production"):
        suggestions.append(
            f"{nat_gateways} NAT gateways outside prod: egress strategy nat-single keeps one static IP for "
            f"${monthly(p.nat_gateway_hour) + monthly(p.public_ipv4_hour):.2f}/month instead of "
            f"${nat_only + nat_gateways * monthly(p.public_ipv4_hour):.2f}"
        )
    if nat_gateways and environment == "dev":
        suggestions.append(
            "dev: the hyperplane-eip strategy (an EIP on each Lambda Hyperplane ENI) avoids the "
            f"${monthly(p.nat_gateway_hour):.2f}/month NAT fee; it relies on a Lambda implementation detail, so "
            "keep it out of production"
        )
    if nat_gateways or interface_endpoint_azs:
        suggestions.append(
            "gateway endpoints for S3 and DynamoDB are free and keep that traffic off the NAT's "
            f"${p.nat_gateway_gb}/GB processing fee"
        )
    if interface_endpoint_azs:
        suggestions.append(
            "an interface endpoint pays off when its service's traffic would otherwise cost more than "
            f"${monthly(p.interface_endpoint_az_hour):.2f}/month per AZ in NAT processing"
        )
    return CostEstimate(lines, suggestions)
