"""`security-group-no-world-ingress`: No 0.0.0.0/0 or ::/0 ingress on security groups of Lambdas or VPC endpoints.

Every shape a program writes (see `netkit_core.security_groups`): inline rules, `aws.ec2.SecurityGroupRule`,
`aws.vpc.SecurityGroupIngressRule`, `aws.ec2.DefaultSecurityGroup` or the VPC's default group used by a function or
an endpoint, `aws.ec2.SecurityGroupAssociation` on endpoints, prefix lists (entries checked when the program manages
the list, else undecided with the reason), protocol `-1`/`all`, the world in every IPv4/IPv6 spelling. A value that
is unknown, not a valid CIDR or not a list makes that one decision undecided, never a crash or a silent pass.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netkit_core import hidden
from netkit_core.graph import Graph
from netkit_core.rule import Outcome, Rule
from netkit_core.security_groups import SecurityGroups, protocol_label


def security_group_no_world_ingress(graph: Graph, config: Mapping[str, Any]) -> Outcome:
    out = Outcome()
    view = SecurityGroups(graph)
    groups, problems = view.guarded()
    for problem in problems:
        out.undecide(problem.res, str(problem))
    reported: set[tuple[str, str]] = set()
    for group in groups:
        permissions, problems = view.ingress(group)
        for problem in problems:
            out.undecide(problem.res, str(problem))
        for permission in permissions:

            def decide(group: Any = group, permission: Any = permission) -> None:
                if not view.opens_to_world(permission):
                    return
                owner = permission.owner
                if (owner.urn, group.key) in reported:
                    return
                reported.add((owner.urn, group.key))
                what = protocol_label(permission.protocol)
                users = ", ".join(sorted(set(group.users)))
                if owner.urn == group.res.urn:
                    message = (
                        f"security group {group.name} (used by {users}) allows {what} ingress from the whole internet"
                    )
                else:
                    message = (
                        f"rule {owner.name} opens security group {group.name} (used by {users}) to {what} from the "
                        "whole internet"
                    )
                out.fail(owner, message + "; admit the calling security group instead")

            out.attempt(decide, about=permission.owner)
    return out


RULE = Rule(
    name="security-group-no-world-ingress",
    description="No 0.0.0.0/0 or ::/0 ingress on security groups of Lambdas or VPC endpoints.",
    enforcement="mandatory",
    severity="high",
    remediation=(
        "Admit traffic from the calling security group (referenced_security_group_id / source_security_group_id)."
    ),
    config_schema={},
    stack_check=security_group_no_world_ingress,
    judges=(
        hidden.FUNCTION,
        hidden.ENDPOINT,
    ),
)
