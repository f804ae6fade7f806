"""`lambda-env-no-secrets` on a function's Analyze inputs: compliant passes; each single change that puts a secret
in a variable fails; unknown values under secret-like names are undecided (a first preview), never a pass."""

from __future__ import annotations

from typing import Any

import pytest
from netkit_core.graph import FUNCTION, UNKNOWN, Res
from netkit_core.secret_detection import MarkedSecret

from tests.policies.conftest import MODES, run_resource, urn

POLICY = "lambda-env-no-secrets"
ARN = "arn:aws:secretsmanager:us-east-1:123456789012:secret:orders-db-AbCdEf"


def function(mode: str, variables: dict[str, Any], environment: Any = None) -> Res:
    """In a first preview a variable taken from another resource (a secret's ARN) is unknown; in an update known."""
    env = {
        "DB_SECRET_ARN": UNKNOWN if mode == "preview" else ARN,
        "TOKEN_TTL_SECONDS": "3600",
        "PARAMETERS_SECRETS_EXTENSION_HTTP_PORT": "2773",
        "SSM_PARAMETER_STORE_TTL": "300",
        "LOG_LEVEL": "INFO",
    }
    props = {
        "vpcConfig": {"subnetIds": ["subnet-1"], "securityGroupIds": ["sg-1"]},
        "environment": {"variables": {**env, **variables}} if environment is None else environment,
    }
    return Res(urn(FUNCTION, "fn"), FUNCTION, "fn", props, inputs=props)


CHANGES: dict[str, dict[str, Any]] = {
    "a vendor token": {"STRIPE": "s" + "k_live_" + "4eC39HqLyjWDarjtT1zdp7dc"},
    "a password under its name": {"DB_PASSWORD": "hunter2"},
    "a URL with a password and no user": {"CACHE_URL": "redis://:" + "Zx81kQ" + "@cache:6379"},
    "a value the program marked secret": {"GREETING": MarkedSecret("hello")},
    "an unknown value the program marked secret": {"LATER": MarkedSecret.unknown()},
}


@pytest.mark.parametrize("mode", MODES)
def test_compliant_function_passes(mode: str) -> None:
    outcome = run_resource(POLICY, function(mode, {}))
    assert outcome.violations == [] and outcome.undecided == []


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("change", sorted(CHANGES))
def test_each_single_change_fails_and_names_only_the_variable(mode: str, change: str) -> None:
    variables = CHANGES[change]
    outcome = run_resource(POLICY, function(mode, variables))
    (name,) = variables
    assert len(outcome.violations) == 1 and name in outcome.violations[0][1]
    value = variables[name]
    assert not value or str(value) not in outcome.violations[0][1]


def test_secret_named_unknown_value_is_undecided_not_a_pass() -> None:
    outcome = run_resource(POLICY, function("preview", {"API_TOKEN": UNKNOWN}))
    assert outcome.violations == []
    assert [u.reason for u in outcome.undecided] == [
        "fn: environment variable API_TOKEN has a secret-like name and its value is not known"
    ]


@pytest.mark.parametrize(
    ("environment", "reason"),
    [(UNKNOWN, "environment is unknown"), ("KEY=value", "not an object"), ({"variables": ["A"]}, "not an object")],
)
def test_odd_shapes_are_undecided_with_the_reason(environment: Any, reason: str) -> None:
    outcome = run_resource(POLICY, function("update", {}, environment))
    assert outcome.violations == [] and reason in outcome.undecided[0].reason


def test_allow_patterns_config() -> None:
    token = "q8Zr2LxP0vN7mK4tY1wB6sD9fH3jU5eC"
    assert run_resource(POLICY, function("update", {"API_KEY": token})).violations
    assert not run_resource(POLICY, function("update", {"API_KEY": token}), {"allowPatterns": ["q8Zr.*"]}).violations
