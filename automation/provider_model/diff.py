"""Diff: what changes between a resource's state and its new checked inputs, and whether a change replaces it.

Modelled on pulumi/pulumi-terraform-bridge pkg/tfbridge/provider.go `Diff`: a property whose new value differs from
the old state (an unknown new value counts as a change) is in `diffs` and in the detailed diff; a change of a
`ForceNew` attribute (schema.FORCE_NEW) is a replacement (`*_REPLACE` kinds, listed in `replaces`); unchanged
`ForceNew` attributes are `stables`; `deleteBeforeReplace` stays false (pulumi-aws sets it on a few resources this
model does not cover). Computed outputs the program never set are not compared (a provider keeps them).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .schema import FORCE_NEW, replaces_on_change
from .wire import contains_unknowns, unwrap_secrets

ADD, ADD_REPLACE, DELETE, DELETE_REPLACE, UPDATE, UPDATE_REPLACE = range(6)  # pulumirpc.PropertyDiff.Kind


@dataclass
class DiffResult:
    changed: bool
    diffs: list[str] = field(default_factory=list)
    replaces: list[str] = field(default_factory=list)
    stables: list[str] = field(default_factory=list)
    detailed: dict[str, int] = field(default_factory=dict)  # property -> PropertyDiff kind
    delete_before_replace: bool = False


def _same(old: Any, new: Any) -> bool:
    if contains_unknowns(new):
        return False
    return bool(unwrap_secrets(old) == unwrap_secrets(new))


def diff(
    type_token: str,
    olds: Mapping[str, Any],
    news: Mapping[str, Any],
    old_inputs: Mapping[str, Any] | None = None,
    ignore_changes: list[str] | None = None,
) -> DiffResult:
    """Compare the old state `olds` (with `old_inputs`, the inputs it was created from) with the new checked inputs
    `news`; `ignore_changes` are top-level property names the program asked to ignore."""
    ignored = set(ignore_changes or [])
    # Removed inputs are found in the old inputs (the engine sends them: ConfigureRequest.sends_old_inputs); the
    # state alone cannot tell a removed input from a computed output.
    before = dict(old_inputs) if old_inputs is not None else {}
    detailed: dict[str, int] = {}
    for prop, new in news.items():
        if prop.startswith("__") or prop in ignored:
            continue
        if prop == "id":
            continue
        if prop not in olds and prop not in before:
            kind = ADD
        elif _same(olds.get(prop, before.get(prop)), new):
            continue
        else:
            kind = UPDATE
        if replaces_on_change(type_token, prop):
            kind = ADD_REPLACE if kind == ADD else UPDATE_REPLACE
        detailed[prop] = kind
    for prop in before:
        if prop.startswith("__") or prop in ignored or prop in news:
            continue
        detailed[prop] = DELETE_REPLACE if replaces_on_change(type_token, prop) else DELETE
    replaces = sorted(p for p, k in detailed.items() if k in (ADD_REPLACE, UPDATE_REPLACE, DELETE_REPLACE))
    stables = sorted(p for p in FORCE_NEW.get(type_token, frozenset()) if p not in replaces)
    return DiffResult(
        changed=bool(detailed),
        diffs=sorted(detailed),
        replaces=replaces,
        stables=stables,
        detailed=detailed,
    )
