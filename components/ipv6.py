"""IPv6 addressing for dual-stack Lambda subnets (pure: no Pulumi import, so it is tested directly).

AWS gives a VPC an Amazon-provided /56 (`assign_generated_ipv6_cidr_block`); every subnet takes a /64 of it, the
only size a dual-stack subnet's IPv6 block may have. The /64s are numbered as Terraform's
`cidrsubnet(vpc_block, 8, index)` numbers them, so subnet `index` always gets the same block.
"""

from __future__ import annotations

import ipaddress

from netkit_core.capacity import PlanError

SUBNET_PREFIX = 64
DNS64_PREFIX = "64:ff9b::/96"  # RFC 6052 well-known prefix that DNS64 answers synthesise and NAT64 translates
IPV6_ANY = "::/0"


def ipv6_subnet_cidr(vpc_block: str, index: int) -> str:
    """The `index`-th /64 of the VPC's IPv6 block."""
    try:
        network = ipaddress.IPv6Network(vpc_block)
    except ValueError:
        raise PlanError(f"{vpc_block!r} is not an IPv6 CIDR block") from None
    if network.prefixlen > SUBNET_PREFIX:
        raise PlanError(f"IPv6 block {network} is smaller than the /64 a dual-stack subnet needs")
    count = 2 ** (SUBNET_PREFIX - network.prefixlen)
    if not 0 <= index < count:
        raise PlanError(f"IPv6 block {network} has {count} /64 subnet(s); subnet index {index} does not fit")
    first = int(network.network_address) + (index << (128 - SUBNET_PREFIX))
    return str(ipaddress.IPv6Network((first, SUBNET_PREFIX)))
