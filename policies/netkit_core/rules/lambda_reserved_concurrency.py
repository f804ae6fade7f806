"""`lambda-reserved-concurrency`: VPC Lambdas set reserved concurrency (protects databases and rate-limited APIs)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netkit_core.graph import (
    FUNCTION,
    Res,
    is_unknown,
)
from netkit_core.rule import Outcome, Rule


def reserved_concurrency_problem(props: Mapping[str, Any]) -> str | None:
    vpc = props.get("vpcConfig")
    subnets = vpc.get("subnetIds") if isinstance(vpc, dict) else None
    if not (is_unknown(subnets) or (isinstance(subnets, list) and subnets)):
        return None
    value = props.get("reservedConcurrentExecutions")
    if is_unknown(value):
        return None
    if not isinstance(value, int | float) or value < 0:
        return (
            "VPC function has no reserved concurrency: a burst can scale to the account limit (1,000 by "
            "default), opening as many database connections and vendor calls. Set reserved_concurrency"
        )
    return None


def check_function(fn: Res, config: Mapping[str, Any]) -> Outcome:
    out = Outcome()
    problem = reserved_concurrency_problem(fn.props)
    if problem:
        out.fail(fn, problem)
    return out


RULE = Rule(
    name="lambda-reserved-concurrency",
    description="VPC Lambdas set reserved concurrency (protects databases and rate-limited APIs).",
    enforcement="advisory",
    severity="medium",
    remediation="Set VpcFunctionArgs.reserved_concurrency.",
    config_schema={},
    resource_check=check_function,
    resource_types=(FUNCTION,),
)
