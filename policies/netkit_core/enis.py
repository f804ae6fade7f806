"""Which network interfaces are Lambda's Hyperplane ENIs. Pure: shared by the Hyperplane-EIP provider, the
post-deploy checks and cleanup, which all read `describe_network_interfaces` answers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

LAMBDA_ENI_DESCRIPTION_PREFIX = "AWS Lambda VPC ENI"
LAMBDA_INTERFACE_TYPE = "lambda"


def is_lambda_eni(eni: Mapping[str, Any]) -> bool:
    """Lambda's ENIs carry interface type `lambda` and a description starting `AWS Lambda VPC ENI`."""
    description = str(eni.get("Description", ""))
    return eni.get("InterfaceType") == LAMBDA_INTERFACE_TYPE or description.startswith(LAMBDA_ENI_DESCRIPTION_PREFIX)
