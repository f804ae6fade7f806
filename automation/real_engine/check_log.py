"""What the real Pulumi engine sent the policy pack and what the pack answered, read from the engine's own gRPC log.

Why the log: the CLI's events carry the violations, but not what a policy could not decide (the engine keeps a
not-applicable reason only to leave the policy out of "passed": pkg/resource/analyzer/summary.go newPolicySummary),
nor the pack's metadata, nor the inputs and planned outputs the report's capacity and cost tables are built from.
With `PULUMI_DEBUG_GRPC=<file>` the engine appends every gRPC call it makes to a plugin, and every call its resource
monitor serves, to that file as JSON lines (sdk/go/pulumi-internal/rpcdebug/interceptors.go: `method`, `metadata`,
`request`, `response`, `progress`; messages in protojson; a unary call is logged once when sent, once more with its
response when `progress` is `response_completed`). Analyzer calls carry `metadata.kind == "analyzer"`
(pkg/resource/plugin/analyzer_plugin.go analyzerPluginDialOptions), the resource monitor's `metadata.mode ==
"server"` (pkg/resource/deploy/source_eval.go sourceEvalServeOptions).

The file holds every value the program and the provider handled, secrets in plain text: it lives in the check's
private scratch directory (created 0700, the engine writes it 0600) and is deleted with it; nothing here prints a
value.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ANALYZER_SERVICE = "/pulumirpc.Analyzer/"
MONITOR_REGISTER = "/pulumirpc.ResourceMonitor/RegisterResource"
MONITOR_READ = "/pulumirpc.ResourceMonitor/ReadResource"
COMPLETED = "response_completed"


@dataclass
class Exchange:
    """One completed gRPC call: the method's short name, its request and response as protojson dicts."""

    method: str
    request: dict[str, Any]
    response: dict[str, Any] | None
    errors: list[str] = field(default_factory=list)


@dataclass
class EngineLog:
    """The analyzer calls (in the order the engine completed them) and the monitor's registrations."""

    analyzer: list[Exchange] = field(default_factory=list)
    registrations: list[Exchange] = field(default_factory=list)

    def calls(self, method: str) -> list[Exchange]:
        return [e for e in self.analyzer if e.method == method]

    def first(self, method: str) -> Exchange | None:
        return next((e for e in self.analyzer if e.method == method), None)


def _lines(path: Path) -> Iterator[dict[str, Any]]:
    try:
        handle = path.open(encoding="utf-8", errors="replace")
    except FileNotFoundError:
        return
    with handle:
        for line in handle:
            if not line.strip():
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                continue  # a line cut short by a killed engine
            if isinstance(entry, dict):
                yield entry


def read_engine_log(path: Path) -> EngineLog:
    """The completed analyzer calls and resource registrations of one engine run."""
    log = EngineLog()
    for entry in _lines(path):
        method = str(entry.get("method") or "")
        metadata = entry.get("metadata") or {}
        if not isinstance(metadata, dict) or entry.get("progress") != COMPLETED:
            continue
        exchange = Exchange(
            method=method.rsplit("/", 1)[-1],
            request=entry.get("request") or {},
            response=entry.get("response"),
            errors=[str(e) for e in entry.get("errors") or []],
        )
        if metadata.get("kind") == "analyzer" and method.startswith(ANALYZER_SERVICE):
            log.analyzer.append(exchange)
        elif metadata.get("mode") == "server" and method in (MONITOR_REGISTER, MONITOR_READ):
            log.registrations.append(exchange)
    return log
