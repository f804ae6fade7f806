"""The offline provider's fault plan (automation/offline_provider/faults.py), without an engine: `hang` ends on the
engine's Cancel, `hang-uncancellable` does not (as the AWS provider's in-flight creates), only on the provider
process being stopped. tests/test_driver_real.py uses both under the real CLI."""

from __future__ import annotations

import threading

import pytest

from automation.offline_provider.faults import FaultError, Faults, parse_faults


def held(faults: Faults, name: str) -> tuple[threading.Thread, list[BaseException]]:
    raised: list[BaseException] = []

    def run() -> None:
        try:
            faults.apply(name, "create")
        except FaultError as exc:
            raised.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    return thread, raised


def test_hang_uncancellable_ignores_cancel_and_ends_when_the_provider_stops() -> None:
    faults = Faults(parse_faults('{"nat": {"create": "hang-uncancellable"}}'), threading.Event())
    thread, raised = held(faults, "nat")
    faults.cancelled.set()  # the engine's Cancel (its first SIGINT)
    thread.join(0.5)
    assert thread.is_alive() and raised == []
    faults.stopping.set()  # SIGINT/SIGTERM to the provider: the engine closing its plugins
    thread.join(5)
    assert not thread.is_alive() and "Cancel ignored" in str(raised[0])


def test_hang_ends_on_cancel() -> None:
    faults = Faults(parse_faults('{"nat": {"create": "hang"}}'), threading.Event())
    thread, raised = held(faults, "nat")
    faults.cancelled.set()
    thread.join(5)
    assert not thread.is_alive() and "canceled while hanging" in str(raised[0])


def test_an_unknown_fault_is_named() -> None:
    with pytest.raises(ValueError, match="hang, hang-uncancellable, fail or slow"):
        parse_faults('{"nat": {"create": "hang-forever"}}')
