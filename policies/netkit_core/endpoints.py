"""What a VPC endpoint is: its service and region, its type, its route tables, private DNS and policy, with the
separate resources that set them (VpcEndpointRouteTableAssociation, aws.vpc.EndpointPrivateDns,
VpcEndpointPolicy). Pure: shared by the endpoint rules.

Defaults applied when the program omits a setting (pulumi-aws 7 SDK docs, ec2/vpc_endpoint.py, mirroring the AWS
CreateVpcEndpoint API): `vpc_endpoint_type` "Defaults to `Gateway`"; `private_dns_enabled` "Defaults to `false`";
`policy` "Defaults to full access" (AWS PrivateLink guide, "Control access to VPC endpoints using endpoint
policies": the default policy allows full access to the service).
"""

from __future__ import annotations

import json
import re
from typing import Any

from netkit_core.graph import (
    ENDPOINT_POLICY,
    ENDPOINT_PRIVATE_DNS,
    ENDPOINT_RT_ASSOCIATION,
    HTTP_API,
    REST_API,
    Graph,
    Res,
    Undecidable,
    blank,
    is_unknown,
)

_REGION = re.compile(r"^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d+$")
# The service-name prefix each partition uses for AWS services (com.amazonaws.<region>.<service>).
_PREFIXES = {"aws": "com.amazonaws", "aws-us-gov": "com.amazonaws", "aws-cn": "cn.com.amazonaws"}


def partition_of(region: str) -> str:
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


def endpoint_type(endpoint: Res) -> str:
    return str(endpoint.setting("vpcEndpointType", "Gateway", "vpc_endpoint_type"))


def service_of(graph: Graph, endpoint: Res) -> str:
    """The AWS service an endpoint serves (`s3`, `execute-api`, ...), "" when it serves another region or
    partition than the endpoint's own (so it does not serve this VPC), or an endpoint service of its own."""
    name = endpoint.get("serviceName")
    if not isinstance(name, str) or is_unknown(name):
        raise Undecidable(f"{endpoint.name}: its service name is unknown", endpoint)
    parts = name.split(".")
    at = next((i for i, p in enumerate(parts) if _REGION.match(p)), None)
    if at is None:
        return name  # not an AWS regional service name (a PrivateLink endpoint service)
    prefix, region, service = ".".join(parts[:at]), parts[at], ".".join(parts[at + 1 :])
    own = graph.region_of(endpoint)
    if region != own:
        return ""
    expected = _PREFIXES[partition_of(own)]
    if prefix.endswith("amazonaws") and prefix != expected:
        return ""
    return service


def is_endpoint_service(endpoint: Res) -> bool:
    """A PrivateLink endpoint service of another account (`com.amazonaws.vpce.<region>.vpce-svc-...`), not an AWS
    service: its private DNS name exists only if its provider verified one, and it takes no endpoint policy."""
    name = endpoint.get("serviceName")
    return isinstance(name, str) and "vpce-svc-" in name


def route_tables(graph: Graph, endpoint: Res) -> list[Res]:
    """Route tables a gateway endpoint is attached to: inline route_table_ids (RouteTable, DefaultRouteTable, or
    a VPC's own table) and VpcEndpointRouteTableAssociation resources."""
    if graph.from_outside(endpoint, "routeTableIds"):
        raise Undecidable(f"{endpoint.name}: its route_table_ids are not known yet (a lookup or config)", endpoint)
    tables = graph.route_tables_in(endpoint, "routeTableIds", endpoint.get("routeTableIds"))
    for assoc in _managing(graph, endpoint, ENDPOINT_RT_ASSOCIATION):
        if graph.from_outside(assoc, "routeTableId"):
            raise Undecidable(f"{assoc.name}: its route_table_id is not known yet (a lookup or config)", assoc)
        tables.extend(graph.route_tables_in(assoc, "routeTableId", assoc.get("routeTableId")))
    return list({t.urn: t for t in tables}.values())


def _managing(graph: Graph, endpoint: Res, rtype: str) -> list[Res]:
    """The resources of `rtype` that name the endpoint in `vpc_endpoint_id`. One whose endpoint is not known yet
    and not linked to a resource of this program may be about this endpoint: undecided, never ignored."""
    found = []
    for managing in graph.of_type(rtype):
        if graph.from_outside(managing, "vpcEndpointId"):
            raise Undecidable(
                f"{managing.name}: its vpc_endpoint_id is not known yet (a lookup or config), so the endpoint it "
                "applies to is not known",
                managing,
            )
        if endpoint in graph.refs(managing, "vpcEndpointId", managing.get("vpcEndpointId")):
            found.append(managing)
    return found


def private_dns(graph: Graph, endpoint: Res) -> bool:
    """private_dns_enabled, with an aws.vpc.EndpointPrivateDns resource taking precedence."""
    for managed in _managing(graph, endpoint, ENDPOINT_PRIVATE_DNS):
        return bool(managed.setting("privateDnsEnabled", False, "private_dns_enabled"))
    return bool(endpoint.setting("privateDnsEnabled", False, "private_dns_enabled"))


def policy_document(graph: Graph, endpoint: Res) -> Any:
    """The endpoint's policy (a VpcEndpointPolicy resource takes precedence); None = AWS's default full access.
    The planned state carries `policy` unknown when omitted (AWS computes it): the inputs tell omitted apart."""
    for managed in _managing(graph, endpoint, ENDPOINT_POLICY):
        return managed.setting("policy", None, "policy")
    if endpoint.inputs is not None and blank(endpoint.inputs.get("policy")):
        return None  # omitted by the program; any policy in the state is the default AWS filled in
    return endpoint.setting("policy", None, "policy")


def allows_full_access(owner: Res, document: Any) -> bool:
    """A policy document that allows every action on every resource to every principal (AWS's default)."""
    if blank(document):
        return True
    if isinstance(document, str):
        try:
            document = json.loads(document)
        except ValueError:
            raise Undecidable(f"{owner.name}: its policy is not valid JSON", owner) from None
    if not isinstance(document, dict):
        raise Undecidable(f"{owner.name}: its policy is not a JSON object", owner)
    statements = document.get("Statement")
    statements = [statements] if isinstance(statements, dict) else statements
    if not isinstance(statements, list):
        raise Undecidable(f"{owner.name}: its policy has no Statement list", owner)

    def star(value: Any) -> bool:
        return value == "*" or (isinstance(value, list) and "*" in value)

    for statement in statements:
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow" or "Condition" in statement:
            continue
        principal = statement.get("Principal", "*")
        principal_star = star(principal) or (isinstance(principal, dict) and star(principal.get("AWS")))
        if principal_star and star(statement.get("Action")) and star(statement.get("Resource", "*")):
            return True
    return False


def public_apis(graph: Graph) -> list[Res]:
    """API Gateway APIs of the stack that are public: REST APIs whose endpoint type is not PRIVATE (omitted =
    EDGE, API Gateway's default) and HTTP/WebSocket APIs (aws.apigatewayv2.Api, always public)."""
    found = list(graph.of_type(HTTP_API))
    for api in graph.of_type(REST_API):
        config = api.setting("endpointConfiguration", None, "endpoint_configuration")
        types = config.get("types") if isinstance(config, dict) else None
        if isinstance(types, list) and types and all(t == "PRIVATE" for t in types):
            continue
        if is_unknown(types) or (isinstance(types, list) and any(is_unknown(t) for t in types)):
            raise Undecidable(f"{api.name}: its endpoint type is unknown", api)
        found.append(api)
    return found
