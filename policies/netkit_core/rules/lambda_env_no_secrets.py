"""`lambda-env-no-secrets`: No secret values in Lambda environment variables (they are readable by anyone who can read
the function's configuration); hold Secrets Manager ARNs or SSM names instead."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netkit_core.graph import (
    FUNCTION,
    Res,
    is_unknown,
)
from netkit_core.rule import Outcome, Rule
from netkit_core.secret_detection import scan_environment


def lambda_env_secrets(props: Mapping[str, Any], config: Mapping[str, Any]) -> list[str]:
    env = props.get("environment")
    variables = env.get("variables") if isinstance(env, dict) else None
    if not isinstance(variables, dict):
        return []
    known = {k: v for k, v in variables.items() if isinstance(v, str) and not is_unknown(v)}
    return [f.message() for f in scan_environment(known, config.get("allowPatterns", []))]


def check_function(fn: Res, config: Mapping[str, Any]) -> Outcome:
    out = Outcome()
    for message in lambda_env_secrets(fn.props, config):
        out.fail(fn, message)
    return out


RULE = Rule(
    name="lambda-env-no-secrets",
    description=(
        "No secret values in Lambda environment variables (they are readable by anyone who can read the "
        "function's configuration); hold Secrets Manager ARNs or SSM names instead."
    ),
    enforcement="mandatory",
    severity="critical",
    remediation=(
        "Store the value in Secrets Manager or SSM Parameter Store and pass VpcFunctionArgs.secrets={'VAR': "
        "SecretRef('secretsmanager', secret.arn)}."
    ),
    config_schema={"allowPatterns": {"type": "array", "items": {"type": "string"}, "default": []}},
    resource_check=check_function,
    resource_types=(FUNCTION,),
)
