"""Timeouts and retries for engine calls (Terratest's idea: retry only errors known to be transient).

Pure: no Pulumi import. A policy violation or a program error is never retried, whatever else the output says:
running the same code against the same rules gives the same answer and only burns CI time.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TypeVar

T = TypeVar("T")

# AWS refuses to delete a security group or subnet that an ENI (Lambda's Hyperplane ENIs, for minutes) still uses.
DEPENDENCY_VIOLATION = (
    r"DependencyViolation.*(security group|subnet|network interface|sg-|subnet-)|has a dependent object"
)

# pattern -> why it is worth retrying
TRANSIENT_ERRORS: dict[str, str] = {
    r"RequestLimitExceeded|Throttling(Exception)?|Rate exceeded|TooManyRequestsException|SlowDown": (
        "AWS API throttling; the next attempt usually succeeds"
    ),
    r"connection reset by peer|i/o timeout|TLS handshake timeout|unexpected EOF|502 Bad Gateway|503 Service": (
        "a transient network error between the engine and the cloud"
    ),
    r"the stack is currently locked|Another update is currently in progress|conflict: .*update": (
        "another update held the stack lock"
    ),
    DEPENDENCY_VIOLATION: (
        "Lambda Hyperplane ENIs still hold the security group or subnet (AWS releases them within ~20-45 min)"
    ),
    r"InvalidParameterValueException.*(role|Role).*cannot be assumed": (
        "a new IAM role is not yet usable by Lambda (eventual consistency)"
    ),
}
NEVER_RETRY: tuple[str, ...] = (
    r"mandatory policy violation|policy violations? (were|was) (found|reported)|Policy Violations|\[mandatory\]",
    r"error: Program failed|Traceback \(most recent call last\)|SyntaxError|ModuleNotFoundError",
)


class EngineTimeoutError(Exception):
    """An engine call ran past its deadline; its process was stopped."""


class RetriesExhaustedError(Exception):
    """A transient error kept happening."""


def transient_reason(output: str) -> str | None:
    """The reason to retry this failure, or None when it must not be retried."""
    if any(re.search(p, output) for p in NEVER_RETRY):
        return None
    for pattern, reason in TRANSIENT_ERRORS.items():
        if re.search(pattern, output):
            return reason
    return None


def is_policy_failure(output: str) -> bool:
    return bool(re.search(NEVER_RETRY[0], output))


@dataclass
class Attempts:
    """What happened, for the run record and for tests."""

    log: list[str] = field(default_factory=list)


def with_retries(
    operation: Callable[[], T],
    describe: str,
    attempts: int = 3,
    delay_seconds: float = 30.0,
    sleep: Callable[[float], None] = time.sleep,
    record: Attempts | None = None,
    error_text: Callable[[BaseException], str] = str,
) -> T:
    """Run `operation`; on an error whose text matches TRANSIENT_ERRORS, wait and try again."""
    record = record if record is not None else Attempts()
    for attempt in range(1, attempts + 1):
        try:
            return operation()
        except EngineTimeoutError:
            raise
        except Exception as exc:
            reason = transient_reason(error_text(exc))
            if reason is None:
                record.log.append(f"{describe}: failed, not retried (not a known transient error)")
                raise
            if attempt == attempts:
                record.log.append(f"{describe}: gave up after {attempts} attempts ({reason})")
                raise RetriesExhaustedError(f"{describe} failed {attempts} times: {reason}") from exc
            record.log.append(f"{describe}: attempt {attempt} failed ({reason}); retrying in {delay_seconds:g}s")
            sleep(delay_seconds * attempt)
    raise AssertionError("unreachable")  # pragma: no cover


def is_dependency_violation(output: str) -> bool:
    return bool(re.search(DEPENDENCY_VIOLATION, output))


def with_timeout(
    operation: Callable[[], T],
    seconds: float,
    on_timeout: Callable[[], None],
    describe: str,
    join_seconds: float = 60.0,
) -> T:
    """Run `operation` in a worker thread; past `seconds`, call `on_timeout` and raise.

    `on_timeout` must stop the engine process and return only once it is gone (`process_control.stop_process`),
    so whatever the caller does next (cleanup, destroy) never runs beside a live update."""
    result: list[T] = []
    error: list[BaseException] = []

    def run() -> None:
        try:
            result.append(operation())
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            error.append(exc)

    worker = threading.Thread(target=run, name=f"engine-{describe}", daemon=True)
    worker.start()
    worker.join(seconds)
    if worker.is_alive():
        on_timeout()
        worker.join(join_seconds)
        raise EngineTimeoutError(f"{describe} did not finish within {seconds:g}s and was stopped")
    if error:
        raise error[0]
    return result[0]
