"""The compliant network passes every routing/egress rule with nothing undecided, in a first preview's planned
state and in an update; the same one-word changes fail the same single rule in both modes."""

import pytest

from tests.policies.stack_builder import MODES, Mode, compliant, verdict

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
