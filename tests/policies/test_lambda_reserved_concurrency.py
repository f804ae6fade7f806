"""`lambda-reserved-concurrency`: compliant passes; omitted or unreserved (-1, the provider's default in an update)
fails; unknown or not a whole number (NaN, infinity) is undecided; functions outside a VPC are not concerned."""

from __future__ import annotations

from typing import Any

import pytest
from netkit_core.graph import FUNCTION, UNKNOWN, Res

from tests.policies.conftest import MODES, run_resource, urn

POLICY = "lambda-reserved-concurrency"
OMITTED = object()


def function(mode: str, concurrency: Any = 10, vpc: bool = True) -> Res:
    inputs: dict[str, Any] = {"runtime": "python3.12"}
    if vpc:
        inputs["vpcConfig"] = {"subnetIds": ["subnet-1" if mode == "update" else UNKNOWN], "securityGroupIds": []}
    if concurrency is not OMITTED:
        inputs["reservedConcurrentExecutions"] = concurrency
    props = dict(inputs)
    if concurrency is OMITTED and mode == "update":
        props["reservedConcurrentExecutions"] = -1  # the provider's default: unreserved
    return Res(urn(FUNCTION, "fn"), FUNCTION, "fn", props, inputs=inputs)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("concurrency", [10, 0, 1.0])
def test_compliant_passes(mode: str, concurrency: Any) -> None:
    outcome = run_resource(POLICY, function(mode, concurrency))
    assert outcome.violations == [] and outcome.undecided == []


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("concurrency", [OMITTED, -1])
def test_unreserved_fails(mode: str, concurrency: Any) -> None:
    outcome = run_resource(POLICY, function(mode, concurrency))
    assert len(outcome.violations) == 1 and "reserved concurrency" in outcome.violations[0][1]


@pytest.mark.parametrize(
    ("concurrency", "reason"),
    [
        (UNKNOWN, "is unknown"),
        (float("nan"), "not a whole number"),
        (float("inf"), "not a whole number"),
        ("ten", "not a whole number"),
        (2.5, "not a whole number"),
    ],
)
def test_unknown_or_odd_values_are_undecided(concurrency: Any, reason: str) -> None:
    outcome = run_resource(POLICY, function("update", concurrency))
    assert outcome.violations == [] and reason in outcome.undecided[0].reason


def test_functions_outside_a_vpc_are_not_concerned() -> None:
    outcome = run_resource(POLICY, function("update", OMITTED, vpc=False))
    assert outcome.violations == [] and outcome.undecided == []
