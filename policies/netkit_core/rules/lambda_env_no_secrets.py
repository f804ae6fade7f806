"""`lambda-env-no-secrets`: No secret values in Lambda environment variables (they are readable by anyone who can read
the function's configuration); hold Secrets Manager ARNs or SSM names instead.

The judgement per variable is `netkit_core.secret_detection` (detect-secrets plus value shapes that cannot be a
credential, so `TOKEN_TTL_SECONDS=3600` never fires). A value the program marked secret is a finding even when it is
unknown; a secret-like name with an unknown value is undecided (never a silent pass). `environment` or `variables`
unknown as a whole is undecided; another shape (not an object) is undecided with the reason.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netkit_core import hidden
from netkit_core.graph import FUNCTION, Res, Undecidable, is_unknown
from netkit_core.rule import Outcome, Rule
from netkit_core.secret_detection import scan_environment, undecided_variables


def _variables(props: Mapping[str, Any]) -> Mapping[str, Any]:
    env = props.get("environment")
    if env is None:
        return {}
    if is_unknown(env):
        raise Undecidable("its environment is unknown")
    if not isinstance(env, Mapping):
        raise Undecidable("its environment is not an object")
    variables = env.get("variables")
    if variables is None:
        return {}
    if is_unknown(variables):
        raise Undecidable("its environment variables are unknown")
    if not isinstance(variables, Mapping):
        raise Undecidable("its environment variables are not an object")
    return variables


def _allow(config: Mapping[str, Any]) -> list[str]:
    patterns = config.get("allowPatterns")
    return [p for p in patterns if isinstance(p, str)] if isinstance(patterns, list | tuple) else []


def lambda_env_secrets(props: Mapping[str, Any], config: Mapping[str, Any]) -> list[str]:
    """The finding messages for one function's properties (names the variables, never a value)."""
    try:
        variables = _variables(props)
    except Undecidable:
        return []
    return [f.message() for f in scan_environment(variables, _allow(config))]


def check_function(fn: Res, config: Mapping[str, Any]) -> Outcome:
    out = Outcome()
    try:
        variables = _variables(fn.props)
    except Undecidable as exc:
        out.undecide(fn, f"{fn.name}: {exc}")
        return out
    for finding in scan_environment(variables, _allow(config)):
        out.fail(fn, finding.message())
    for name in undecided_variables(variables, is_unknown):
        out.undecide(fn, f"{fn.name}: environment variable {name} has a secret-like name and its value is not known")
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
        "Store the value in Secrets Manager (aws.secretsmanager.Secret) or SSM Parameter Store and put its ARN or "
        "name in the variable; the function reads the value at run time."
    ),
    # `format: regex`: the engine (gojsonschema) and the offline check refuse a pattern that does not compile.
    config_schema={"allowPatterns": {"type": "array", "items": {"type": "string", "format": "regex"}, "default": []}},
    resource_check=check_function,
    judges=(hidden.FUNCTION,),
    resource_types=(FUNCTION,),
)
