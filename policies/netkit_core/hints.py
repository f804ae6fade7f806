"""Fix hints that are true for the stack at hand. Pure: shared by the rules' messages.

Why: most programs the pack judges are not built with netkit's components, so a fix that names only `NatEgress` or
`LambdaNetwork` tells their authors nothing. A message names the AWS resource and the argument to change (as
pulumi-aws spells them, e.g. `aws.ec2.Route` `nat_gateway_id`); the netkit component that does it is added only
when the stack already uses netkit's components (its type tokens are `netkit:<module>:<Name>`, see components/).
"""

from __future__ import annotations

from netkit_core.graph import Graph

NETKIT_PACKAGE = "netkit"


def netkit_components(graph: Graph) -> set[str]:
    """The netkit component classes the stack uses (`LambdaNetwork`, `NatEgress`, ...)."""
    found = set()
    for res in graph.resources:
        parts = res.type.split(":")
        if len(parts) == 3 and parts[0] == NETKIT_PACKAGE:
            found.add(parts[2])
    return found


def uses_netkit(graph: Graph) -> bool:
    return bool(netkit_components(graph))


def netkit_hint(graph: Graph, text: str) -> str:
    """`" (netkit: <text>)"` when the stack is built with netkit's components, else ""."""
    return f" (netkit: {text})" if uses_netkit(graph) else ""


def names(items: list[str] | set[str] | tuple[str, ...]) -> str:
    """`a`, `a and b`, `a, b and c` (sorted, each once), for lists of resource names in a message."""
    unique = sorted(set(items))
    if len(unique) <= 1:
        return "".join(unique)
    return f"{', '.join(unique[:-1])} and {unique[-1]}"
