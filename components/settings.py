"""Per-environment intent (DESIGN.md section 2) read from stack config, validated before anything is built.

Pure: takes a plain mapping, so the same parsing is tested directly and used by `__main__.py` via pulumi.Config.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from netkit_core.capacity import PlanError

from .strategy import EgressStrategy, validate_egress_options

DEFAULTS: dict[str, Any] = {
    "environment": "dev",
    "egressStrategy": "nat-single",
    "natAllocationIds": [],
    "ipv6Egress": False,
    "dns64": False,
    "azCount": 2,
    "vpcCidr": "10.0.0.0/16",
    "interfaceEndpoints": [],
    "gatewayEndpoints": ["s3", "dynamodb"],
    "staticIngress": False,
    "reservedConcurrency": 10,
    "flowLogs": True,
    "hyperplaneAllowedEnvironments": ["dev"],
    "databasePort": 5432,
    "vendorApiUrl": "https://api.vendor.example.com/v1/orders",
    "certificateArn": "",
    "networkStack": "",
    "ephemeralExpiresAt": "",
    "ephemeralOwner": "",
}


@dataclass(frozen=True)
class StackSettings:
    environment: str
    egress_strategy: str
    nat_allocation_ids: list[str]
    ipv6_egress: bool
    dns64: bool
    az_count: int
    vpc_cidr: str
    interface_endpoints: list[str]
    gateway_endpoints: list[str]
    static_ingress: bool
    reserved_concurrency: int
    flow_logs: bool
    hyperplane_allowed_environments: list[str]
    database_port: int
    vendor_api_url: str
    certificate_arn: str
    network_stack: str
    tags: dict[str, str] = field(default_factory=dict)


def _as_bool(key: str, value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if str(value).lower() in ("true", "1", "yes"):
        return True
    if str(value).lower() in ("false", "0", "no", ""):
        return False
    raise PlanError(f"netkit:{key} is {value!r}; use true or false")


def _as_int(key: str, value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        raise PlanError(f"netkit:{key} is {value!r}; use a whole number") from None


def _as_list(key: str, value: Any) -> list[str]:
    if isinstance(value, str):
        value = [v.strip() for v in value.split(",") if v.strip()]
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise PlanError(f"netkit:{key} must be a list of strings")
    return list(value)


def parse_settings(raw: Mapping[str, Any], stack: str = "dev") -> StackSettings:
    """Merge stack config over defaults; the environment defaults to the stack name."""
    get: Callable[[str], Any] = lambda k: raw.get(k, DEFAULTS[k])  # noqa: E731
    environment = str(raw.get("environment", stack))
    settings = StackSettings(
        environment=environment,
        egress_strategy=str(get("egressStrategy")),
        nat_allocation_ids=_as_list("natAllocationIds", get("natAllocationIds")),
        ipv6_egress=_as_bool("ipv6Egress", get("ipv6Egress")),
        dns64=_as_bool("dns64", get("dns64")),
        az_count=_as_int("azCount", get("azCount")),
        vpc_cidr=str(get("vpcCidr")),
        interface_endpoints=_as_list("interfaceEndpoints", get("interfaceEndpoints")),
        gateway_endpoints=_as_list("gatewayEndpoints", get("gatewayEndpoints")),
        static_ingress=_as_bool("staticIngress", get("staticIngress")),
        reserved_concurrency=_as_int("reservedConcurrency", get("reservedConcurrency")),
        flow_logs=_as_bool("flowLogs", get("flowLogs")),
        hyperplane_allowed_environments=_as_list("hyperplaneAllowedEnvironments", get("hyperplaneAllowedEnvironments")),
        database_port=_as_int("databasePort", get("databasePort")),
        vendor_api_url=str(get("vendorApiUrl")),
        certificate_arn=str(get("certificateArn")),
        network_stack=str(get("networkStack")),
        tags={"netkit:environment": environment, "netkit:stack": stack, "managed-by": "lambda-netkit"},
    )
    if raw.get("ephemeralExpiresAt"):
        # Stamped by `automation ephemeral create`: lets `automation aws cleanup` find what a failed run left.
        settings.tags.update(
            {
                "netkit:ephemeral": stack,
                "netkit:expires-at": str(raw["ephemeralExpiresAt"]),
                "netkit:owner": str(raw.get("ephemeralOwner", "")),
            }
        )
    if settings.az_count < 1:
        raise PlanError(f"netkit:azCount is {settings.az_count}; use at least 1 (2 or more in staging and prod)")
    if not 1 <= settings.database_port <= 65535:
        raise PlanError(f"netkit:databasePort {settings.database_port} is not a TCP port")
    validate_egress_options(
        EgressStrategy.parse(settings.egress_strategy),
        settings.az_count,
        ipv6=settings.ipv6_egress,
        dns64=settings.dns64,
        allocation_ids=settings.nat_allocation_ids,
    )
    return settings
