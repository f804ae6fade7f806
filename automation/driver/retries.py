"""Deadlines and retries for engine calls (Terratest's idea: retry only errors known to be transient).

A policy violation, a program error, a refused plan or a credentials failure is never retried, whatever else the
output says: the same code against the same rules and the same token gives the same answer and only burns CI time.
A failed destroy is retried only when EVERY error it reported is a dependency violation (Lambda's Hyperplane ENIs
still hold a security group or subnet); one permanent error among them stops at once (`all_dependency_violations`).
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TypeVar

from .errors import CredentialsError, EngineTimeoutError, Interrupted, RetriesExhaustedError

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
    r"Another update is currently in progress|conflict: .*update": ("another update of the stack was running"),
    DEPENDENCY_VIOLATION: (
        "Lambda Hyperplane ENIs still hold the security group or subnet (AWS releases them within ~20-45 min)"
    ),
    r"InvalidParameterValueException.*(role|Role).*cannot be assumed": (
        "a new IAM role is not yet usable by Lambda (eventual consistency)"
    ),
}

# The AWS provider's and STS's words for a token that expired or credentials that are not there (aws-sdk-go-v2
# error codes; the Terraform AWS provider's "No valid credential sources found").
CREDENTIAL_ERRORS: tuple[tuple[str, str], ...] = (
    (r"ExpiredToken(Exception)?|security token included in the request is expired|RequestExpired", "expired"),
    (r"InvalidClientTokenId|UnrecognizedClientException|security token included in the request is invalid", "invalid"),
    (
        r"No valid credential sources found|NoCredentialProviders|failed to refresh cached credentials|"
        r"no EC2 IMDS role found|Unable to locate credentials",
        "missing",
    ),
)

NEVER_RETRY: tuple[str, ...] = (
    r"mandatory policy violation|policy violations? (were|was) (found|reported)|Policy Violations|\[mandatory\]",
    r"error: Program failed|Traceback \(most recent call last\)|SyntaxError|ModuleNotFoundError",
    r"is not allowed by the plan|violates plan",
    # a lock another process holds on a DIY backend: retrying would only wait for it; never take it away
    r"the stack is currently locked",
    *(pattern for pattern, _ in CREDENTIAL_ERRORS),
)


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


def is_plan_refusal(output: str) -> bool:
    return bool(re.search(NEVER_RETRY[2], output))


def credentials_problem(output: str) -> str | None:
    """'expired', 'invalid' or 'missing' plus the code that said so, or None."""
    for pattern, kind in CREDENTIAL_ERRORS:
        match = re.search(pattern, output)
        if match:
            return f"{kind} ({match.group(0)})"
    return None


def credentials_error(problem: str, describe: str, run_seconds: float) -> CredentialsError:
    minutes, seconds = divmod(int(run_seconds), 60)
    return CredentialsError(
        f"{describe}: the AWS credentials are {problem}; the run had {minutes}m{seconds:02d}s at that point. "
        "In CI the role session must outlast the whole run (role-duration-seconds in the workflow); locally, "
        "refresh the credentials and run `destroy` for this stack"
    )


def is_dependency_violation(output: str) -> bool:
    return bool(re.search(DEPENDENCY_VIOLATION, output))


def all_dependency_violations(errors: Iterable[str]) -> bool:
    """True only when there is at least one error and every one is a dependency violation."""
    texts = list(errors)
    return bool(texts) and all(is_dependency_violation(text) for text in texts)


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
        except (EngineTimeoutError, Interrupted):
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


def with_timeout(
    operation: Callable[[], T],
    seconds: float,
    on_timeout: Callable[[], None],
    describe: str,
    join_seconds: float = 60.0,
    on_interrupt: Callable[[Interrupted], None] | None = None,
) -> T:
    """Run `operation` in a worker thread; past `seconds`, call `on_timeout` and raise.

    `on_timeout` must stop the engine process and return only once it is gone (`processes.stop_process`), so
    whatever the caller does next (cleanup, destroy) never runs beside a live update. A signal to the driver
    (`Interrupted`, raised in this thread by `signals.py` while it waits) is a deadline that came early:
    `on_interrupt` stops the engine the same way, then the interruption goes on up."""
    result: list[T] = []
    error: list[BaseException] = []

    def run() -> None:
        try:
            result.append(operation())
        except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
            error.append(exc)

    worker = threading.Thread(target=run, name=f"engine-{describe}", daemon=True)
    worker.start()
    try:
        worker.join(seconds)
    except Interrupted as interrupted:
        if on_interrupt is not None:
            on_interrupt(interrupted)
        worker.join(join_seconds)
        raise
    if worker.is_alive():
        on_timeout()
        worker.join(join_seconds)
        raise EngineTimeoutError(f"{describe} did not finish within {seconds:g}s and was stopped")
    if error:
        raise error[0]
    return result[0]
