"""`lambda-multi-az`: A VPC Lambda's subnets span at least 2 availability zones."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netkit_core.graph import (
    Graph,
    Res,
)
from netkit_core.rule import Outcome, Rule


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

        out.attempt(check, fn)
    return out


RULE = Rule(
    name="lambda-multi-az",
    description="A VPC Lambda's subnets span at least 2 availability zones.",
    enforcement="advisory",
    severity="medium",
    remediation="Give the function one Lambda subnet per AZ (LambdaNetwork az_count >= 2).",
    config_schema={"minimumAzs": {"type": "integer", "minimum": 1, "default": 2}},
    stack_check=lambda_multi_az,
)
