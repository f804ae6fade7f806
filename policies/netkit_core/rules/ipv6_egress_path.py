"""`ipv6-egress-path`: a function with `ipv6_allowed_for_dual_stack` in dual-stack subnets reaches the internet over
IPv6: each such subnet routes `::/0` to an egress-only internet gateway (an IPv6-only subnet may instead have a
NAT64 path: DNS64 on and `64:ff9b::/96` to a NAT gateway; in a dual-stack subnet DNS64 does not help IPv6
destinations, so `::/0` is still needed); and every Lambda subnet with DNS64 on routes `64:ff9b::/96` to a NAT gateway,
else DNS64 hands out synthesized addresses nothing routes and connections hang. Defaults (pulumi-aws 7 SDK docs,
lambda_/function.py and ec2/subnet.py): `ipv6_allowed_for_dual_stack` false, `enable_dns64` false. Mandatory."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netkit_core.egress import lambda_subnets
from netkit_core.graph import IPV6_ANY, NAT64_PREFIX, Graph, Res, Undecidable, is_unknown
from netkit_core.rule import Outcome, Rule, exempt_from_egress


def dual_stack_allowed(fn: Res) -> bool:
    """vpc_config.ipv6_allowed_for_dual_stack, false when omitted (also when only the Analyze inputs lack it)."""
    value = fn.get("vpcConfig", {}).get("ipv6AllowedForDualStack") if isinstance(fn.get("vpcConfig"), dict) else None
    if is_unknown(value):
        given = fn.inputs.get("vpcConfig") if fn.inputs is not None else UNSEEN
        if given is UNSEEN:
            raise Undecidable(f"{fn.name}: ipv6_allowed_for_dual_stack is unknown", fn)
        value = given.get("ipv6AllowedForDualStack") if isinstance(given, dict) else None
        if is_unknown(value):
            raise Undecidable(f"{fn.name}: ipv6_allowed_for_dual_stack comes from another resource", fn)
    return value is True


UNSEEN: Any = object()


def _dual_stack(subnet: Res) -> bool:
    return subnet.is_set("ipv6CidrBlock") or subnet.setting("ipv6Native", False, "ipv6_native") is True


def _nat64(graph: Graph, subnet: Res) -> bool:
    return any(t.kind == "nat" for t in graph.routes_to(graph.subnet_route_table(subnet), NAT64_PREFIX))


def ipv6_egress_path(graph: Graph, config: Mapping[str, Any]) -> Outcome:
    out = Outcome()
    dns64_checked: set[str] = set()
    # Exempt functions included: the DNS64 check is about the subnet; only the ::/0 check skips them.
    for fn, subnet in lambda_subnets(graph, out, with_exempt=True):

        def check(fn: Res = fn, subnet: Res = subnet) -> None:
            dns64 = subnet.setting("enableDns64", False, "enable_dns64") is True
            if dns64 and subnet.urn not in dns64_checked:
                dns64_checked.add(subnet.urn)
                if not _nat64(graph, subnet):
                    out.fail(
                        subnet,
                        f"Lambda subnet {subnet.name} has DNS64 on but its route table "
                        f"{graph.subnet_route_table(subnet).name} sends 64:ff9b::/96 to no NAT gateway: "
                        "IPv4-only destinations resolve to addresses nothing routes and connections hang",
                    )
            if exempt_from_egress(fn) or not dual_stack_allowed(fn) or not _dual_stack(subnet):
                return
            targets = graph.routes_to(graph.subnet_route_table(subnet), IPV6_ANY)
            if any(t.kind == "eigw" for t in targets):
                return
            native = subnet.setting("ipv6Native", False, "ipv6_native") is True
            if native and not targets and dns64 and _nat64(graph, subnet):
                return  # an IPv6-only subnet that reaches IPv4 destinations through DNS64 + NAT64
            if any(t.kind == "igw" for t in targets):
                why = "routes ::/0 to an internet gateway, which also lets the internet in"
            else:
                why = "has no ::/0 route to an egress-only internet gateway"
            out.fail(
                fn,
                f"function {fn.name} is allowed IPv6 (ipv6_allowed_for_dual_stack) but dual-stack subnet "
                f"{subnet.name} {why}: add an egress-only internet gateway route for ::/0",
            )

        out.attempt(check, fn)
    return out


RULE = Rule(
    name="ipv6-egress-path",
    description=(
        "A dual-stack function's subnets route ::/0 to an egress-only IGW (or NAT64); DNS64 subnets route "
        "64:ff9b::/96 to a NAT gateway."
    ),
    enforcement="mandatory",
    severity="high",
    remediation="Use LambdaNetwork ipv6_egress (egress-only IGW routes; DNS64 with the 64:ff9b::/96 route to the NAT).",
    config_schema={},
    stack_check=ipv6_egress_path,
)
