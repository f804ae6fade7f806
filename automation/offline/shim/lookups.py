"""Provider functions offline: facts about the account and region, pure computations, and lookups of existing
infrastructure answered from the fixtures file (DESIGN.md section 3). Pure stdlib; runs in the program's interpreter.
"""

from __future__ import annotations

import json
from typing import Any

ACCOUNT_ID = "123456789012"
PARTITION = "aws"
ZONES_TOKEN = "aws:index/getAvailabilityZones:getAvailabilityZones"
ZONE_KEYS = ("availabilityZone", "availabilityZoneId")


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


def zone_mapping(invokes: list[dict[str, Any]], region: str) -> dict[str, str]:
    """The account's AZ name -> id mapping, from a fixtures entry for getAvailabilityZones that gives `names` and
    `zoneIds` (same order, same length) for this region (an entry whose args name another region is skipped);
    {} when the fixtures give none: then nothing is invented."""
    for entry in invokes:
        if entry.get("token") != ZONES_TOKEN:
            continue
        args = entry.get("args") or {}
        if isinstance(args, dict) and args.get("region") not in (None, region):
            continue
        result = entry.get("result") or {}
        names, ids = result.get("names"), result.get("zoneIds")
        if isinstance(names, list) and isinstance(ids, list) and len(names) == len(ids):
            mapping = {str(n): str(i) for n, i in zip(names, ids, strict=True)}
            if all(name.startswith(region) for name in mapping):
                return mapping
    return {}


def settle_zones(inputs: dict[str, Any], outputs: dict[str, Any], mapping: dict[str, str]) -> dict[str, Any]:
    """An update's outputs with only the AZ values the engine can truthfully give: the form the program set
    (`availability_zone` or `availability_zone_id`), the other form only from the fixtures' `mapping`; a form it
    would have to invent (the account's mapping, or the AZ AWS picks when the program sets neither) is left out,
    so a policy sees it as not given instead of deciding on a guess. Other outputs are returned as they are."""
    settled = dict(outputs)
    given = {key: inputs.get(key) for key in ZONE_KEYS if isinstance(inputs.get(key), str) and inputs.get(key)}
    for key in ZONE_KEYS:
        if key in settled and key not in given:
            del settled[key]
    name, zone_id = given.get("availabilityZone"), given.get("availabilityZoneId")
    if name and not zone_id and name in mapping:
        settled["availabilityZoneId"] = mapping[name]
    if zone_id and not name:
        for known_name, known_id in mapping.items():
            if known_id == zone_id:
                settled["availabilityZone"] = known_name
    return settled


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
