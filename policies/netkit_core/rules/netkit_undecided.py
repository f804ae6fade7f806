"""`netkit-undecided`: reports, as its own violation on the resource concerned, each decision another rule could not
make, and why.

Why a policy: the Pulumi engine drops the reason of a policy that says "not applicable" (pkg/resource/analyzer/
summary.go, newPolicySummary, uses `NotApplicable` only to leave the policy out of "passed"; the CLI prints
nothing), so a rule that cannot decide on a first preview would pass silently. Advisory by default (a preview of a
brand-new stack may legitimately leave lookups unknown); mandatory in `policies/config/prod.json` (fail closed).
It reuses the outcomes of the same analysis (`netkit_core.analysis.StackAnalysis`): nothing is computed twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netkit_core.graph import Graph
from netkit_core.rule import Outcome, Rule


def _message(policy: str, target: str, reason: str, preview: bool) -> str:
    if target and reason.startswith(f"{target}: "):
        reason = reason[len(target) + 2 :]
    when = " during preview" if preview else ""
    return f"{policy} could not decide for {target or 'the stack'}{when}: {reason}"


def netkit_undecided(
    outcomes: Mapping[str, Outcome], graph: Graph, config: Mapping[str, Any], preview: bool
) -> Outcome:
    """One violation per (policy, resource, reason) that another enabled rule left undecided."""
    out = Outcome()
    seen: set[tuple[str, str, str]] = set()
    for policy in sorted(outcomes):
        for undecided in outcomes[policy].undecided:
            key = (policy, undecided.urn, undecided.reason)
            if key in seen:
                continue
            seen.add(key)
            res = graph.by_urn.get(undecided.urn)
            target = res.name if res is not None else ""
            out.violations.append((undecided.urn, _message(policy, target, undecided.reason, preview)))
    return out


RULE = Rule(
    name="netkit-undecided",
    description=(
        "Reports each decision another netkit policy could not make and why (the Pulumi CLI does not show the "
        "reasons of policies that were not applicable)."
    ),
    enforcement="advisory",
    severity="medium",
    remediation=(
        "Make the value known to the program (set the property, manage the resource in this stack, or add a "
        "fixture for the lookup), or suppress the policy on that resource with a reason."
    ),
    config_schema={},
    companion_check=netkit_undecided,
)
