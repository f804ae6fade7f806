"""The check report and its three renderings: JSON (the contract), SARIF 2.1.0, and text for people (rich).

Nothing here prints a config value or a resource property: only URNs, policy names and policy messages (which
name variables, never values), so secrets cannot leak through a report.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from google.protobuf import json_format
from netkit_core.cost import CostEstimate, estimate_monthly_cost
from netkit_core.graph import UNKNOWN, Graph, Res
from netkit_core.rules.lambda_subnet_capacity import subnet_demands
from pulumi.runtime.rpc import UNKNOWN as UNKNOWN_WIRE
from rich.console import Console
from rich.table import Table

from .analyzer import NotRun, Violation
from .engine import RecordedResource


@dataclass
class SubnetCapacityRow:
    subnet: str
    cidr: str
    usable: int
    required: int
    why: str


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

    @property
    def passed(self) -> bool:
        return not any(v.enforcement == "mandatory" for v in self.violations)

    def to_json(self) -> dict[str, Any]:
        return {
            "stack": self.stack,
            "mode": self.mode,
            "resources": self.resources,
            "violations": [
                {"policy": v.policy, "enforcement": v.enforcement, "urn": v.urn, "message": v.message}
                for v in self.violations
            ],
            "not_run": [{"policy": n.policy, "reason": n.reason} for n in self.not_run],
            "passed": self.passed,
        }


def _props(resource: RecordedResource) -> dict[str, Any]:
    return json_format.MessageToDict(resource.inputs)


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return UNKNOWN if value == UNKNOWN_WIRE else value


def as_graph(resources: list[RecordedResource]) -> Graph:
    """The policies' graph view of a recorded run (the same view the pack builds from the analyzer request)."""
    return Graph(Res(r.urn, r.type, r.name, _plain(_props(r)), r.property_dependencies, r.parent) for r in resources)


def capacity_rows(resources: list[RecordedResource], config: dict[str, Any] | None = None) -> list[SubnetCapacityRow]:
    """Lambda subnets with usable vs required IPs: the `lambda-subnet-capacity` model with the same config."""
    rows, _ = subnet_demands(as_graph(resources), config or {})
    return sorted(
        (SubnetCapacityRow(r.subnet.name, r.cidr, r.usable, r.demand.required, r.demand.explain()) for r in rows),
        key=lambda row: row.subnet,
    )


def cost_estimate(resources: list[RecordedResource], environment: str) -> CostEstimate:
    count = lambda t: sum(1 for r in resources if r.type == t)  # noqa: E731
    interface_azs = 0
    for ep in (r for r in resources if r.type == "aws:ec2/vpcEndpoint:VpcEndpoint"):
        props = _props(ep)
        if props.get("vpcEndpointType") == "Interface":
            interface_azs += max(1, len(props.get("subnetIds") or ep.property_dependencies.get("subnetIds", [])))
    return estimate_monthly_cost(
        nat_gateways=count("aws:ec2/natGateway:NatGateway"),
        public_ipv4=count("aws:ec2/eip:Eip"),
        interface_endpoint_azs=interface_azs,
        accelerators=count("aws:globalaccelerator/accelerator:Accelerator"),
        environment=environment,
    )


def render_json(report: Report) -> str:
    return json.dumps(report.to_json(), indent=2)


def render_sarif(report: Report, policy_descriptions: dict[str, str] | None = None) -> str:
    descriptions = policy_descriptions or {}
    rule_ids = sorted({v.policy for v in report.violations})
    results = [
        {
            "ruleId": v.policy,
            "level": "error" if v.enforcement == "mandatory" else "warning",
            "message": {"text": v.message},
            "locations": [{"logicalLocations": [{"fullyQualifiedName": v.urn, "kind": "resource"}]}],
        }
        for v in report.violations
    ]
    sarif = {
        "$schema": "https://json.schemastore.org/sarif-2.1.0.json",
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": "lambda-netkit",
                        "informationUri": "https://github.com/lambda-netkit/lambda-netkit",
                        "rules": [{"id": r, "shortDescription": {"text": descriptions.get(r, r)}} for r in rule_ids],
                    }
                },
                "results": results,
                "properties": {"stack": report.stack, "mode": report.mode, "passed": report.passed},
            }
        ],
    }
    return json.dumps(sarif, indent=2)


def render_text(report: Report, console: Console) -> None:
    status = "[bold green]PASSED[/]" if report.passed else "[bold red]FAILED[/]"
    console.print(
        f"lambda-netkit offline check: stack [bold]{report.stack}[/] ({report.mode}), "
        f"{len(report.resources)} resources: {status}"
    )
    for level in ("mandatory", "advisory"):
        items = [v for v in report.violations if v.enforcement == level]
        if not items:
            continue
        console.print(f"\n[bold]{level.capitalize()} violations ({len(items)})[/]")
        for v in items:
            console.print(f"  [{'red' if level == 'mandatory' else 'yellow'}]{v.policy}[/] {v.urn}")
            for line in v.message.splitlines():
                console.print(f"      {line}", markup=False, highlight=False)
    if report.not_run:
        console.print(f"\n[bold]Policies that could not decide ({len(report.not_run)})[/]")
        for n in report.not_run:
            console.print(f"  {n.policy}: {n.reason}", markup=False, highlight=False)
    if not report.violations:
        console.print("\nNo policy violations.")
    if report.capacity:
        table = Table(title="Lambda subnet capacity (Hyperplane ENIs)")
        for column in ("subnet", "CIDR", "usable IPs", "required IPs", "why"):
            table.add_column(column)
        for row in report.capacity:
            style = "red" if row.usable < row.required else ""
            table.add_row(row.subnet, row.cidr, str(row.usable), str(row.required), row.why, style=style)
        console.print(table)
    cost = report.cost
    if cost.lines:
        table = Table(title=f"Fixed networking cost: ${cost.monthly_total:,.2f}/month (list prices, us-east-1)")
        for column in ("item", "count", "each/month", "total/month"):
            table.add_column(column)
        for cost_line in cost.lines:
            table.add_row(
                cost_line.item, str(cost_line.count), f"${cost_line.monthly_each:,.2f}", f"${cost_line.monthly:,.2f}"
            )
        console.print(table)
        for suggestion in cost.suggestions:
            console.print(f"  tip: {suggestion}", markup=False, highlight=False)
    for warning in report.warnings:
        console.print(f"[yellow]warning:[/] {warning}", highlight=False)
    for note in report.notes:
        console.print(f"note: {note}", markup=False, highlight=False)
