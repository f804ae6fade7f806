"""The text report, for people: `file:line`, the resource name, the message and the fix, readable at 80 columns.

Everything that comes from the program or the pack (names, messages, the program's own output) is printed as
`rich.text.Text`, never parsed as markup, so `[bold]` in a resource name prints as typed.
"""

from __future__ import annotations

from rich.console import Console
from rich.padding import Padding
from rich.table import Table
from rich.text import Text

from .analyzer import PolicyMeta
from .report import Report

_PROGRAM_LINES = 40


def _indented(text: Text | str, indent: int, style: str = "") -> Padding:
    body = text if isinstance(text, Text) else Text(text, style=style)
    body.overflow = "fold"
    return Padding(body, (0, 0, 0, indent), expand=False)


def _headline(report: Report) -> Text:
    line = Text("lambda-netkit offline check: ")
    line.append(f"stack {report.stack}", style="bold")
    line.append(f" ({report.mode}), {len(report.resources)} resources: ")
    line.append("PASSED" if report.passed else "FAILED", style="bold green" if report.passed else "bold red")
    return line


def _summary(report: Report) -> Text:
    mandatory = sum(1 for v in report.violations if v.enforcement == "mandatory")
    advisory = len(report.violations) - mandatory
    parts = [f"{mandatory} mandatory", f"{advisory} advisory", f"{len(report.suppressed)} suppressed"]
    parts.append(f"{len(report.not_run)} could not decide")
    return Text(", ".join(parts), style="dim")


def _finding(report: Report, policy: str, urn: str, style: str) -> Text:
    line = Text()
    line.append(policy, style=style)
    source = report.source(urn)
    line.append("  ")
    line.append(report.name_of(urn), style="bold")
    if source is not None:
        line.append(f"  {source}", style="cyan")
    return line


def _program_output(console: Console, label: str, output: str) -> None:
    lines = output.rstrip("\n").splitlines()
    if not lines:
        return
    shown = lines[-_PROGRAM_LINES:]
    more = f", last {len(shown)} of {len(lines)} lines" if len(shown) < len(lines) else ""
    console.print(Text(f"\nProgram output ({label}{more})", style="bold"))
    for line in shown:
        console.print(_indented(Text("| ") + Text(line), 2))


def render_text(report: Report, console: Console, verbose: bool = False) -> None:
    metas: dict[str, PolicyMeta] = {m.name: m for m in report.rules}
    _program_output(console, "stdout", report.program_stdout)
    _program_output(console, "stderr", report.program_stderr)
    console.print(_headline(report))
    console.print(_summary(report))
    for level, style in (("mandatory", "red"), ("advisory", "yellow")):
        items = [v for v in report.violations if v.enforcement == level]
        if not items:
            continue
        console.print(Text(f"\n{level.capitalize()} violations ({len(items)})", style="bold"))
        for v in items:
            console.print(_indented(_finding(report, v.policy, v.urn, style), 2))
            console.print(_indented(v.message, 6))
            fix = metas[v.policy].remediation if v.policy in metas else ""
            if fix:
                console.print(_indented(Text("fix: ", style="green") + Text(fix), 6))
            if verbose and v.urn:
                console.print(_indented(Text(f"urn: {v.urn}", style="dim"), 6))
    if report.suppressed:
        console.print(Text(f"\nSuppressed ({len(report.suppressed)})", style="bold"))
        for s in report.suppressed:
            console.print(_indented(_finding(report, s.policy, s.urn, "dim"), 2))
            console.print(_indented(Text("reason: ", style="dim") + Text(s.reason), 6))
            if verbose:
                console.print(_indented(s.message, 6))
    if report.not_run:
        console.print(Text(f"\nPolicies that could not decide ({len(report.not_run)})", style="bold"))
        for n in report.not_run:
            console.print(_indented(Text(n.policy, style="yellow") + Text(f": {n.reason}"), 2))
    if not report.violations:
        console.print(Text("\nNo policy violations."))
    _capacity(report, console)
    _cost(report, console)
    for warning in report.warnings:
        console.print(Text("warning: ", style="yellow") + Text(warning))
    for note in report.notes:
        console.print(Text(f"note: {note}"))


def _capacity(report: Report, console: Console) -> None:
    if not report.capacity:
        return
    table = Table(title="Lambda subnet capacity (Hyperplane ENIs)", expand=False)
    for column in ("subnet", "CIDR", "usable", "needed", "why"):
        table.add_column(column, overflow="fold")
    for row in report.capacity:
        style = "red" if row.usable < row.required else ""
        table.add_row(Text(row.subnet), row.cidr, str(row.usable), str(row.required), Text(row.why), style=style)
    console.print()
    console.print(table)


def _cost(report: Report, console: Console) -> None:
    cost = report.cost
    if not cost.lines and not cost.uncounted:
        return
    table = Table(title=f"Fixed networking cost: ${cost.monthly_total:,.2f}/month ({cost.prices_region} list prices)")
    for column in ("item", "count", "each/month", "total/month"):
        table.add_column(column, overflow="fold")
    for line in cost.lines:
        count = f"{line.count:g}" if isinstance(line.count, float) else str(line.count)
        table.add_row(Text(line.item), count, f"${line.monthly_each:,.2f}", f"${line.monthly:,.2f}")
    console.print()
    console.print(table)
    for suggestion in cost.suggestions:
        console.print(_indented(Text(f"tip: {suggestion}"), 2))
    for note in cost.notes:
        console.print(_indented(Text(f"note: {note}", style="dim"), 2))
