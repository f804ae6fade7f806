"""The pack over its real gRPC protocol (as the engine drives it): Analyze-time inputs reach the stack rules,
secret marks survive, `netkit-undecided` reports what another rule could not decide, suppressions hold.
One pack process per preview/update mode; few, robust tests (stream B2 owns the launcher)."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from netkit_core.graph import FUNCTION, SECURITY_GROUP, SUBNET, VPC
from pulumi.runtime.proto import analyzer_pb2

from tests.policies.conftest import Secret, Unknown, analyze, analyze_stack, configure, running_pack, urn

SG_RULE_POLICY = "security-group-no-world-ingress"
VPC_URN, SUBNET_URN, SG_URN, FN_URN = urn(VPC, "vpc"), urn(SUBNET, "a"), urn(SECURITY_GROUP, "sg"), urn(FUNCTION, "fn")


@pytest.fixture(scope="module")
def preview_pack() -> Iterator[Any]:
    with running_pack(dry_run=True) as pack:
        yield pack


def _stack(sg_outputs: dict[str, Any], fn_env: dict[str, Any] | None = None) -> list[Any]:
    """A function in one subnet with one security group; ids unknown (a first preview)."""
    fn = {
        "vpcConfig": {"subnetIds": [Unknown()], "securityGroupIds": [Unknown()]},
        "reservedConcurrentExecutions": 5,
        "environment": {"variables": fn_env or {}},
    }
    return [
        (VPC_URN, VPC, {"cidrBlock": "10.0.0.0/16", "id": Unknown()}, {}),
        (SUBNET_URN, SUBNET, {"vpcId": Unknown(), "cidrBlock": "10.0.1.0/24"}, {"vpcId": [VPC_URN]}),
        (SG_URN, SECURITY_GROUP, {"vpcId": Unknown(), **sg_outputs}, {"vpcId": [VPC_URN]}),
        (FN_URN, FUNCTION, fn, {"vpcConfig": [SUBNET_URN, SG_URN]}),
    ]


def _policy_lines(response: Any, policy: str) -> list[str]:
    return [line for na in response.not_applicable if na.policy_name == policy for line in na.reason.splitlines()]


def _violations(response: Any, policy: str) -> list[Any]:
    return [d for d in response.diagnostics if d.policyName == policy]


def _run(pack: Any, stack: list[Any], analyzed: set[str], config: dict[str, Any] | None = None) -> tuple[list, Any]:
    """Configure, `Analyze` the given URNs with their inputs (what the program set: no unknown computed keys),
    then `AnalyzeStack` with the planned state."""
    configure(pack, config)
    answers = []
    for resource_urn, type_, props, _ in stack:
        if resource_urn in analyzed:
            inputs = {k: v for k, v in props.items() if not isinstance(v, Unknown)}
            answers.append(analyze(pack, resource_urn, type_, inputs))
    return answers, analyze_stack(pack, stack)


def test_analyze_inputs_tell_omitted_from_unknown(preview_pack: Any) -> None:
    """`ingress` is computed: unknown in the planned state when the program omitted it. With the Analyze inputs
    (no `ingress` key) the group has no inline rules; without them the decision is honestly undecided."""
    stack = _stack({"ingress": Unknown()})
    _, without_inputs = _run(preview_pack, stack, set())
    lines = _policy_lines(without_inputs, SG_RULE_POLICY)
    assert lines and all(line.startswith("undecided: during preview, ") for line in lines)
    undecided = _violations(without_inputs, "netkit-undecided")
    assert [d.urn for d in undecided if SG_RULE_POLICY in d.message] == [SG_URN]
    assert any(f"{SG_RULE_POLICY} could not decide for sg during preview: " in d.message for d in undecided)

    _, with_inputs = _run(preview_pack, stack, {SG_URN, FN_URN, SUBNET_URN, VPC_URN})
    assert _policy_lines(with_inputs, SG_RULE_POLICY) == []
    assert not any(SG_RULE_POLICY in d.message for d in _violations(with_inputs, "netkit-undecided"))


def test_inputs_do_not_leak_into_the_next_analysis(preview_pack: Any) -> None:
    stack = _stack({"ingress": Unknown()})
    _run(preview_pack, stack, {SG_URN})
    _, later = _run(preview_pack, stack, set())  # same URNs, not analyzed this time
    assert _policy_lines(later, SG_RULE_POLICY)


def test_secret_marked_env_value_is_a_finding_and_never_echoed(preview_pack: Any) -> None:
    configure(preview_pack)
    value = "plain-looking-" + "value-42"
    fn = {
        "vpcConfig": {"subnetIds": ["subnet-1"], "securityGroupIds": ["sg-1"]},
        "reservedConcurrentExecutions": 5,
        "environment": {"variables": {"GREETING": Secret(value), "LATER": Secret(Unknown()), "MODE": "fast"}},
    }
    answer = analyze(preview_pack, FN_URN, FUNCTION, fn)
    found = _violations(answer, "lambda-env-no-secrets")
    messages = " ".join(d.message for d in found)
    assert "GREETING" in messages and "LATER" in messages and "MODE" not in messages
    assert value not in messages and "plain-looking" not in messages
    analyze_stack(preview_pack, [])  # end the analysis


def test_suppression_by_tag_and_by_config(preview_pack: Any) -> None:
    world = {"ingress": [{"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"]}]}
    everything = {VPC_URN, SUBNET_URN, SG_URN, FN_URN}
    _, plain = _run(preview_pack, _stack(world), everything)
    assert [d.urn for d in _violations(plain, SG_RULE_POLICY)] == [SG_URN]

    tagged = {**world, "tags": {"netkit:suppress": f"{SG_RULE_POLICY}: load balancer health checks"}}
    _, suppressed = _run(preview_pack, _stack(tagged), everything)
    assert _violations(suppressed, SG_RULE_POLICY) == []
    line = _policy_lines(suppressed, SG_RULE_POLICY)[0]
    fields = line.removeprefix("suppressed: ").split("\t")
    assert line.startswith("suppressed: ") and fields[:3] == [SG_URN, SG_RULE_POLICY, "load balancer health checks"]

    config = {SG_RULE_POLICY: {"suppress": [{"resource": "s?", "reason": "accepted by the network team"}]}}
    _, by_config = _run(preview_pack, _stack(world), everything, config)
    assert _violations(by_config, SG_RULE_POLICY) == []

    no_reason = {SG_RULE_POLICY: {"suppress": [{"resource": "sg"}]}}
    _, ignored = _run(preview_pack, _stack(world), everything, no_reason)
    found = _violations(ignored, SG_RULE_POLICY)
    levels = {d.enforcementLevel for d in found}
    assert levels == {analyzer_pb2.MANDATORY, analyzer_pb2.ADVISORY}  # the finding stays; the problem is advisory
    assert any("has no reason" in d.message and d.urn == SG_URN for d in found)


def test_an_update_never_says_during_preview() -> None:
    with running_pack(dry_run=False) as pack:
        _, response = _run(pack, _stack({"ingress": Unknown()}), set())
    lines = _policy_lines(response, SG_RULE_POLICY)
    assert lines and all(line.startswith("undecided: ") and "preview" not in line for line in lines)
    messages = [d.message for d in _violations(response, "netkit-undecided")]
    assert messages and not any("during preview" in m for m in messages)
