"""The check report and its JSON form (the contract); the other renderings build on it: SARIF 2.1.0 (sarif.py) and
text (text_report.py). Imports go one way: those modules import this one, never the reverse.

Nothing here prints a config value or a resource property: only URNs, names, file positions, policy names and policy
messages (which name variables, never values), so secrets cannot leak through a report.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from google.protobuf import json_format
from netkit_core.cost import CostEstimate, estimate_for_resources

from .analyzer import NotRun, PolicyMeta, Suppressed, Violation
from .engine import RecordedResource
from .protos import UNKNOWN_WIRE

if TYPE_CHECKING:
    from netkit_core.graph import Graph


@dataclass
class SubnetCapacityRow:
    subnet: str
    cidr: str
    usable: int
    required: int
    why: str


@dataclass(frozen=True)
class Source:
    """Where the program declared a resource: a path relative to the repository root (or the program dir)."""

    file: str
    line: int

    def __str__(self) -> str:
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass
class Report:
    stack: str
    mode: str
    resources: list[dict[str, str]]
    violations: list[Violation] = field(default_factory=list)
    not_run: list[NotRun] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    capacity: list[SubnetCapacityRow] = field(default_factory=list)
    cost: CostEstimate = field(default_factory=CostEstimate)
    environment: str = ""
    suppressed: list[Suppressed] = field(default_factory=list)
    sources: dict[str, Source] = field(default_factory=dict)  # URN -> where it was declared
    rules: list[PolicyMeta] = field(default_factory=list)  # every policy of the pack (GetAnalyzerInfo)
    program_stdout: str = ""
    program_stderr: str = ""
    tool_version: str = ""
    pack_name: str = ""
    pack_version: str = ""
    entry_point: Source | None = None  # the program's main file, where resources without a position are shown

    @property
    def passed(self) -> bool:
        return not any(v.enforcement == "mandatory" for v in self.violations)

    @property
    def undecided(self) -> bool:
        """Anything a rule could not decide: `not_run`, or a `netkit-undecided` finding."""
        return bool(self.not_run) or any(v.policy == "netkit-undecided" for v in self.violations)

    def source(self, urn: str) -> Source | None:
        return self.sources.get(urn)

    def name_of(self, urn: str) -> str:
        """The resource's name (the URN's last part) for people; the stack itself for stack-level findings."""
        return urn.rsplit("::", 1)[-1] if urn and not self.is_stack(urn) else f"stack {self.stack}"

    def is_stack(self, urn: str) -> bool:
        """The root stack's URN (where the engine puts a stack policy's finding that names no resource)."""
        return urn.split("::")[2:3] == ["pulumi:pulumi:Stack"]

    def to_json(self) -> dict[str, Any]:
        def where(urn: str) -> dict[str, Any] | None:
            source = self.source(urn)
            return {"file": source.file, "line": source.line} if source else None

        return {
            "stack": self.stack,
            "mode": self.mode,
            "resources": self.resources,
            "violations": [
                {
                    "policy": v.policy,
                    "enforcement": v.enforcement,
                    "urn": v.urn,
                    "message": v.message,
                    "source": where(v.urn),
                }
                for v in self.violations
            ],
            "not_run": [{"policy": n.policy, "reason": n.reason} for n in self.not_run],
            "passed": self.passed,
            "suppressed": [
                {"policy": s.policy, "urn": s.urn, "reason": s.reason, "message": s.message, "source": where(s.urn)}
                for s in self.suppressed
            ],
            "warnings": list(self.warnings),
            "notes": list(self.notes),
            "capacity": [
                {"subnet": r.subnet, "cidr": r.cidr, "usable": r.usable, "required": r.required, "why": r.why}
                for r in self.capacity
            ],
            "cost": {
                "monthly_total": self.cost.monthly_total,
                "region": self.cost.region,
                "prices_region": self.cost.prices_region,
                "uncounted": list(self.cost.uncounted),
                "lines": [
                    {"item": c.item, "count": c.count, "monthly_each": c.monthly_each, "monthly": c.monthly}
                    for c in self.cost.lines
                ],
                "suggestions": list(self.cost.suggestions),
                "notes": list(self.cost.notes),
            },
        }


def _plain(value: Any) -> Any:
    # The policies' graph model is imported when a report is built, after the program: not held in memory while
    # the program runs.
    from netkit_core.graph import UNKNOWN

    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return UNKNOWN if value == UNKNOWN_WIRE else value


def _props(resource: RecordedResource) -> dict[str, Any]:
    return _plain(json_format.MessageToDict(resource.inputs))


def as_graph(resources: list[RecordedResource]) -> Graph:
    """The policies' graph view of a recorded run (the same view the pack builds from the analyzer request)."""
    from netkit_core.graph import Graph, Res

    return Graph(
        Res(r.urn, r.type, r.name, _state(r), r.property_dependencies, r.parent, inputs=_props(r)) for r in resources
    )


def _state(resource: RecordedResource) -> dict[str, Any]:
    """What AnalyzeStack sees: the planned or final state (ids known in an update), else the inputs."""
    return _plain(json_format.MessageToDict(resource.outputs)) if resource.custom else _props(resource)


def capacity_rows(resources: list[RecordedResource], config: dict[str, Any] | None = None) -> list[SubnetCapacityRow]:
    """Lambda subnets with usable vs required IPs: the `lambda-subnet-capacity` model with the same config."""
    from netkit_core.rules.lambda_subnet_capacity import subnet_demands

    rows, _ = subnet_demands(as_graph(resources), config or {})
    return sorted(
        (SubnetCapacityRow(r.subnet.name, r.cidr, r.usable, r.demand.required, r.demand.explain()) for r in rows),
        key=lambda row: row.subnet,
    )


def cost_estimate(resources: list[RecordedResource], environment: str, region: str = "") -> CostEstimate:
    """Inputs merged with known outputs (an EIP's allocationId tells a NAT's own address from a BYO one)."""
    items = [(r.type, {**_props(r), **_plain(json_format.MessageToDict(r.outputs))}) for r in resources]
    hidden = [f"{r.name} ({r.type})" for r in resources if r.remote]  # children created by a provider plugin
    return estimate_for_resources(items, environment=environment, region=region, hidden_components=hidden)


def render_json(report: Report) -> str:
    return json.dumps(report.to_json(), indent=2)


def error_document(message: str, exit_code: int, detail: str = "", hint: str = "") -> dict[str, Any]:
    """What `--format json` prints when the check could not report (exit 2, or 130/143 when interrupted): the same
    one line as stderr (`message`), so a CI step parsing stdout always gets a JSON document; `detail` is the
    program's own traceback or the pack's stderr, `hint` a fixture entry to add."""
    error: dict[str, Any] = {"message": message, "exit_code": exit_code}
    if detail:
        error["detail"] = detail
    if hint:
        error["hint"] = hint
    return {"error": error}
