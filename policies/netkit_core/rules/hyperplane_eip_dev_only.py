"""`hyperplane-eip-dev-only`: The Hyperplane-ENI Elastic IP trick is not used outside allowed environments."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netkit_core.graph import (
    EIP,
    PATTERN_TAG,
    Graph,
    Res,
)
from netkit_core.hints import netkit_hint
from netkit_core.rule import Outcome, Rule


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
            out.undecide(res, f"{res.name}: the environment is unknown (set the policy's `environment` config)")
        elif env not in allowed:
            where = f"in environment {env}" if environment else "in the environment its netkit:environment tag names"
            out.fail(
                res,
                f"{res.name} uses the Hyperplane-ENI Elastic IP trick {where}; it relies on a Lambda "
                f"implementation detail and is allowed only in {', '.join(allowed)}. Egress through an "
                "aws.ec2.NatGateway with an Eip instead" + netkit_hint(graph, "NatEgress"),
            )
    return out


RULE = Rule(
    name="hyperplane-eip-dev-only",
    description="The Hyperplane-ENI Elastic IP trick is not used outside allowed environments.",
    enforcement="mandatory",
    severity="high",
    remediation="Outside dev, egress through an aws.ec2.NatGateway with an Elastic IP (allocation_id).",
    config_schema={
        "allowedEnvironments": {"type": "array", "items": {"type": "string"}, "default": ["dev"]},
        "environment": {"type": "string", "default": ""},
    },
    stack_check=hyperplane_eip_dev_only,
)
