"""The compliant network passes every routing/egress rule with nothing undecided, in a first preview's planned
state and in an update; the same one-word changes fail the same single rule in both modes."""

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from netkit_core import graph as g

from tests.policies.stack_builder import MODES, OWN_RULES, Mode, Stack, compliant, network, run, verdict

CHANGES = {
    "no-default-route": {"lambda-vpc-egress-path"},
    "igw-direct": {"lambda-vpc-egress-path"},
    "nat-in-lambda-subnet": {"lambda-vpc-egress-path"},
    "nat-private": {"lambda-vpc-egress-path"},
    "nat-cross-az": {"nat-gateway-per-az"},
    "no-s3-endpoint": {"vpc-gateway-endpoints"},
    "s3-other-region": {"vpc-gateway-endpoints"},
    "ddb-not-attached": {"vpc-gateway-endpoints"},
    "private-dns-omitted": {"interface-endpoint-private-dns"},
    "dns-hostnames-omitted": {"interface-endpoint-private-dns"},
    "single-az": {"lambda-multi-az"},
    "no-flow-logs": {"vpc-flow-logs"},
    "endpoint-policy-omitted": {"vpc-endpoint-policy"},
    "ipv6-no-eigw": {"ipv6-egress-path"},
    "ipv6-dns64-no-route": {"ipv6-egress-path"},
}
COMPLIANT_CHANGES = ["", "ipv6", "dns-support-omitted"]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("change", COMPLIANT_CHANGES)
def test_compliant_network_passes_with_nothing_undecided(mode: Mode, change: str) -> None:
    assert verdict(compliant(mode, change)) == (set(), [])


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("change", sorted(CHANGES))
def test_one_change_fails_exactly_its_rule(mode: Mode, change: str) -> None:
    failing, undecided = verdict(compliant(mode, change))
    assert (failing, undecided) == (CHANGES[change], [])


ODD = [None, "", 42, 2.5, True, "not-a-cidr", "10.0.0.0/33", [], {}, [g.UNKNOWN], g.UNKNOWN, {"x": 1}, "{not json"]
BUILT = [(mode, change) for mode in MODES for change in ("", "ipv6")] + [
    (mode, shape) for mode in MODES for shape in ("regional-manual", "hop-gwlb", "hop-firewall")
]


def _built(mode: Mode, shape: str) -> Stack:
    return compliant(mode, shape) if shape in ("", "ipv6") else network(mode, egress=shape)


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from(BUILT),
    st.lists(st.tuples(st.integers(0, 200), st.integers(0, 20), st.sampled_from(ODD), st.booleans()), max_size=4),
)
def test_odd_values_in_a_real_shaped_stack_never_crash_or_leak(
    built: tuple[Mode, str], edits: list[tuple[int, int, object, bool]]
) -> None:
    """Any property of a realistic stack replaced by an odd shape (a non-list, an invalid CIDR, unknown, bad
    JSON), with or without its Analyze inputs: every rule still returns, and no message repeats the odd value."""
    stack = _built(*built)
    for index, key_index, value, drop_inputs in edits:
        res = stack.resources[index % len(stack.resources)]
        keys = sorted(res.props)
        res.props[keys[key_index % len(keys)]] = value
        if drop_inputs:
            res.inputs = None
    for rule in OWN_RULES:
        outcome = run(stack, rule)
        for text in [m for _, m in outcome.violations] + [u.reason for u in outcome.undecided]:
            assert not any(odd in text for odd in ("not-a-cidr", "10.0.0.0/33", "{not json", "'x'")), text
