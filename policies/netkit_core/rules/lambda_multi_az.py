"""`lambda-multi-az`: A VPC Lambda's subnets span at least 2 availability zones. All of the function's subnets
must be managed by this program (else undecided, never a false "runs in 1 AZ"); zones given as names and as ids
cannot be compared offline, so a function is undecided unless one form alone already shows enough zones. A
function with fewer subnets than the minimum fails whatever its zones are (a subnet is in exactly one AZ), even
when the zone is not known yet."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netkit_core import hidden
from netkit_core.graph import Graph, Res, Undecidable
from netkit_core.rule import Outcome, Rule


def lambda_multi_az(graph: Graph, config: Mapping[str, Any]) -> Outcome:
    out = Outcome()
    minimum = int(config.get("minimumAzs", 2))
    for fn in graph.vpc_functions():

        def check(fn: Res = fn) -> None:
            subnets = graph.function_subnets(fn)
            if len(subnets) < minimum:
                out.fail(
                    fn,
                    f"function {fn.name} has {len(subnets)} subnet ({subnets[0].name}), so it runs in one "
                    f"availability zone; list subnets in at least {minimum} AZs in the function's "
                    "vpc_config.subnet_ids so one AZ failing does not stop it",
                )
                return
            zones = [graph.subnet_zone(s) for s in subnets]
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
                f"function {fn.name} runs in {len(shown)} availability zone(s) ({', '.join(shown)}); list subnets "
                f"in at least {minimum} AZs in the function's vpc_config.subnet_ids so one AZ failing does not "
                "stop it",
            )

        out.attempt(check, fn)
    return out


RULE = Rule(
    name="lambda-multi-az",
    description="A VPC Lambda's subnets span at least 2 availability zones.",
    enforcement="advisory",
    severity="medium",
    remediation="List Lambda subnets in at least two AZs in the aws.lambda_.Function's vpc_config.subnet_ids.",
    config_schema={"minimumAzs": {"type": "integer", "minimum": 1, "default": 2}},
    stack_check=lambda_multi_az,
    judges=(hidden.FUNCTION,),
)
