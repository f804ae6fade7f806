"""The engine oracle's machinery: run one program through both engines with the recording pack, and compare what the
pack received and decided (used by tests/test_engine_oracle.py; runnable alone to print the differences:
`.venv/bin/python -m tests.engine_oracle golden preview`).

What is compared, per engine run (the recording pack's JSON lines, tests/fixtures/recording_pack):
- ConfigureStack: stack, project, organization, dry_run, config, secret keys, tags;
- Configure: every policy's enforcement level and properties (the engine's reconciliation of the policy config);
- Analyze, one per URN: type, name, properties (unknowns and secrets as the wire has them), options, provider (URN,
  type, name, properties); and the pack's answer (diagnostics, not-applicable reasons);
- AnalyzeStack, one entry per URN: type, name, properties, options, parent, dependencies, property dependencies,
  provider; and the pack's answer;
- the reports: passed, violations (policy, URN, level), not_run.

Differences the engines are allowed to have are not hidden here: each is named in EXPLAINED (with the reason in
docs/engine-fidelity.md, "What the offline engine reproduces") and the comparison reports which explanation
covered what, so an explanation that no longer matches anything is noticed too.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from automation.check import run_check
from automation.offline.engine import Mode
from automation.offline.report import Report
from automation.real_engine.check import run_real_check

RECORDING_PACK = Path(__file__).parent / "fixtures" / "recording_pack"
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"


@dataclass
class EngineRun:
    """One engine's run of one program: the report and the recorded analyzer calls."""

    report: Report
    calls: list[dict[str, Any]]

    def of(self, call: str) -> list[dict[str, Any]]:
        return [c for c in self.calls if c["call"] == call]


@dataclass(frozen=True)
class Case:
    """One program run: its directory, stack, mode and check options."""

    name: str
    program: Path
    stack: str
    mode: Mode
    policy_config: Path | None = None
    fixtures: Path | None = None
    config: tuple[tuple[str, str], ...] = ()


@contextmanager
def _recording(path: Path) -> Iterator[None]:
    previous = os.environ.get("NETKIT_RECORD_FILE")
    os.environ["NETKIT_RECORD_FILE"] = str(path)
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop("NETKIT_RECORD_FILE", None)
        else:
            os.environ["NETKIT_RECORD_FILE"] = previous


def _read(path: Path) -> list[dict[str, Any]]:
    if not path.is_file():
        return []
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def run_engine(engine: str, case: Case, scratch: Path) -> EngineRun:
    """Run `case` through one engine ("offline" or "pulumi") with the recording pack."""
    record = scratch / f"{case.name}-{case.mode}-{engine}.jsonl"
    record.unlink(missing_ok=True)
    runner: Callable[..., Report] = run_check if engine == "offline" else run_real_check
    with _recording(record):
        report = runner(
            case.program,
            case.stack,
            case.mode,
            policy_pack=RECORDING_PACK,
            policy_config=case.policy_config,
            config_overrides=dict(case.config),
            stack_named=True,
            fixtures=case.fixtures,
        )
    return EngineRun(report, _read(record))


# --- normalization: what both engines must agree on ---------------------------------------------------------------


def _number(value: Any) -> Any:
    """Numbers cross the protocol as doubles: 1 and 1.0 are the same value."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {k: _number(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_number(v) for v in value]
    return value


def _options(options: dict[str, Any]) -> dict[str, Any]:
    return _number({k: v for k, v in (options or {}).items()})


def _provider(provider: dict[str, Any] | None) -> dict[str, Any] | None:
    if not provider:
        return None
    return {
        "urn": provider.get("urn", ""),
        "type": provider.get("type", ""),
        "name": provider.get("name", ""),
        "properties": _number(provider.get("properties") or {}),
    }


def received(run: EngineRun) -> dict[str, Any]:
    """What the pack received, normalized to one comparable document."""
    stack = (run.of("ConfigureStack") or [{"request": {}}])[0]["request"]
    configure = (run.of("Configure") or [{"request": {}}])[0]["request"]
    analyze = {}
    for call in run.of("Analyze"):
        request = call["request"]
        analyze[request["urn"]] = {
            "type": request.get("type", ""),
            "name": request.get("name", ""),
            "properties": _number(request.get("properties") or {}),
            "options": _options(request.get("options") or {}),
            "provider": _provider(request.get("provider")),
        }
    stack_resources = {}
    for call in run.of("AnalyzeStack")[:1]:
        for entry in call["request"].get("resources") or []:
            stack_resources[entry["urn"]] = {
                "type": entry.get("type", ""),
                "name": entry.get("name", ""),
                "properties": _number(entry.get("properties") or {}),
                "options": _options(entry.get("options") or {}),
                "parent": entry.get("parent", ""),
                "dependencies": sorted(entry.get("dependencies") or []),
                "propertyDependencies": {
                    k: sorted((v or {}).get("urns") or []) for k, v in (entry.get("propertyDependencies") or {}).items()
                },
                "provider": _provider(entry.get("provider")),
            }
    return {
        "ConfigureStack": {
            "stack": stack.get("stack", ""),
            "project": stack.get("project", ""),
            "organization": stack.get("organization", ""),
            "dryRun": bool(stack.get("dryRun", False)),
            "config": stack.get("config") or {},
            "configSecretKeys": sorted(stack.get("configSecretKeys") or []),
            "tags": stack.get("tags") or {},
        },
        "Configure": _number(configure.get("policyConfig") or {}),
        "Analyze": analyze,
        "AnalyzeStack": stack_resources,
        "Remediate": sorted(c["request"]["urn"] for c in run.of("Remediate")),
    }


def decided(run: EngineRun) -> dict[str, Any]:
    """What the pack decided (its answers), and the report's verdict."""

    def answer(response: dict[str, Any] | None) -> dict[str, Any]:
        response = response or {}
        return {
            "diagnostics": sorted(
                (d.get("policyName", ""), d.get("urn", ""), d.get("enforcementLevel", ""), d.get("message", ""))
                for d in response.get("diagnostics") or []
            ),
            "notApplicable": sorted(
                (n.get("policyName", ""), n.get("reason", "")) for n in response.get("notApplicable") or []
            ),
        }

    report = run.report
    return {
        "Analyze": {c["request"]["urn"]: answer(c["response"]) for c in run.of("Analyze")},
        "AnalyzeStack": [answer(c["response"]) for c in run.of("AnalyzeStack")][:1],
        "report": {
            "passed": report.passed,
            "violations": sorted((v.policy, v.urn, v.enforcement) for v in report.violations),
            "not_run": sorted((n.policy, n.reason) for n in report.not_run),
        },
    }


# --- differences ----------------------------------------------------------------------------------------------------


@dataclass
class Difference:
    where: str  # a path into the normalized documents, e.g. Analyze/<urn>/properties/tagsAll
    offline: Any
    real: Any

    def __str__(self) -> str:
        return f"{self.where}: offline={_short(self.offline)} real={_short(self.real)}"


def _short(value: Any) -> str:
    text = json.dumps(value, sort_keys=True, default=str)
    return text if len(text) <= 300 else text[:297] + "..."


def differences(offline: Any, real: Any, where: str = "") -> list[Difference]:
    """Every leaf where the two documents differ (dicts by key, lists as wholes)."""
    if isinstance(offline, dict) and isinstance(real, dict):
        found: list[Difference] = []
        for key in sorted(set(offline) | set(real)):
            path = f"{where}/{key}" if where else str(key)
            if key not in offline:
                found.append(Difference(path, "<absent>", real[key]))
            elif key not in real:
                found.append(Difference(path, offline[key], "<absent>"))
            else:
                found.extend(differences(offline[key], real[key], path))
        return found
    return [] if offline == real else [Difference(where, offline, real)]


@dataclass
class Explanation:
    """A difference the engines are allowed to have, and why (the same words as docs/engine-fidelity.md)."""

    name: str
    reason: str
    matches: Callable[[Difference, Case, EngineRun, EngineRun], bool]  # (difference, case, offline, real)
    used: list[str] = field(default_factory=list)


def compare(offline: EngineRun, real: EngineRun, case: Case, explained: list[Explanation]) -> list[Difference]:
    """The differences no explanation covers (each explanation records what it covered)."""
    found = differences(received(offline), received(real), "received")
    found += differences(decided(offline), decided(real), "decided")
    unexplained = []
    for difference in found:
        explanation = next((e for e in explained if e.matches(difference, case, offline, real)), None)
        if explanation is None:
            unexplained.append(difference)
        else:
            explanation.used.append(f"{case.name}/{case.mode}: {difference.where}")
    return unexplained


if __name__ == "__main__":  # exploration: print every difference of one program
    from tests.test_engine_oracle import CASES, EXPLAINED

    wanted, mode = sys.argv[1], sys.argv[2]
    scratch = Path(os.environ.get("TMPDIR", "/tmp")) / "netkit-oracle"
    scratch.mkdir(exist_ok=True)
    for case in CASES:
        if case.name == wanted and case.mode == mode:
            first = run_engine("offline", case, scratch)
            second = run_engine("pulumi", case, scratch)
            for d in compare(first, second, case, EXPLAINED if "--all" not in sys.argv else []):
                print(d)
            for e in EXPLAINED:
                for u in e.used:
                    print("explained by", e.name, ":", u)
