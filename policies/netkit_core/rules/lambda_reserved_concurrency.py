"""`lambda-reserved-concurrency`: VPC Lambdas set reserved concurrency (protects databases and rate-limited APIs).

Shapes: `reserved_concurrent_executions` omitted or -1 (the provider's "unreserved") is a finding; 0 (throttled)
and any positive whole number pass; an unknown value in preview, or a value pulumi-aws would pass through but that
is not a whole number (NaN, infinity, a string), is undecided with the reason. Not a VPC function: not concerned.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netkit_core import hidden
from netkit_core.graph import FUNCTION, Res, Undecidable, is_unknown
from netkit_core.rule import Outcome, Rule
from netkit_core.secret_detection import MarkedSecret

MISSING = (
    "VPC function has no reserved concurrency: a burst can scale to the account limit (1,000 by default), "
    "opening as many database connections and vendor calls. Set reserved_concurrent_executions on the "
    "aws.lambda_.Function"
)


def _unknown(value: Any) -> bool:
    return is_unknown(value) or (isinstance(value, MarkedSecret) and not value.known)


def is_vpc_function(props: Mapping[str, Any]) -> bool | None:
    """True/False, or None when its subnets are unknown-shaped (still treated as VPC: unknown in preview)."""
    vpc = props.get("vpcConfig")
    if _unknown(vpc):
        return None
    subnets = vpc.get("subnetIds") if isinstance(vpc, Mapping) else None
    if _unknown(subnets):
        return True
    return isinstance(subnets, list | tuple) and len(subnets) > 0


def reserved_concurrency_problem(props: Mapping[str, Any]) -> str | None:
    """The finding for one function's properties, or None (also when it cannot be told)."""
    try:
        return reserved_concurrency_verdict(props)
    except Undecidable:
        return None


def reserved_concurrency_verdict(props: Mapping[str, Any]) -> str | None:
    """The finding for one function's properties, or None; raises Undecidable when it cannot be told."""
    vpc = is_vpc_function(props)
    if vpc is None:
        raise Undecidable("its vpc_config is unknown")
    if not vpc:
        return None
    value = props.get("reservedConcurrentExecutions")
    if _unknown(value):
        raise Undecidable("its reserved concurrency is unknown")
    if value is None:
        return MISSING
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or value != value
        or value
        in (
            float("inf"),
            float("-inf"),
        )
    ):
        raise Undecidable("its reserved concurrency is not a whole number")
    if not float(value).is_integer():
        raise Undecidable("its reserved concurrency is not a whole number")
    if value < 0:
        return MISSING
    return None


def check_function(fn: Res, config: Mapping[str, Any]) -> Outcome:
    out = Outcome()

    def decide() -> None:
        try:
            problem = reserved_concurrency_verdict(fn.props)
        except Undecidable as exc:
            raise Undecidable(f"{fn.name}: {exc}", fn) from None
        if problem:
            out.fail(fn, problem)

    out.attempt(decide, about=fn)
    return out


RULE = Rule(
    name="lambda-reserved-concurrency",
    description="VPC Lambdas set reserved concurrency (protects databases and rate-limited APIs).",
    enforcement="advisory",
    severity="medium",
    remediation="Set reserved_concurrent_executions on the aws.lambda_.Function.",
    config_schema={},
    resource_check=check_function,
    judges=(hidden.FUNCTION,),
    resource_types=(FUNCTION,),
)
