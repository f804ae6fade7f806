"""`hyperplane-eip-dev-only`: the Hyperplane-ENI Elastic IP trick passes in dev and fails elsewhere; with no
environment configured or tagged it is undecided (never a pass)."""

from __future__ import annotations

import pytest
from netkit_core.graph import EIP

from tests.policies.conftest import MODES, Planned, run_stack

POLICY = "hyperplane-eip-dev-only"


def stack(mode: str, tags: dict[str, str] | None = None) -> Planned:
    p = Planned(mode)
    p.add(EIP, "hyperplane", {"domain": "vpc", "tags": {"netkit:pattern": "hyperplane-eip", **(tags or {})}})
    return p


@pytest.mark.parametrize("mode", MODES)
def test_dev_passes(mode: str) -> None:
    outcome = run_stack(POLICY, stack(mode).resources, {"environment": "dev"})
    assert outcome.violations == [] and outcome.undecided == []


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("environment", ["prod", "staging"])
def test_other_environments_fail(mode: str, environment: str) -> None:
    outcome = run_stack(POLICY, stack(mode).resources, {"environment": environment})
    assert len(outcome.violations) == 1 and "allowed only in dev" in outcome.violations[0][1]


def test_environment_from_the_tag_and_allowed_list() -> None:
    resources = stack("update", {"netkit:environment": "qa"}).resources
    assert run_stack(POLICY, resources).violations
    assert not run_stack(POLICY, resources, {"allowedEnvironments": ["dev", "qa"]}).violations


def test_unknown_environment_is_undecided() -> None:
    outcome = run_stack(POLICY, stack("preview").resources)
    assert outcome.violations == [] and "environment is unknown" in outcome.undecided[0].reason


def test_no_trick_no_finding() -> None:
    assert run_stack(POLICY, Planned("update").resources, {"environment": "prod"}).violations == []
