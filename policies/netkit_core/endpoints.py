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


# IAM action prefixes of endpoint services whose prefix is not the service name's first label.
_ACTION_PREFIXES = {
    "ecr.api": "ecr",
    "ecr.dkr": "ecr",
    "monitoring": "cloudwatch",
    "kinesis-streams": "kinesis",
    "kinesis-firehose": "firehose",
    "git-codecommit": "codecommit",
    "email-smtp": "ses",
    "sagemaker.api": "sagemaker",
    "sagemaker.runtime": "sagemaker",
}


def action_prefix(service: str) -> str:
    """The IAM action prefix of an endpoint's service (`s3` -> `s3`, `ecr.api` -> `ecr`)."""
    return _ACTION_PREFIXES.get(service, service.split(".")[0])


def allows_full_access(owner: Res, document: Any, service: str = "") -> bool:
    """A policy document that allows every action of the service on every resource to every principal (AWS's
    default). An endpoint policy only governs calls to its own service, so `"<service>:*"` (`s3:*` on an S3
    endpoint) is as full as `"*"`. The document is the JSON string the provider stores (pulumi-aws serializes a
    dict given as a policy), or the object itself."""
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

    everything = {"*", f"{action_prefix(service)}:*"} if service else {"*"}

    def star(value: Any, accepted: set[str] = {"*"}) -> bool:  # noqa: B006 - read only
        values = value if isinstance(value, list) else [value]
        return any(isinstance(v, str) and v.strip().lower() in accepted for v in values)

    for statement in statements:
        if not isinstance(statement, dict) or statement.get("Effect") != "Allow" or "Condition" in statement:
            continue
        principal = statement.get("Principal", "*")
        principal_star = star(principal) or (isinstance(principal, dict) and star(principal.get("AWS")))
        actions = star(statement.get("Action"), {a.lower() for a in everything})
        if principal_star and actions and star(statement.get("Resource", "*")):
            return True
    return False


def public_apis(graph: Graph, region: str | None = None) -> list[Res]:
    """API Gateway APIs of the stack that are public: REST APIs whose endpoint type is not PRIVATE (omitted =
    EDGE, API Gateway's default) and HTTP/WebSocket APIs (aws.apigatewayv2.Api, always public). With `region`,
    only the APIs in that region (an API's hostname is `<id>.execute-api.<its region>.amazonaws.com`, so only an
    execute-api endpoint of that region intercepts it).

    `endpoint_configuration.types` is a string in pulumi-aws 7 (`types="PRIVATE"`) and a list in older SDKs and in
    the API (`["PRIVATE"]`); both are read. `vpc_endpoint_ids` (unknown in a first preview) does not matter here."""
    found = [api for api in graph.of_type(HTTP_API) if region is None or graph.region_of(api) == region]
    for api in graph.of_type(REST_API):
        if region is not None and graph.region_of(api) != region:
            continue
        config = api.setting("endpointConfiguration", None, "endpoint_configuration")
        if is_unknown(config):
            raise Undecidable(f"{api.name}: its endpoint configuration is not known yet", api)
        types = config.get("types") if isinstance(config, dict) else None
        if isinstance(types, str):
            types = [types]
        if is_unknown(types) or (isinstance(types, list) and any(is_unknown(t) for t in types)):
            raise Undecidable(f"{api.name}: its endpoint type is not known yet", api)
        if isinstance(types, list) and types and all(isinstance(t, str) and t.upper() == "PRIVATE" for t in types):
            continue
        found.append(api)
    return found
