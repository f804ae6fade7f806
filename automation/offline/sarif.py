"""SARIF 2.1.0 for GitHub code scanning, for any repository that runs `netkit check`.

GitHub's rules (docs.github.com, "SARIF support for code scanning"): each result needs a `physicalLocation` with
an `artifactLocation.uri` relative to the repository root and a `region.startLine`; each rule an `id`,
`shortDescription`/`fullDescription` (<= 1024 characters), `help`, and for security ranking
`properties.security-severity` as a number in a string (over 9.0 critical, 7.0-8.9 high, 4.0-6.9 medium, 0.1-3.9
low) with the `security` tag. The URN is kept as a logical location. Suppressed findings are results with a
`suppressions` entry (GitHub shows them as dismissed); policies that could not decide are tool notifications.

What github/codeql-action's upload-sarif does with the file (src/upload-lib.ts, src/fingerprints.ts), and so what
this module writes:
- Locations: a URI outside the checkout is ignored ("outside of the src root"), so every location is a path
  relative to the repository: the first frame of the registration inside the repository (the user's call of a
  component, not the component's own line in site-packages: offline/shim/sources.py picks it), else the program's
  entry file.
- Fingerprints: the action computes `primaryLocationLineHash` from the text of the result's line only when the
  result has none, so two findings on one line (one component call creating two subnets) would get one hash and
  one alert. Each result carries its own, from (policy, URN), with an occurrence number when one policy reports
  one resource twice (as the action numbers identical line hashes). Not the line: moving code keeps the alert. The
  action logs a warning that its own line hash differs (codeql-action: "upload-sarif always warns when setting
  partialFingerprints"); GitHub's documentation asks tools to provide the fingerprints anyway.
- Category: the action sets `automationDetails.id` from the workflow's `category` input only when the run has
  none, and rejects two uploads of one job with the same id. So the run has none unless `--sarif-category` asks
  for one (for uploads without the action, e.g. the REST API).
- Level: the enforcement level the engine applied to the finding (mandatory: error; advisory: warning), and the
  rule's default level and `problem.severity` the level the policy config applied to the policy in this run.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import PurePosixPath
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
    """SARIF level of an enforcement level: mandatory fails the check (error); advisory and remediate report
    (warning); disabled reports nothing (none)."""
    return {"mandatory": "error", "advisory": "warning", "remediate": "warning"}.get(enforcement, "none")


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
    level = _level(meta.enforcement)
    rule["properties"]["problem.severity"] = "recommendation" if level == "none" else level
    if meta.url:
        rule["helpUri"] = meta.url
    return rule


def _stack_urn(report: Report) -> str:
    return next((r["urn"] for r in report.resources if r.get("type") == "pulumi:pulumi:Stack"), "")


def is_repository_path(path: str) -> bool:
    """A path GitHub resolves against the checkout: relative, POSIX, never climbing out of it."""
    if not path or "\\" in path or "://" in path or path.startswith("/"):
        return False
    return ".." not in PurePosixPath(path).parts


def _location(report: Report, urn: str) -> dict[str, Any]:
    source = report.source(urn)
    if source is None or not is_repository_path(source.file):
        entry = report.entry_point
        source = entry if entry is not None and is_repository_path(entry.file) else Source("Pulumi.yaml", 1)
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


def _finding_key(policy: str, urn: str) -> str:
    """Stable across line moves and edits elsewhere: the policy and the resource, not the position."""
    return hashlib.sha256(f"{policy}\x1f{urn}".encode()).hexdigest()[:32]


def _add_fingerprints(results: list[dict[str, Any]], keys: list[str]) -> None:
    """`primaryLocationLineHash` per result: its (policy, URN) key and the occurrence of that key, numbered in
    message order so that the numbering does not depend on the order the pack answered in."""
    seen: dict[str, int] = {}
    for i in sorted(range(len(results)), key=lambda i: (keys[i], results[i]["message"]["text"], i)):
        seen[keys[i]] = seen.get(keys[i], 0) + 1
        results[i]["partialFingerprints"] = {"primaryLocationLineHash": f"{keys[i]}:{seen[keys[i]]}"}


def sarif_document(
    report: Report, policy_descriptions: dict[str, str] | None = None, category: str | None = None
) -> dict[str, Any]:
    """The SARIF log of one check; `category` (`--sarif-category`) becomes `automationDetails.id`."""
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
                "properties": {"enforcement": metas[s.policy].enforcement},
                "suppressions": [{"kind": "external", "justification": s.reason or "suppressed"}],
            }
        )
    keys = [_finding_key(v.policy, v.urn) for v in report.violations]
    keys += [_finding_key(s.policy, s.urn) for s in report.suppressed]
    _add_fingerprints(results, keys)
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
    run: dict[str, Any] = {
        "tool": {"driver": driver},
        "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": notifications}],
        "results": results,
        "properties": {"stack": report.stack, "mode": report.mode, "passed": report.passed},
    }
    if category:
        run["automationDetails"] = {"id": category if category.endswith("/") else f"{category}/"}
    return {"$schema": SCHEMA_URI, "version": "2.1.0", "runs": [run]}


def render_sarif(report: Report, policy_descriptions: dict[str, str] | None = None, category: str | None = None) -> str:
    return json.dumps(sarif_document(report, policy_descriptions, category), indent=2)


def sarif_error_document(message: str, exit_code: int, tool_version: str = "") -> dict[str, Any]:
    """A SARIF log for a check that could not report: no results, and the error as a tool execution notification
    of an unsuccessful invocation (SARIF 2.1.0 section 3.20.21), which GitHub shows with the upload."""
    driver: dict[str, Any] = {"name": "lambda-netkit", "informationUri": INFORMATION_URI, "rules": []}
    if tool_version:
        driver["version"] = tool_version
        driver["semanticVersion"] = tool_version
    invocation = {
        "executionSuccessful": False,
        "exitCode": exit_code,
        "toolExecutionNotifications": [{"level": "error", "message": {"text": message}}],
    }
    return {
        "$schema": SCHEMA_URI,
        "version": "2.1.0",
        "runs": [{"tool": {"driver": driver}, "invocations": [invocation], "results": []}],
    }
