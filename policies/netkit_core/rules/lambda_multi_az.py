"""`lambda-multi-az`: A VPC Lambda's subnets span at least 2 availability zones. All of the function's subnets
must be managed by this program (else undecided, never a false "runs in 1 AZ"); zones given as names and as ids
cannot be compared offline, so a function is undecided unless one form alone already shows enough zones."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netkit_core.graph import Graph, Res, Undecidable
from netkit_core.rule import Outcome, Rule


def lambda_multi_az(graph: Graph, config: Mapping[str, Any]) -> Outcome:
    out = Outcome()
    minimum = int(config.get("minimumAzs", 2))
    for fn in graph.vpc_functions():

        def check(fn: Res = fn) -> None:
            zones = [graph.subnet_zone(s) for s in graph.function_subnets(fn)]
            names, ids = {z.name for z in zones if z.name}, {z.id for z in zones if z.id}
            if len(names) >= minimum or len(ids) >= minimum:
                return
            if not all(z.name for z in zones) and not all(z.id for z in zones):
                raise Undecidable(
                    f"{fn.name}: its subnets name some zones by name and some by zone id, which cannot be "
                    "compared offline (use one form)",
                    fn,
                )
            shown = sorted({str(z) for z in zones})
            out.fail(
                fn,
                f"function {fn.name} runs in {len(shown)} availability zone(s) ({', '.join(shown)}); give it "
                f"subnets in at least {minimum} so one AZ failing does not stop it",
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
