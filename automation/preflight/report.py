"""The preflight's report: text for people, JSON for machines; the JSON is also the account-facts file that
`netkit check --account-facts FILE` reads (`facts.load_account_concurrency`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, TextIO

from .facts import FACTS_KIND, FACTS_VERSION, AccountFacts
from .needs import StackNeeds
from .verdicts import FAIL, OK, UNKNOWN, Check

MARKS = {OK: "ok  ", FAIL: "FAIL", UNKNOWN: "??  "}


@dataclass
class PreflightReport:
    needs: StackNeeds
    facts: AccountFacts
    checks: list[Check]
    read_at: str = field(default_factory=lambda: datetime.now(UTC).isoformat(timespec="seconds"))

    @property
    def passed(self) -> bool:
        """No check fails and none was left unread by the deadline (an unread check is never a pass)."""
        return not self.failing() and not self.unread_by_deadline()

    def failing(self) -> list[Check]:
        return [c for c in self.checks if c.status == FAIL]

    def unread_by_deadline(self) -> list[Check]:
        """The checks that could not be judged because the deadline was reached before their facts were read."""
        return [c for c in self.checks if c.deadline]

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": FACTS_KIND,
            "version": FACTS_VERSION,
            "stack": self.needs.stack,
            "region": self.needs.region,
            "read_at": self.read_at,
            "passed": self.passed,
            "deadline_seconds": self.facts.deadline_seconds,
            "deadline_reached": bool(self.facts.unread_by_deadline()),
            "checks": [c.to_json() for c in self.checks],
            "needs": self.needs.to_json(),
            "facts": self.facts.to_json(),
            "notes": list(self.needs.notes),
        }

    def summary(self) -> str:
        failed = len(self.failing())
        cut = len(self.unread_by_deadline())
        unknown = sum(1 for c in self.checks if c.status == UNKNOWN and not c.deadline)
        if failed:
            verdict = f"failed: {failed} check(s) fail"
        elif cut:
            verdict = "incomplete"
        else:
            verdict = "passed"
        text = f"preflight {verdict}"
        if cut:
            deadline = self.facts.deadline_seconds
            text += "; deadline reached" + (f" ({deadline:g} s)" if deadline else "") + f": {cut} check(s) not read"
        return text + (f", {unknown} could not be read" if unknown else "")


def render_text(report: PreflightReport, out: TextIO) -> None:
    needs = report.needs
    out.write(f"preflight of stack {needs.stack} against the account in {needs.region}\n")
    for check in report.checks:
        out.write(f"{MARKS[check.status]} {check.name}: {check.message}\n")
        if check.action:
            out.write(f"      -> {check.action}\n")
    for note in needs.notes:
        out.write(f"note: {note}\n")
    out.write(report.summary() + "\n")


def render_json(report: PreflightReport) -> str:
    return json.dumps(report.to_json(), indent=2)
