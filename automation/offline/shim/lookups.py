"""Provider functions offline: facts about the account and region, pure computations, and lookups of existing
infrastructure answered from the fixtures file (DESIGN.md section 3). Pure stdlib; runs in the program's interpreter.
"""

from __future__ import annotations

import json
from typing import Any

ACCOUNT_ID = "123456789012"
PARTITION = "aws"


def facts(token: str, region: str, zone_prefix: str) -> dict[str, Any] | None:
    """Answers that do not depend on existing infrastructure (account, region, partition, AZs); `zone_prefix`
    shapes the zone ids (`use1` -> use1-az1)."""
    if token == "aws:index/getRegion:getRegion":
        return {
            "id": region,
            "name": region,
            "region": region,
            "endpoint": f"ec2.{region}.amazonaws.com",
            "description": region,
        }
    if token == "aws:index/getAvailabilityZones:getAvailabilityZones":
        return {
            "id": region,
            "names": [f"{region}{suffix}" for suffix in "abc"],
            "zoneIds": [f"{zone_prefix}-az{i + 1}" for i in range(3)],
            "groupNames": [region] * 3,
            "state": "available",
        }
    if token == "aws:index/getCallerIdentity:getCallerIdentity":
        return {
            "id": ACCOUNT_ID,
            "accountId": ACCOUNT_ID,
            "userId": "AIDAOFFLINECHECK",
            "arn": f"arn:{PARTITION}:iam::{ACCOUNT_ID}:user/offline-check",
        }
    if token == "aws:index/getPartition:getPartition":
        return {
            "id": PARTITION,
            "partition": PARTITION,
            "dnsSuffix": "amazonaws.com",
            "reverseDnsPrefix": "com.amazonaws",
        }
    return None


def parse_arn(arn: str) -> dict[str, Any]:
    """`aws:index/getArn:getArn`: the parts of an ARN (pure)."""
    parts = arn.split(":", 5)
    if len(parts) < 6 or parts[0] != "arn":
        raise ValueError(f"{arn!r} is not an ARN")
    return {
        "arn": arn,
        "id": arn,
        "partition": parts[1],
        "service": parts[2],
        "region": parts[3],
        "account": parts[4],
        "resource": parts[5],
    }


def service_principal(args: dict[str, Any], region: str) -> dict[str, Any]:
    """`aws:index/getServicePrincipal:getServicePrincipal`: `<service>.amazonaws.com` in the commercial partition."""
    service = str(args.get("serviceName", ""))
    where = str(args.get("region") or region)
    name = f"{service}.amazonaws.com"
    return {
        "id": f"{service}.{where}",
        "name": name,
        "region": where,
        "serviceName": service,
        "suffix": "amazonaws.com",
    }


def _subset(expected: Any, actual: Any) -> bool:
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(k in actual and _subset(v, actual[k]) for k, v in expected.items())
    if isinstance(expected, list):
        return isinstance(actual, list) and len(expected) == len(actual) and all(map(_subset, expected, actual))
    return bool(expected == actual)


def match_fixture(invokes: list[dict[str, Any]], token: str, args: dict[str, Any]) -> dict[str, Any] | None:
    """The result of the first fixture entry for `token` whose `args` are a subset of the call's arguments."""
    for entry in invokes:
        if entry.get("token") == token and _subset(entry.get("args") or {}, args):
            result = entry.get("result")
            return dict(result) if isinstance(result, dict) else {}
    return None


def fixture_hint(token: str, args: dict[str, Any], result_fields: list[str]) -> str:
    """The YAML fixture entry a user adds to answer this lookup (values to fill in)."""
    shown = {k: v for k, v in args.items() if v is not None}
    fields = result_fields or ["id"]
    lines = [
        "invokes:",
        f"  - token: {token}",
        f"    args: {json.dumps(shown, sort_keys=True)}",
        "    result:",
        *(f"      {field}: ...  # fill in" for field in fields),
    ]
    return "\n".join(lines)


def stack_reference_hint(name: str) -> str:
    return "\n".join(["stackReferences:", f"  {name}:", "    <output name>: ...  # fill in"])
