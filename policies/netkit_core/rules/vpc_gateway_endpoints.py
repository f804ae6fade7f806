"""`vpc-gateway-endpoints`: A VPC hosting Lambdas has S3 and DynamoDB gateway endpoints on the Lambda subnets' route
tables (free; keeps that traffic off the NAT)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netkit_core.graph import (
    ENDPOINT,
    ENDPOINT_RT_ASSOCIATION,
    ROUTE_TABLE,
    Graph,
    Res,
    Undecidable,
    is_unknown,
)
from netkit_core.rule import Outcome, Rule


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
                    out.undecide(exc.res or vpc, str(exc))
            for service in services:
                matching = []
                for e in endpoints:
                    try:
                        if _service(e) == service:
                            matching.append(e)
                    except Undecidable as exc:
                        out.undecide(exc.res or vpc, str(exc))
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
