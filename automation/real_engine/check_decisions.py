"""The policy pack's decisions under the real CLI, in the structures the offline check reports.

- Violations: the engine's policy events (what the CLI prints and judges the run by). pkg/engine/events.go
  policyViolationEvent writes the pack's message between color directives and a newline; the URN is the analyzed
  resource for a resource policy, and for a stack policy the diagnostic's URN when it names a resource of the stack,
  else the root stack (pkg/resource/deploy/step_generator.go analyzeAll / AnalyzeResources,
  analyze_snapshot.go resolveStackPolicyViolationURN).
- not_run and suppressed: the pack's own answers as the engine logged them (check_log.py), parsed exactly as the
  offline check parses them (offline/analyzer.py Collector): pulumi-policy's "can't run policy ... during
  preview" diagnostics and the pack's not-applicable reason lines, which the engine never shows.
- Rules, enforcement levels and policy properties: GetAnalyzerInfo's answer and the Configure request the engine
  sent (its own reconciliation of the policy config, pkg/resource/analyzer/config.go).
- What each resource was (inputs from `Analyze`, outputs, parents and dependencies from `AnalyzeStack`, where the
  program declared it from the monitor's registrations), for the report's resources, capacity and cost.
"""

from __future__ import annotations

import re
import urllib.parse
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from google.protobuf import json_format, struct_pb2

from ..offline.analyzer import (
    AnalysisResult,
    Collector,
    Violation,
    cannot_run_reason,
    policy_metas,
    strip_description,
)
from ..offline.engine import RecordedResource
from ..offline.policy_config import LEVEL_NAMES, PolicyConfigEntry, PolicyConfigError, reconcile
from ..offline.protos import analyzer_pb2
from .check_log import EngineLog

_COLOR = re.compile(r"<\{%[^%]*%\}>")  # sdk/go/common/diag/colors: <{%reset%}>, <{%fg 7%}>, ...
STACK_TYPE = "pulumi:pulumi:Stack"


@dataclass(frozen=True)
class PolicyEventView:
    """The fields of an engine `PolicyEvent` the report needs (so this module does not depend on how it arrived)."""

    policy: str
    enforcement: str
    urn: str
    message: str


@dataclass
class EngineDecisions:
    result: AnalysisResult
    properties: dict[str, dict[str, Any]] = field(default_factory=dict)  # policy -> configured properties
    resources: list[RecordedResource] = field(default_factory=list)  # in registration order, reads included
    analyzed: bool = False  # AnalyzeStack ran (an update stopped by a mandatory violation never gets there)


def plain_message(colored: str) -> str:
    """An event's message without the CLI's color directives and the trailing newline."""
    return _COLOR.sub("", colored).rstrip("\n")


def _message(cls: Any, data: Mapping[str, Any] | None) -> Any:
    message = cls()
    if data:
        json_format.ParseDict(data, message, ignore_unknown_fields=True)
    return message


def _struct(data: Any) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    if isinstance(data, dict):
        message.update(data)
    return message


def _source(request: Mapping[str, Any]) -> tuple[str, int]:
    position = request.get("sourcePosition") or {}
    uri = str(position.get("uri") or "")
    path = urllib.parse.unquote(urllib.parse.urlparse(uri).path) if uri else ""
    return path, int(position.get("line") or 0)


def _resources(log: EngineLog) -> tuple[list[RecordedResource], bool]:
    """Every resource the engine stepped, in registration order: inputs and provider from `Analyze`, outputs and
    relations from `AnalyzeStack`, source positions and reads from the monitor."""
    order: dict[str, int] = {}
    sources: dict[str, tuple[str, int]] = {}
    reads: set[str] = set()
    for registration in log.registrations:
        urn = str((registration.response or {}).get("urn") or "")
        if not urn:
            continue
        order.setdefault(urn, len(order))
        sources[urn] = _source(registration.request)
        if registration.method == "ReadResource":
            reads.add(urn)
    analyzed: dict[str, dict[str, Any]] = {}
    for call in log.calls("Analyze"):
        urn = str(call.request.get("urn") or "")
        analyzed.setdefault(urn, call.request)
        order.setdefault(urn, len(order))
    stack_call = log.first("AnalyzeStack")
    final: dict[str, dict[str, Any]] = {}
    for entry in (stack_call.request.get("resources") or []) if stack_call else []:
        urn = str(entry.get("urn") or "")
        final[urn] = entry
        order.setdefault(urn, len(order))
    resources: list[RecordedResource] = []
    for urn in sorted(order, key=order.__getitem__):
        first = analyzed.get(urn) or {}
        last = final.get(urn) or {}
        both = {**first, **last}
        options = both.get("options") or {}
        provider = (last.get("provider") or first.get("provider") or {}).get("urn", "")
        source_file, source_line = sources.get(urn, ("", 0))
        resources.append(
            RecordedResource(
                urn=urn,
                type=str(both.get("type") or ""),
                name=str(both.get("name") or urn.rsplit("::", 1)[-1]),
                custom=str(both.get("type") or "") != STACK_TYPE,
                parent=str(last.get("parent") or options.get("parent") or ""),
                provider=str(provider),
                dependencies=[str(u) for u in last.get("dependencies") or []],
                property_dependencies={
                    str(k): [str(u) for u in (v or {}).get("urns") or []]
                    for k, v in (last.get("propertyDependencies") or {}).items()
                },
                inputs=_struct(first.get("properties")),
                outputs=_struct(last.get("properties")),
                source_file=source_file,
                source_line=source_line,
                read=urn in reads,
            )
        )
    return resources, stack_call is not None


def _violations(
    events: Iterable[PolicyEventView], descriptions: Mapping[str, str], order: Mapping[str, int]
) -> list[Violation]:
    found: list[Violation] = []
    for event in events:
        message = plain_message(event.message)
        if cannot_run_reason(message) is not None:
            continue  # not run, not a violation: the pack's logged answer lists it (as the offline check does)
        level = event.enforcement if event.enforcement in ("advisory", "mandatory") else "advisory"
        found.append(
            Violation(
                policy=event.policy,
                enforcement=level,
                urn=event.urn,
                message=strip_description(message, descriptions.get(event.policy, "")),
            )
        )
    unique = list(dict.fromkeys(found))
    return sorted(unique, key=lambda v: (order.get(v.urn, len(order)), v.urn, v.policy, v.message))


def engine_decisions(
    log: EngineLog, events: Iterable[PolicyEventView], user_config: Mapping[str, PolicyConfigEntry] | None = None
) -> EngineDecisions:
    """The report's decisions of one engine run (see the module docstring for where each part comes from).
    `user_config` (the policy config file's entries) gives the offline check's warnings about it (names the pack
    does not have); the engine itself accepted it, or the run would have failed."""
    info_call = log.first("GetAnalyzerInfo")
    info = _message(analyzer_pb2.AnalyzerInfo, info_call.response if info_call else None)
    configure = log.first("Configure")
    request = _message(analyzer_pb2.ConfigureAnalyzerRequest, configure.request if configure else None)
    known = {p.name for p in info.policies}
    levels: dict[str, str] = {}
    properties: dict[str, dict[str, Any]] = {}
    for name in sorted(known):
        if name in request.policyConfig:
            entry = request.policyConfig[name]
            levels[name] = LEVEL_NAMES.get(entry.enforcementLevel, "advisory")
            properties[name] = json_format.MessageToDict(entry.properties)
    collector = Collector()
    for call in log.calls("Analyze"):
        collector.add(_message(analyzer_pb2.AnalyzeResponse, call.response), str(call.request.get("urn") or ""))
    for call in log.calls("AnalyzeStack"):
        collector.add(_message(analyzer_pb2.AnalyzeResponse, call.response), "")
    resources, analyzed = _resources(log)
    order = {r.urn: index for index, r in enumerate(resources)}
    descriptions = {p.name: p.description for p in info.policies}
    warnings: list[str] = []
    if user_config and info_call is not None:
        try:
            warnings = reconcile(info, user_config).warnings
        except PolicyConfigError:
            warnings = []
    result = AnalysisResult(
        pack_name=info.name,
        pack_version=info.version,
        policies=levels,
        violations=_violations(events, descriptions, order),
        not_run=sorted(collector.not_run.values(), key=lambda n: (n.policy, n.reason)),
        suppressed=sorted(
            collector.suppressed.values(), key=lambda s: (order.get(s.urn, len(order)), s.policy, s.message)
        ),
        rules=policy_metas(info, levels),
        warnings=warnings,
    )
    return EngineDecisions(result=result, properties=properties, resources=resources, analyzed=analyzed)
