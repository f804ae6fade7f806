"""Provider functions offline: facts about the account and region, pure computations, and lookups of existing
infrastructure answered from the fixtures file (DESIGN.md section 3). Pure stdlib; runs in the program's interpreter.
"""

from __future__ import annotations

import importlib
import json
from typing import TYPE_CHECKING, Any

ACCOUNT_ID = "123456789012"
PARTITION = "aws"

# zone_mapping and settle_zones live in the provider model (provider_model/zones.py), so the offline provider and
# both engines share them; re-exported here for this module's callers. Imported relative to this package (as
# `automation` or the wheel's `lambda_netkit.automation`), or, when the engine shim has loaded this file by path inside
# the program's interpreter (no package), from the private copy of the model the shim loaded first (shim/run.py
# `_load_model`), so the program can still import none of our modules.
if TYPE_CHECKING:
    from automation.provider_model.zones import ZONE_KEYS as ZONE_KEYS
    from automation.provider_model.zones import ZONES_TOKEN as ZONES_TOKEN
    from automation.provider_model.zones import settle_zones as settle_zones
    from automation.provider_model.zones import zone_mapping as zone_mapping
else:
    _zones = importlib.import_module(
        "...provider_model.zones" if __package__ else "_netkit_provider_model.zones", __package__ or None
    )
    ZONES_TOKEN, ZONE_KEYS = _zones.ZONES_TOKEN, _zones.ZONE_KEYS
    zone_mapping, settle_zones = _zones.zone_mapping, _zones.settle_zones


def facts(token: str, region: str, zone_prefix: str) -> dict[str, Any] | None:
    """Answers that do not depend on existing infrastructure (account, region, partition, AZ names).

    The AZ ids are not a fact: which id (`use1-az1`) a name (`us-east-1a`) maps to differs in every account, and
    a made-up mapping let a policy report a cross-AZ NAT as fact (issue 17). So `zoneIds` is left out (None to the
    program) unless the fixtures file answers getAvailabilityZones, which callers consult first (`zone_mapping`
    reads the same entry for resource outputs). `zone_prefix` is kept for callers; it no longer shapes an answer."""
    if token == "aws:index/getRegion:getRegion":
        return {
            "id": region,
            "name": region,
            "region": region,
            "endpoint": f"ec2.{region}.amazonaws.com",
            "description": region,
        }
    if token == ZONES_TOKEN:
        return {
            "id": region,
            "names": [f"{region}{suffix}" for suffix in "abc"],
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
