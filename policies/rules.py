"""The eleven networking rules as pure functions over a `Graph`. No Pulumi or pulumi-policy import.

Each rule returns an `Outcome`: violations (urn, message) it is sure of, and reasons for what it could not decide
(a first preview may hide values the program never makes knowable). Decisions are per resource, so an unknown in
one function never silences the rule for the others.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from components.capacity import (
    DEFAULT_ACCOUNT_CONCURRENCY,
    DEFAULT_CHURN_FACTOR,
    DEFAULT_CONNECTIONS_PER_INVOCATION,
    EniCombination,
    SubnetDemand,
    required_ips,
    usable_ips,
)
from components.secret_detection import scan_environment
from policies.graph import (
    EGRESS_TAG,
    EIP,
    ENDPOINT,
    ENDPOINT_RT_ASSOCIATION,
    FLOW_LOG,
    NAT,
    PATTERN_TAG,
    ROUTE_TABLE,
    SECURITY_GROUP,
    SG_INGRESS_RULE,
    SG_RULE,
    SUBNET,
    VPC,
    Graph,
    Res,
    Undecidable,
    is_unknown,
    is_world,
)


@dataclass
class Outcome:
    violations: list[tuple[str, str]] = field(default_factory=list)
    undecided: list[str] = field(default_factory=list)

    def fail(self, res: Res, message: str) -> None:
        self.violations.append((res.urn, message))

    def attempt(self, fn: Callable[[], None]) -> None:
        try:
            fn()
        except Undecidable as exc:
            self.undecided.append(str(exc))


def _exempt(fn: Res) -> bool:
    return str(fn.tags().get(EGRESS_TAG, "")).lower() == "none"


# --- lambda-vpc-egress-path ---------------------------------------------------------------------------------
def _nat_reaches_internet(graph: Graph, nat: Res) -> str | None:
    """None when the NAT gateway works; else why not."""
    if nat.get("connectivityType") == "private":
        return f"NAT gateway {nat.name} is private (connectivity_type=private) and cannot reach the internet"
    subnet = graph.ref_one(nat, "subnetId", SUBNET, what="subnet")
    table = graph.subnet_route_table(subnet)
    kinds = [kind for kind, _ in graph.default_route_targets(table)]
    if "igw" not in kinds:
        return (
            f"NAT gateway {nat.name} sits in subnet {subnet.name}, whose route table {table.name} has no "
            "0.0.0.0/0 route to an internet gateway"
        )
    return None


def lambda_vpc_egress_path(graph: Graph, config: Mapping[str, Any]) -> Outcome:
    out = Outcome()
    allow_tgw = bool(config.get("allowTransitGateway", True))
    for fn in graph.vpc_functions():
        if _exempt(fn):
            continue

        def check(fn: Res = fn) -> None:
            for subnet in graph.function_subnets(fn):
                table = graph.subnet_route_table(subnet)
                targets = graph.default_route_targets(table)
                if not targets:
                    out.fail(
                        fn,
                        f"subnet {subnet.name} (route table {table.name}) has no 0.0.0.0/0 route: the "
                        "function cannot reach the internet. Add NatEgress (nat-single or nat-per-az), or "
                        f"tag the function {EGRESS_TAG}=none if it needs no internet",
                    )
                    continue
                for kind, target in targets:
                    if kind == "nat" and isinstance(target, Res):
                        problem = _nat_reaches_internet(graph, target)
                        if problem:
                            out.fail(fn, f"subnet {subnet.name}: {problem}; put the NAT in a public subnet")
                    elif kind == "igw" and not graph.hyperplane_covers(fn, subnet):
                        out.fail(
                            fn,
                            f"subnet {subnet.name} routes 0.0.0.0/0 straight to an internet gateway, but a "
                            "Lambda ENI has no public IP, so egress silently fails. Route through a NAT "
                            "gateway (NatEgress), or in dev use HyperplaneEipEgress.associate()",
                        )
                    elif kind == "tgw" and not allow_tgw:
                        out.fail(
                            fn,
                            f"subnet {subnet.name} egresses through a transit gateway, which this "
                            "environment does not allow",
                        )
                    elif kind == "other":
                        out.fail(
                            fn,
                            f"subnet {subnet.name} routes 0.0.0.0/0 to {target}, not a NAT gateway: the "
                            "policy cannot verify it reaches the internet",
                        )

        out.attempt(check)
    return out


# --- vpc-gateway-endpoints ----------------------------------------------------------------------------------
def _endpoint_tables(graph: Graph, endpoint: Res) -> list[Res]:
    tables = graph.refs(endpoint, "routeTableIds", endpoint.get("routeTableIds"), ROUTE_TABLE)
    for assoc in graph.of_type(ENDPOINT_RT_ASSOCIATION):
        if endpoint in graph.refs(assoc, "vpcEndpointId", assoc.get("vpcEndpointId"), ENDPOINT):
            tables.extend(graph.refs(assoc, "routeTableId", assoc.get("routeTableId"), ROUTE_TABLE))
    return tables


def _service(endpoint: Res) -> str:
    name = endpoint.get("serviceName")
    if not isinstance(name, str) or is_unknown(name):
        raise Undecidable(f"{endpoint.name}: its service name is unknown")
    return name.rsplit(".", 1)[-1]


def vpc_gateway_endpoints(graph: Graph, config: Mapping[str, Any]) -> Outcome:
    out = Outcome()
    services = list(config.get("services", ["s3", "dynamodb"]))

    def check() -> None:
        for vpc, subnets, _functions in graph.vpcs_hosting_lambdas().values():
            endpoints = [
                e
                for e in graph.of_type(ENDPOINT)
                if graph.in_vpc(e, vpc) and e.get("vpcEndpointType", "Gateway") in ("Gateway", None)
            ]
            tables = {}
            for subnet in subnets:
                try:
                    tables[subnet.name] = graph.subnet_route_table(subnet)
                except Undecidable as exc:
                    out.undecided.append(str(exc))
            for service in services:
                matching = []
                for e in endpoints:
                    try:
                        if _service(e) == service:
                            matching.append(e)
                    except Undecidable as exc:
                        out.undecided.append(str(exc))
                if not matching:
                    out.fail(
                        vpc,
                        f"VPC {vpc.name} hosts Lambdas but has no {service} gateway endpoint: {service} "
                        "traffic pays the NAT's per-GB fee (or fails without egress). Gateway endpoints "
                        "are free: VpcEndpoints adds them to every Lambda route table",
                    )
                    continue
                attached = {t.urn for e in matching for t in _endpoint_tables(graph, e)}
                for subnet_name, table in tables.items():
                    if table.urn not in attached:
                        out.fail(
                            vpc,
                            f"the {service} gateway endpoint is not attached to route table {table.name} "
                            f"of Lambda subnet {subnet_name}; add it to route_table_ids",
                        )

    out.attempt(check)
    return out


# --- lambda-env-no-secrets (resource rule) -----------------------------------------------------------------
def lambda_env_secrets(props: Mapping[str, Any], config: Mapping[str, Any]) -> list[str]:
    env = props.get("environment")
    variables = env.get("variables") if isinstance(env, dict) else None
    if not isinstance(variables, dict):
        return []
    known = {k: v for k, v in variables.items() if isinstance(v, str) and not is_unknown(v)}
    return [f.message() for f in scan_environment(known, config.get("allowPatterns", []))]


# --- lambda-subnet-capacity --------------------------------------------------------------------------------
@dataclass(frozen=True)
class SubnetDemandRow:
    subnet: Res
    cidr: str
    usable: int
    demand: SubnetDemand
    combinations: int


def subnet_demands(graph: Graph, config: Mapping[str, Any]) -> tuple[list[SubnetDemandRow], list[str]]:
    """Usable vs required IPs per Lambda subnet (DESIGN.md section 4), and what could not be decided.

    Shared by the policy and the check report's capacity table, so both show the same numbers."""
    per_invocation = int(config.get("connectionsPerInvocation", DEFAULT_CONNECTIONS_PER_INVOCATION))
    churn = float(config.get("churnFactor", DEFAULT_CHURN_FACTOR))
    account = int(config.get("accountConcurrency", DEFAULT_ACCOUNT_CONCURRENCY))
    undecided: list[str] = []
    combos: dict[str, tuple[Res, dict[tuple[str, ...], int | None]]] = {}
    for fn in graph.vpc_functions():
        try:
            key = graph.security_group_key(fn)
            concurrency = fn.get("reservedConcurrentExecutions")
            reserved = int(concurrency) if isinstance(concurrency, int | float) and concurrency >= 0 else None
            for subnet in graph.function_subnets(fn):
                per = combos.setdefault(subnet.urn, (subnet, {}))[1]
                previous = per.get(key, 0) if key in per else 0
                per[key] = None if reserved is None or previous is None else previous + reserved
        except Undecidable as exc:
            undecided.append(str(exc))
    others: dict[str, int] = {}
    for endpoint in graph.of_type(ENDPOINT):
        if endpoint.get("vpcEndpointType") == "Interface":
            for subnet in graph.refs(endpoint, "subnetIds", endpoint.get("subnetIds"), SUBNET):
                others[subnet.urn] = others.get(subnet.urn, 0) + 1
    for nat in graph.of_type(NAT):
        for subnet in graph.refs(nat, "subnetId", nat.get("subnetId"), SUBNET):
            others[subnet.urn] = others.get(subnet.urn, 0) + 1
    rows = []
    for urn, (subnet, per) in combos.items():
        cidr = subnet.get("cidrBlock")
        if not isinstance(cidr, str) or is_unknown(cidr) or "/" not in cidr:
            undecided.append(f"{subnet.name}: its CIDR block is unknown")
            continue
        demand = required_ips(
            [EniCombination(c, per_invocation) for c in per.values()], others.get(urn, 0), churn, account
        )
        rows.append(SubnetDemandRow(subnet, cidr, usable_ips(int(cidr.split("/")[1])), demand, len(per)))
    return rows, undecided


def lambda_subnet_capacity(graph: Graph, config: Mapping[str, Any]) -> Outcome:
    rows, undecided = subnet_demands(graph, config)
    out = Outcome(undecided=undecided)
    for row in rows:
        if row.usable < row.demand.required:
            out.fail(
                row.subnet,
                f"Lambda subnet {row.subnet.name} ({row.cidr}) has {row.usable} usable IPs but needs "
                f"{row.demand.required}: {row.demand.explain()}, for {row.combinations} subnet x security-group "
                "combination(s). Use a larger subnet (LambdaNetwork sizes it from CapacityPlan)",
            )
    return out


# --- interface-endpoint-private-dns ------------------------------------------------------------------------
def interface_endpoint_private_dns(graph: Graph, config: Mapping[str, Any]) -> Outcome:
    out = Outcome()
    for endpoint in graph.of_type(ENDPOINT):
        if endpoint.get("vpcEndpointType") != "Interface":
            continue

        def check(endpoint: Res = endpoint) -> None:
            dns = endpoint.get("privateDnsEnabled")
            if is_unknown(dns):
                raise Undecidable(f"{endpoint.name}: private_dns_enabled is unknown")
            if dns is not True:
                out.fail(
                    endpoint,
                    f"interface endpoint {endpoint.name} has private DNS off: SDK calls to the "
                    "service's normal name bypass it and fail without internet. Set "
                    "private_dns_enabled=True",
                )
            vpc = graph.ref_one(endpoint, "vpcId", VPC, what="VPC")
            support, hostnames = vpc.get("enableDnsSupport", True), vpc.get("enableDnsHostnames", False)
            if is_unknown(support) or is_unknown(hostnames):
                raise Undecidable(f"{vpc.name}: its DNS settings are unknown")
            if support is False or hostnames is not True:
                out.fail(
                    endpoint,
                    f"VPC {vpc.name} of interface endpoint {endpoint.name} has "
                    f"enable_dns_support={support} and enable_dns_hostnames={hostnames}: private DNS "
                    "needs both on (the DNS trap). LambdaNetwork turns both on",
                )

        out.attempt(check)
    return out


# --- security-group-no-world-ingress -----------------------------------------------------------------------
def _protocol(value: Any) -> str:
    return "all traffic" if str(value).lower() in ("-1", "all") else f"{value}"


def _cidr_verdict(cidrs: list[Any]) -> str | None:
    """ "world" when any source is 0.0.0.0/0 or ::/0, "unknown" when one is not known yet, else None."""
    if any(is_world(c) for c in cidrs):
        return "world"
    return "unknown" if any(is_unknown(c) for c in cidrs) else None


def security_group_no_world_ingress(graph: Graph, config: Mapping[str, Any]) -> Outcome:
    out = Outcome()
    guarded: dict[str, Res] = {}
    for fn in graph.vpc_functions():
        for group in graph.function_security_groups(fn):
            guarded[group.urn] = group
    for endpoint in graph.of_type(ENDPOINT):
        for group in graph.refs(endpoint, "securityGroupIds", endpoint.get("securityGroupIds"), SECURITY_GROUP):
            guarded[group.urn] = group
    for group in guarded.values():
        rules = group.get("ingress")
        for rule in rules if isinstance(rules, list) else []:
            if not isinstance(rule, dict):
                continue
            verdict = _cidr_verdict([*(rule.get("cidrBlocks") or []), *(rule.get("ipv6CidrBlocks") or [])])
            if verdict == "world":
                out.fail(
                    group,
                    f"security group {group.name} allows {_protocol(rule.get('protocol'))} ingress from "
                    "the whole internet; reference the calling security group instead",
                )
            elif verdict == "unknown":
                out.undecided.append(f"{group.name}: an inline ingress CIDR is unknown")
    for rule in graph.of_type(SG_RULE, SG_INGRESS_RULE):
        if rule.type == SG_RULE and rule.get("type") != "ingress":
            continue
        targets = graph.refs(rule, "securityGroupId", rule.get("securityGroupId"), SECURITY_GROUP)
        if not any(t.urn in guarded for t in targets):
            continue
        if rule.type == SG_RULE:
            cidrs = [*(rule.get("cidrBlocks") or []), *(rule.get("ipv6CidrBlocks") or [])]
            protocol = rule.get("protocol")
        else:
            cidrs = [rule.get("cidrIpv4"), rule.get("cidrIpv6")]
            protocol = rule.get("ipProtocol")
        verdict = _cidr_verdict(cidrs)
        if verdict == "world":
            group = next(t for t in targets if t.urn in guarded)
            out.fail(
                rule,
                f"rule {rule.name} opens security group {group.name} to {_protocol(protocol)} from the "
                "whole internet; reference the calling security group instead",
            )
        elif verdict == "unknown":
            out.undecided.append(f"{rule.name}: its CIDR is unknown")
    return out


# --- lambda-multi-az ---------------------------------------------------------------------------------------
def lambda_multi_az(graph: Graph, config: Mapping[str, Any]) -> Outcome:
    out = Outcome()
    minimum = int(config.get("minimumAzs", 2))
    for fn in graph.vpc_functions():

        def check(fn: Res = fn) -> None:
            subnets = graph.function_subnets(fn)
            zones = {graph.subnet_az(s) for s in subnets}
            if len(zones) < minimum:
                out.fail(
                    fn,
                    f"function {fn.name} runs in {len(zones)} availability zone(s) "
                    f"({', '.join(sorted(zones))}); give it subnets in at least {minimum} so one AZ "
                    "failing does not stop it",
                )

        out.attempt(check)
    return out


# --- nat-gateway-per-az ------------------------------------------------------------------------------------
def nat_gateway_per_az(graph: Graph, config: Mapping[str, Any]) -> Outcome:
    out = Outcome()
    seen: set[str] = set()
    for fn in graph.vpc_functions():
        if _exempt(fn):
            continue

        def check(fn: Res = fn) -> None:
            for subnet in graph.function_subnets(fn):
                if subnet.urn in seen:
                    continue
                seen.add(subnet.urn)
                zone = graph.subnet_az(subnet)
                for kind, nat in graph.default_route_targets(graph.subnet_route_table(subnet)):
                    if kind != "nat" or not isinstance(nat, Res):
                        continue
                    nat_zone = graph.subnet_az(graph.ref_one(nat, "subnetId", SUBNET, what="subnet"))
                    if nat_zone != zone:
                        out.fail(
                            subnet,
                            f"Lambda subnet {subnet.name} in {zone} egresses through NAT gateway "
                            f"{nat.name} in {nat_zone}: an outage of {nat_zone} cuts its egress and "
                            "traffic pays cross-AZ charges. Use the nat-per-az strategy",
                        )

        out.attempt(check)
    return out


# --- lambda-reserved-concurrency (resource rule) ----------------------------------------------------------
def reserved_concurrency_problem(props: Mapping[str, Any]) -> str | None:
    vpc = props.get("vpcConfig")
    subnets = vpc.get("subnetIds") if isinstance(vpc, dict) else None
    if not (is_unknown(subnets) or (isinstance(subnets, list) and subnets)):
        return None
    value = props.get("reservedConcurrentExecutions")
    if is_unknown(value):
        return None
    if not isinstance(value, int | float) or value < 0:
        return (
            "VPC function has no reserved concurrency: a burst can scale to the account limit (1,000 by "
            "default), opening as many database connections and vendor calls. Set reserved_concurrency"
        )
    return None


# --- hyperplane-eip-dev-only -------------------------------------------------------------------------------
def hyperplane_eip_dev_only(graph: Graph, config: Mapping[str, Any]) -> Outcome:
    out = Outcome()
    allowed = [str(e) for e in config.get("allowedEnvironments", ["dev"])]
    users: list[Res] = list(graph.hyperplane_associations())
    users += [e for e in graph.of_type(EIP) if e.tags().get(PATTERN_TAG) == "hyperplane-eip"]
    if not users:
        return out
    environment = config.get("environment")
    for res in users:
        env = environment or res.tags().get("netkit:environment")
        if not env:
            out.undecided.append(f"{res.name}: the environment is unknown (set the policy's `environment` config)")
        elif env not in allowed:
            out.fail(
                res,
                f"{res.name} uses the Hyperplane-ENI Elastic IP trick in {env!r}; it relies on a Lambda "
                f"implementation detail and is allowed only in {', '.join(allowed)}. Use NatEgress",
            )
    return out


# --- vpc-flow-logs -----------------------------------------------------------------------------------------
def vpc_flow_logs(graph: Graph, config: Mapping[str, Any]) -> Outcome:
    out = Outcome()

    def check() -> None:
        for vpc, _subnets, _fns in graph.vpcs_hosting_lambdas().values():
            if not any(graph.in_vpc(f, vpc) for f in graph.of_type(FLOW_LOG)):
                out.fail(
                    vpc,
                    f"VPC {vpc.name} hosts Lambdas but has no flow logs: unexpected outbound connections "
                    "(an SSRF being exploited) go unseen. LambdaNetwork enables them by default",
                )

    out.attempt(check)
    return out


STACK_RULES: dict[str, Callable[[Graph, Mapping[str, Any]], Outcome]] = {
    "lambda-vpc-egress-path": lambda_vpc_egress_path,
    "vpc-gateway-endpoints": vpc_gateway_endpoints,
    "lambda-subnet-capacity": lambda_subnet_capacity,
    "interface-endpoint-private-dns": interface_endpoint_private_dns,
    "security-group-no-world-ingress": security_group_no_world_ingress,
    "lambda-multi-az": lambda_multi_az,
    "nat-gateway-per-az": nat_gateway_per_az,
    "hyperplane-eip-dev-only": hyperplane_eip_dev_only,
    "vpc-flow-logs": vpc_flow_logs,
}
