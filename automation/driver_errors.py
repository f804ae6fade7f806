"""The driver's errors and how to read the text of a failed engine call. Kept apart so the driver and the phased
teardown share them without importing each other."""

from __future__ import annotations

from pulumi import automation as auto


class DriverError(Exception):
    """A user-facing failure of the driver; the message says what to do. Exit status 2."""


class PolicyViolationError(DriverError):
    """The policy pack blocked the preview or update. Exit status 1."""


def error_text(exc: BaseException) -> str:
    """A CLI failure's text includes its stdout (where the engine prints diagnostics and policy violations)."""
    if isinstance(exc, auto.errors.CommandError):
        return f"{exc.stdout if hasattr(exc, 'stdout') else ''}\n{exc}"
    return str(exc)


def failure_text(exc: BaseException) -> str:
    """The text of an error and of every error it was raised from (the CLI's output sits at the bottom)."""
    texts = []
    current: BaseException | None = exc
    while current is not None:
        texts.append(error_text(current))
        current = current.__cause__
    return "\n".join(texts)
