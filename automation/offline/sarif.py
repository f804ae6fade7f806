"""SARIF 2.1.0 for GitHub code scanning.

GitHub's rules (docs.github.com, "SARIF support for code scanning"): each result needs a `physicalLocation` with
an `artifactLocation.uri` relative to the repository root and a `region.startLine`; each rule an `id`,
`shortDescription`/`fullDescription` (<= 1024 characters), `help`, and for security ranking
`properties.security-severity` as a number in a string (over 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9
low) with the `security` tag; `runAutomationDetails.id` keeps uploads of different stacks apart. The URN is kept as
a logical location. Suppressed findings are results with a `suppressions` entry (GitHub shows them as dismissed);
policies that could not decide are tool notifications.
"""

from __future__ import annotations

import hashlib
from typing import Any

from .analyzer import PolicyMeta
from .report import Report, Source

SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/lambda-netkit/lambda-netkit"
SECURITY_SEVERITY = {"critical": "9.5", "high": "8.0", "medium": "5.5", "low": "2.0"}
_LIMIT = 1024


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _LIMIT else text[: _LIMIT - 3] + "..."


def _level(enforcement: str) -> str:
    return "error" if enforcement == "mandatory" else "warning"


def sarif_rule(meta: PolicyMeta) -> dict[str, Any]:
    description = meta.description or meta.name
    help_text = meta.remediation or description
    rule: dict[str, Any] = {
        "id": meta.name,
        "name": "".join(part.capitalize() for part in meta.name.split("-")),
        "shortDescription": {"text": _short(meta.display_name or description.split(". ")[0])},
        "fullDescription": {"text": _short(description)},
        "help": {"text": help_text, "markdown": f"**{meta.name}**: {description}\n\nFix: {help_text}"},
        "defaultConfiguration": {"level": _level(meta.enforcement)},
        "properties": {
            "tags": ["security", "pulumi", "networking", "lambda"],
            "precision": "high",
            "enforcement": meta.enforcement,
        },
    }
    # A policy without a declared severity ranks by its enforcement (mandatory = high, else medium).
    severity = meta.severity or ("high" if meta.enforcement == "mandatory" else "medium")
    rule["properties"]["security-severity"] = SECURITY_SEVERITY.get(severity, SECURITY_SEVERITY["medium"])
    rule["properties"]["problem.severity"] = "error" if severity in ("high", "critical") else "warning"
    if meta.url:
        rule["helpUri"] = meta.url
    return rule


def _stack_urn(report: Report) -> str:
    return next((r["urn"] for r in report.resources if r.get("type") == "pulumi:pulumi:Stack"), "")


def _location(report: Report, urn: str) -> dict[str, Any]:
    source = report.source(urn) or report.entry_point or Source("Pulumi.yaml", 1)
    target = urn or _stack_urn(report)
    logical: dict[str, Any] = {
        "name": report.name_of(urn),
        "kind": "resource" if urn and not report.is_stack(urn) else "module",
    }
    if target:
        logical["fullyQualifiedName"] = target
    return {
        "physicalLocation": {
            "artifactLocation": {"uri": source.file},
            "region": {"startLine": max(1, source.line)},
        },
        "logicalLocations": [logical],
    }


def _fingerprint(*parts: str) -> str:
    """Stable across line moves: the policy and the resource, not the position."""
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def sarif_document(report: Report, policy_descriptions: dict[str, str] | None = None) -> dict[str, Any]:
    metas = {m.name: m for m in report.rules}
    for name in sorted({v.policy for v in report.violations} | {s.policy for s in report.suppressed}):
        if name not in metas:  # a policy the pack did not describe (should not happen): still a described rule
            text = (policy_descriptions or {}).get(name, name)
            metas[name] = PolicyMeta(name, text, "advisory")
    ordered = sorted(metas)
    index = {name: i for i, name in enumerate(ordered)}
    results: list[dict[str, Any]] = []
    for v in report.violations:
        results.append(
            {
                "ruleId": v.policy,
                "ruleIndex": index[v.policy],
                "level": _level(v.enforcement),
                "message": {"text": v.message or v.policy},
                "locations": [_location(report, v.urn)],
                "partialFingerprints": {"netkitFinding/v1": _fingerprint(v.policy, v.urn, v.message)},
                "properties": {"enforcement": v.enforcement},
            }
        )
    for s in report.suppressed:
        results.append(
            {
                "ruleId": s.policy,
                "ruleIndex": index[s.policy],
                "level": _level(metas[s.policy].enforcement),
                "message": {"text": s.message or s.policy},
                "locations": [_location(report, s.urn)],
                "partialFingerprints": {"netkitFinding/v1": _fingerprint(s.policy, s.urn, s.message)},
                "suppressions": [{"kind": "external", "justification": s.reason or "suppressed"}],
            }
        )
    notifications = [
        {
            "level": "note",
            "message": {"text": f"{n.policy} could not decide: {n.reason}"},
            "descriptor": {"id": n.policy},
        }
        for n in report.not_run
    ] + [{"level": "warning", "message": {"text": w}} for w in report.warnings]
    driver: dict[str, Any] = {
        "name": "lambda-netkit",
        "informationUri": INFORMATION_URI,
        "rules": [sarif_rule(metas[name]) for name in ordered],
    }
    if report.tool_version:
        driver["version"] = report.tool_version
        driver["semanticVersion"] = report.tool_version
    if report.pack_name:
        driver["properties"] = {"policyPack": report.pack_name, "policyPackVersion": report.pack_version}
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {"driver": driver},
                "automationDetails": {"id": f"lambda-netkit/{report.stack}/"},
                "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": notifications}],
                "results": results,
                "properties": {"stack": report.stack, "mode": report.mode, "passed": report.passed},
            }
        ],
    }
