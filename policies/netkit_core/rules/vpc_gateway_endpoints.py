"""`vpc-gateway-endpoints`: A VPC hosting Lambdas has S3 and DynamoDB gateway endpoints on the Lambda subnets' route
tables (free; keeps that traffic off the NAT). An endpoint for another region's or partition's service does not
serve the VPC. Route tables may be RouteTable or DefaultRouteTable resources or the VPC's own main table, named
inline in route_table_ids or through VpcEndpointRouteTableAssociation."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netkit_core.endpoints import endpoint_type, route_tables, service_of
from netkit_core.graph import ENDPOINT, Graph, Res, Undecidable
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


def vpc_gateway_endpoints(graph: Graph, config: Mapping[str, Any]) -> Outcome:
    out = Outcome()
    services = [str(s) for s in config.get("services", ["s3", "dynamodb"])]
    hosting, problems = graph.vpcs_hosting_lambdas()
    for problem in problems:
        out.undecide(problem.res, str(problem))
    for vpc, subnets, _functions in hosting.values():
        endpoints = _gateway_endpoints(graph, vpc, out)
        tables: dict[str, Res] = {}
        for subnet in subnets:
            try:
                tables[subnet.name] = graph.subnet_route_table(subnet)
            except Undecidable as exc:
                out.undecide(exc.res or vpc, str(exc))
        undecided = {u.urn for u in out.undecided}
        for service in services:
            matching = [e for e, s in endpoints if s == service]
            if not matching:
                if any(e.urn in undecided for e in graph.of_type(ENDPOINT)):
                    continue  # one of the undecided endpoints may be it
                foreign = [e.name for e, s in endpoints if s == ""]
                hint = f" ({', '.join(foreign)} serve another region)" if foreign else ""
                out.fail(
                    vpc,
                    f"VPC {vpc.name} hosts Lambdas but has no {service} gateway endpoint for its region{hint}: "
                    f"{service} traffic pays the NAT's per-GB fee (or fails without egress). Gateway endpoints "
                    "are free: VpcEndpoints adds them to every Lambda route table",
                )
                continue
            attached = {t.urn for e in matching for t in route_tables(graph, e)}
            for subnet_name, table in sorted(tables.items()):
                if table.urn not in attached:
                    out.fail(
                        vpc,
                        f"the {service} gateway endpoint is not attached to route table {table.name} of Lambda "
                        f"subnet {subnet_name}; add it to route_table_ids",
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
    remediation="Add VpcEndpoints with route_table_ids = the Lambda route tables.",
    config_schema={"services": {"type": "array", "items": {"type": "string"}, "default": ["s3", "dynamodb"]}},
    stack_check=vpc_gateway_endpoints,
)
