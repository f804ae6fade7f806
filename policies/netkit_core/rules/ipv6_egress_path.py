"""`ipv6-egress-path`: a function with `ipv6_allowed_for_dual_stack` reaches the internet over IPv6: every subnet of
it is dual-stack and routes `::/0` to an egress-only internet gateway (DNS64 in a dual-stack subnet does not help
IPv6 destinations, so `::/0` is still needed); no Lambda subnet is IPv6-only; and every Lambda subnet with DNS64 on
routes `64:ff9b::/96` to a NAT gateway, else DNS64 hands out synthesized addresses nothing routes and connections
hang. Defaults (pulumi-aws 7 SDK docs, lambda_/function.py and ec2/subnet.py): `ipv6_allowed_for_dual_stack`
false, `enable_dns64` false, `ipv6_native` false. Mandatory.

What AWS documents (AWS Lambda developer guide, "Giving Lambda functions access to resources in an Amazon VPC",
section "IPv6 support"): "To allow outbound IPv6 traffic in a VPC, all of the subnets that are connected to the
function must be dual-stack subnets. Lambda doesn't support outbound IPv6 connections for IPv6-only subnets in a
VPC". So an IPv6-only subnet (`ipv6_native=True`) is never a Lambda subnet, DNS64 + NAT64 or not."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netkit_core import hidden
from netkit_core.egress import lambda_subnets
from netkit_core.graph import IPV6_ANY, NAT64_PREFIX, Graph, Res, Undecidable, is_unknown
from netkit_core.hints import names, netkit_hint
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
IPV6_ONLY_FACT = (
    "Lambda doesn't support outbound IPv6 connections for IPv6-only subnets (AWS Lambda guide, IPv6 support)"
)
DUAL_STACK_FACT = (
    "AWS requires every subnet of a function allowed IPv6 to be dual-stack (AWS Lambda guide, IPv6 support)"
)


def _dual_stack(subnet: Res) -> bool:
    return subnet.is_set("ipv6CidrBlock") or subnet.setting("ipv6Native", False, "ipv6_native") is True


def _nat64(graph: Graph, subnet: Res) -> bool:
    return any(t.kind == "nat" for t in graph.routes_to(graph.subnet_route_table(subnet), NAT64_PREFIX))


def ipv6_egress_path(graph: Graph, config: Mapping[str, Any]) -> Outcome:
    out = Outcome()
    dns64_checked: set[str] = set()
    causes: dict[tuple[str, str], tuple[Res, list[str]]] = {}  # (function URN, cause) -> (function, subnets)
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
                        "IPv4-only destinations resolve to addresses nothing routes and connections hang. Add an "
                        "aws.ec2.Route (destination_ipv6_cidr_block 64:ff9b::/96, nat_gateway_id), or turn "
                        "enable_dns64 off",
                    )
            cause = _cause(graph, fn, subnet)
            if cause:
                causes.setdefault((fn.urn, cause), (fn, []))[1].append(subnet.name)

        out.attempt(check, fn)
    for (_urn, cause), (fn, subnets) in causes.items():
        # Sorted, as in lambda-vpc-egress-path: the engine's property dependencies come in no particular order.
        out.fail(fn, f"function {fn.name}: its subnet(s) {names(sorted(subnets))} {cause}")
    return out


def _cause(graph: Graph, fn: Res, subnet: Res) -> str | None:
    """Why the function's IPv6 use of this subnet fails, without the subnet's name (one finding per function and
    cause lists them), or None."""
    if subnet.setting("ipv6Native", False, "ipv6_native") is True:
        return (
            f"are IPv6-only, and {IPV6_ONLY_FACT}: give the function dual-stack subnets (aws.ec2.Subnet with both "
            "cidr_block and ipv6_cidr_block)"
        )
    if exempt_from_egress(fn) or not dual_stack_allowed(fn):
        return None
    if not _dual_stack(subnet):
        return (
            "are not dual-stack, but the function sets ipv6_allowed_for_dual_stack, and "
            f"{DUAL_STACK_FACT}: give them an ipv6_cidr_block"
        )
    targets = graph.routes_to(graph.subnet_route_table(subnet), IPV6_ANY)
    if any(t.kind == "eigw" for t in targets):
        return None
    if any(t.kind == "igw" for t in targets):
        why = "route ::/0 to an internet gateway, which also lets the internet in"
    else:
        why = "have no ::/0 route to an egress-only internet gateway"
    return (
        f"are dual-stack and the function is allowed IPv6 (ipv6_allowed_for_dual_stack), but they {why}: add an "
        "aws.ec2.Route (destination_ipv6_cidr_block ::/0, egress_only_gateway_id of an "
        "aws.ec2.EgressOnlyInternetGateway) to their route tables"
        + netkit_hint(graph, "LambdaNetwork ipv6=True with netkit:ipv6Egress")
    )


RULE = Rule(
    name="ipv6-egress-path",
    description=(
        "A function allowed IPv6 is in dual-stack subnets (never IPv6-only) that route ::/0 to an egress-only "
        "IGW; DNS64 subnets route 64:ff9b::/96 to a NAT gateway."
    ),
    enforcement="mandatory",
    severity="high",
    remediation=(
        "Dual-stack Lambda subnets (cidr_block and ipv6_cidr_block) whose route tables send ::/0 to an "
        "aws.ec2.EgressOnlyInternetGateway; with enable_dns64, a 64:ff9b::/96 route to a NAT gateway."
    ),
    config_schema={},
    stack_check=ipv6_egress_path,
    judges=(hidden.FUNCTION,),
)
