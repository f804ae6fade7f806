"""Availability zones as an update's state may truthfully hold them (issue 17), for both engines.

Which AZ id (`use1-az1`) an AZ name (`us-east-1a`) maps to differs in every account, and AWS picks the AZ of a
subnet the program places in neither form. A made-up mapping let a policy report a cross-AZ NAT as fact, so the
offline engines never invent one: the state keeps the form the program gave, and the other form only comes from the
fixtures file's getAvailabilityZones answer (`names` and `zoneIds`). `planned_state.update_outputs` applies this to
every Create; the in-process engine's shim (through `offline/shim/lookups.py`) and the offline provider pass the
mapping they read from the fixtures.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

ZONES_TOKEN = "aws:index/getAvailabilityZones:getAvailabilityZones"
ZONE_KEYS = ("availabilityZone", "availabilityZoneId")


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


def settle_zones(inputs: dict[str, Any], outputs: dict[str, Any], mapping: Mapping[str, str]) -> dict[str, Any]:
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
