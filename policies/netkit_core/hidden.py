"""Components whose children the check cannot see, and which rules they could affect. Pure: used by
`netkit_core.analysis` for every rule at once (issue 17 item 4), never per rule.

A multi-language component (awsx `ec2.Vpc`, `apigateway.RestAPI`, any `remote=True` Construct of a plugin) has its
children created by its provider plugin. The offline engine cannot run that plugin, so the stack it hands the pack
holds the component and none of its children (`Graph.is_hidden_component`). A rule that judges a kind of resource
such a component may create must not pass silently: it is undecided on the component, naming it. Under the real
engine the plugin registers the children, they are visible, and nothing here applies.

What each known component creates comes from its provider's source: pulumi-awsx (awsx/ec2/vpc.ts: `awsx:ec2:Vpc`
builds the VPC, subnets, route tables and routes, internet and NAT gateways with their Elastic IPs, and the VPC
endpoints of `vpcEndpointSpecs`; awsx/lb: load balancers with their security groups; `awsx:apigatewayv2:HttpApi`
an HTTP API) and pulumi-aws-apigateway (`aws-apigateway:index:RestAPI`: the RestApi, its deployment and stage;
the routes' handlers are Lambda functions the program passes in). Any other plugin component may create
anything.
"""

from __future__ import annotations

from collections.abc import Iterable

from netkit_core.graph import Graph, Res, blank

# Kinds of resources a rule judges (see each rule's `judges`).
FUNCTION = "Lambda functions"
NETWORK = "VPCs, subnets, routes and NAT gateways"
ENDPOINT = "VPC endpoints"
API = "API Gateway APIs"
SECURITY_GROUP = "security groups"
EIP = "Elastic IPs"
EVERYTHING: frozenset[str] = frozenset({FUNCTION, NETWORK, ENDPOINT, API, SECURITY_GROUP, EIP})

CREATES: dict[str, frozenset[str]] = {
    "awsx:ec2:Vpc": frozenset({NETWORK, ENDPOINT, EIP}),
    "awsx:ec2:DefaultVpc": frozenset({NETWORK}),
    "awsx:apigatewayv2:HttpApi": frozenset({API}),
    "aws-apigateway:index:RestAPI": frozenset({API}),
    "awsx:lb:ApplicationLoadBalancer": frozenset({SECURITY_GROUP}),
    "awsx:lb:NetworkLoadBalancer": frozenset(),
    "awsx:ecr:Repository": frozenset(),
    "awsx:ecr:Image": frozenset(),
    "awsx:cloudtrail:Trail": frozenset(),
}


def creates(component: Res) -> frozenset[str]:
    """The kinds of resources a component hidden from the check may create (anything, for an unknown one). An
    awsx `ec2.Vpc` creates VPC endpoints only for its `vpcEndpointSpecs` (awsx/ec2/vpc.ts), so one the program
    gave none creates none."""
    if component.type == "awsx:ec2:Vpc" and not _given(component, "vpcEndpointSpecs"):
        return CREATES[component.type] - {ENDPOINT}
    if component.type in CREATES:
        return CREATES[component.type]
    if component.type.startswith("awsx:ecs:"):
        return frozenset({SECURITY_GROUP})
    return EVERYTHING


def _given(component: Res, key: str) -> bool:
    """Whether the program gave the component `key` (known and not empty, or not known yet: it may be given)."""
    source = component.inputs if component.inputs is not None else component.props
    return not blank(source.get(key))


def reasons(graph: Graph, judges: Iterable[str]) -> list[tuple[Res, str]]:
    """(component, why) for each hidden component that may create a kind of resource the rule judges."""
    wanted = set(judges)
    found = []
    for component in graph.hidden_components():
        kinds = sorted(creates(component) & wanted)
        if kinds:
            found.append(
                (
                    component,
                    f"component {component.name} ({component.type}) is created by a provider plugin and its "
                    f"children are not visible to this check, so the {' and '.join(kinds)} it may create are not "
                    "judged",
                )
            )
    return found
