"""`vpc-gateway-endpoints`: A VPC hosting Lambdas has S3 and DynamoDB gateway endpoints on the Lambda subnets' route
tables (free; keeps that traffic off the NAT). An endpoint for another region's or partition's service does not
serve the VPC. Route tables may be RouteTable or DefaultRouteTable resources or the VPC's own main table, named
inline in route_table_ids or through VpcEndpointRouteTableAssociation.

Messages say what the missing endpoint costs in this stack: the NAT's per-GB fee only where a NAT gateway carries
the subnets' traffic; failed calls where the subnets have no way out."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netkit_core import hidden
from netkit_core.egress import default_route_kinds
from netkit_core.endpoints import endpoint_type, route_tables, service_of
from netkit_core.graph import ENDPOINT, Graph, Res, Undecidable
from netkit_core.hints import names, netkit_hint
from netkit_core.rule import Outcome, Rule


def _gateway_endpoints(graph: Graph, vpc: Res, out: Outcome) -> list[tuple[Res, str]]:
    """(endpoint, service) of the VPC's gateway endpoints; undecidable ones are recorded and left out."""
    found = []
    for endpoint in graph.of_type(ENDPOINT):
        try:
            if graph.in_vpc(endpoint, vpc) and endpoint_type(endpoint) == "Gateway":
                found.append((endpoint, service_of(graph, endpoint)))
        except Undecidable as exc:
            out.undecide(exc.res or endpoint, str(exc))
    return found


def _consequence(graph: Graph, service: str, subnets: list[Res]) -> str:
    """What the functions' calls to `service` do without a gateway endpoint, in this stack."""
    summary = default_route_kinds(graph, subnets)
    if summary is None:
        return f"{service} calls take the subnets' default route"
    nats, kinds = summary
    if nats:
        return f"{service} traffic goes through NAT gateway {names([n.name for n in nats])} and pays its per-GB fee"
    if kinds == {"none"}:
        return f"{service} calls from the functions fail (their subnets have no route out)"
    if "tgw" in kinds:
        return f"{service} traffic leaves through the transit gateway and pays its per-GB charge"
    return f"{service} calls take the subnets' default route"


def vpc_gateway_endpoints(graph: Graph, config: Mapping[str, Any]) -> Outcome:
    out = Outcome()
    services = [str(s) for s in config.get("services", ["s3", "dynamodb"])]
    hosting, problems = graph.vpcs_hosting_lambdas()
    for problem in problems:
        out.undecide(problem.res, str(problem))
    for vpc, subnets, _functions in hosting.values():
        endpoints = _gateway_endpoints(graph, vpc, out)
        tables: dict[str, tuple[Res, list[str]]] = {}
        for subnet in subnets:
            try:
                table = graph.subnet_route_table(subnet)
            except Undecidable as exc:
                out.undecide(exc.res or vpc, str(exc))
                continue
            tables.setdefault(table.urn, (table, []))[1].append(subnet.name)
        undecided = {u.urn for u in out.undecided}
        try:
            region = graph.region_of(vpc)
        except Undecidable:
            region = "its region"
        for service in services:
            matching = [e for e, s in endpoints if s == service]
            if not matching:
                if any(e.urn in undecided for e in graph.of_type(ENDPOINT)):
                    continue  # one of the undecided endpoints may be it
                foreign = [e.name for e, s in endpoints if s == ""]
                hint = f" ({names(foreign)} serve another region)" if foreign else ""
                out.fail(
                    vpc,
                    f"VPC {vpc.name} hosts Lambdas but has no {service} gateway endpoint for {region}{hint}: "
                    f"{_consequence(graph, service, subnets)}. Gateway endpoints are free: add an "
                    f"aws.ec2.VpcEndpoint with service_name com.amazonaws.<region>.{service}, vpc_endpoint_type "
                    f"Gateway and route_table_ids listing route table {names([t.name for t, _ in tables.values()])}"
                    + netkit_hint(graph, "VpcEndpoints adds them to every Lambda route table"),
                )
                continue
            attached: set[str] = set()
            unsure = False
            for endpoint in matching:
                try:
                    attached |= {t.urn for t in route_tables(graph, endpoint)}
                except Undecidable as exc:
                    out.undecide(exc.res or endpoint, str(exc))
                    unsure = True
            missing = [(t, s) for urn, (t, s) in sorted(tables.items()) if urn not in attached]
            if missing and not unsure:
                where = ", ".join(f"{t.name} (subnet {names(s)})" for t, s in missing)
                uncovered = {name for _, s in missing for name in s}
                consequence = _consequence(graph, service, [sub for sub in subnets if sub.name in uncovered])
                out.fail(
                    vpc,
                    f"the {service} gateway endpoint {names([e.name for e in matching])} is not attached to the "
                    f"Lambda route table(s) {where}: {consequence}. Add them to the endpoint's route_table_ids (or "
                    "an aws.ec2.VpcEndpointRouteTableAssociation)",
                )
    return out


RULE = Rule(
    name="vpc-gateway-endpoints",
    description=(
        "A VPC hosting Lambdas has S3 and DynamoDB gateway endpoints on the Lambda subnets' route tables "
        "(free; keeps that traffic off the NAT)."
    ),
    enforcement="mandatory",
    severity="medium",
    remediation=(
        "Add an aws.ec2.VpcEndpoint (vpc_endpoint_type Gateway, service_name com.amazonaws.<region>.s3 / "
        ".dynamodb) whose route_table_ids list every Lambda subnet's route table."
    ),
    config_schema={"services": {"type": "array", "items": {"type": "string"}, "default": ["s3", "dynamodb"]}},
    stack_check=vpc_gateway_endpoints,
    judges=(hidden.FUNCTION,),
)
