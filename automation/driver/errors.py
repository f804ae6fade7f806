"""The driver's errors and how to read the text of a failed engine call. A leaf module: every step of the flow
imports it, it imports none of them.

Exit statuses (cli.py): PolicyViolationError 1, every other DriverError 2.
"""

from __future__ import annotations

from pulumi import automation as auto


class DriverError(Exception):
    """A user-facing failure of the driver; the message says what to do. Exit status 2."""


class PolicyViolationError(DriverError):
    """The policy pack blocked the preview or update. Exit status 1."""


class CredentialsError(DriverError):
    """The cloud refused the run's credentials (expired or missing). Never retried: the same token fails again."""


class PlanRefusedError(DriverError):
    """`up --plan` refused a step the gate's preview did not judge (the program or its inputs changed)."""


class EngineTimeoutError(DriverError):
    """An engine call ran past its deadline; its process was stopped (and confirmed gone, or the error says not)."""


class RetriesExhaustedError(DriverError):
    """A transient error kept happening."""


class Interrupted(DriverError):
    """The driver itself received SIGINT/SIGTERM (`signals.py`). `second` means: skip to the record."""

    def __init__(self, signal_name: str, second: bool = False) -> None:
        super().__init__(f"{signal_name} received" + ("; skipping to the record" if second else ""))
        self.signal_name = signal_name
        self.second = second


def error_text(exc: BaseException) -> str:
    """A CLI failure's text includes its stdout (where the engine prints diagnostics and policy violations)."""
    if isinstance(exc, auto.errors.CommandError):
        return f"{getattr(exc, 'stdout', '')}\n{getattr(exc, 'stderr', '')}\n{exc}"
    return str(exc)


def failure_text(exc: BaseException) -> str:
    """The text of an error and of every error it was raised from (the CLI's output sits at the bottom)."""
    texts = []
    current: BaseException | None = exc
    while current is not None:
        texts.append(error_text(current))
        current = current.__cause__
    return "\n".join(texts)
