"""Capacity model (DESIGN.md section 4) and CIDR planning: table cases and properties."""

import ipaddress

import pytest
from hypothesis import given
from hypothesis import strategies as st
from netkit_core.capacity import (
    CapacityPlan,
    EniCombination,
    PlanError,
    enis_for_combination,
    plan_subnets,
    required_ips,
    smallest_prefix_for,
    usable_ips,
    validate_subnet_cidrs,
)


@pytest.mark.parametrize(("prefix", "usable"), [(28, 11), (27, 27), (24, 251), (16, 65531), (32, 0)])
def test_usable_ips_keeps_five_addresses_for_aws(prefix: int, usable: int) -> None:
    assert usable_ips(prefix) == usable


@pytest.mark.parametrize(
    ("concurrency", "per_invocation", "enis"),
    [(None, 1, 1), (1000, 1, 1), (65_000, 1, 1), (65_001, 1, 2), (1000, 100, 2), (0, 1, 1)],
)
def test_one_eni_per_65000_connections(concurrency: int | None, per_invocation: int, enis: int) -> None:
    assert enis_for_combination(EniCombination(concurrency, per_invocation)) == enis


def test_required_ips_sums_combinations_and_other_enis_times_churn() -> None:
    demand = required_ips([EniCombination(10), EniCombination(200_000)], other_enis=3, churn_factor=2)
    assert (demand.lambda_enis, demand.required) == (1 + 4, (5 + 3) * 2)
    assert "x2 churn" in demand.explain()


def test_churn_factor_below_one_is_refused() -> None:
    with pytest.raises(PlanError, match="churn factor"):
        required_ips([EniCombination()], churn_factor=0.5)


def test_smallest_prefix() -> None:
    assert smallest_prefix_for(11) == 28
    assert smallest_prefix_for(12) == 27
    with pytest.raises(PlanError):
        smallest_prefix_for(10**6)


def test_capacity_plan_never_smaller_than_its_floor() -> None:
    assert CapacityPlan().prefix_length() == 24
    assert CapacityPlan(max_prefix_length=28, interface_endpoints=5).prefix_length() == 27  # (1+5)*2=12 > 11


def test_plan_refuses_a_vpc_too_small_and_says_what_it_needs() -> None:
    with pytest.raises(PlanError, match="needs at least /22"):
        plan_subnets("10.0.0.0/24", [("lambda", 24), ("public", 26)], 2)


@pytest.mark.parametrize("cidr", ["10.0.0.1/16", "300.0.0.0/16", "10.0.0.0/8", "nonsense"])
def test_plan_refuses_bad_vpc_cidrs(cidr: str) -> None:
    with pytest.raises(PlanError):
        plan_subnets(cidr, [("lambda", 24)], 2)


def test_user_subnets_must_not_overlap_or_leave_the_vpc() -> None:
    with pytest.raises(PlanError, match="overlap"):
        validate_subnet_cidrs("10.0.0.0/16", ["10.0.0.0/24", "10.0.0.128/25"])
    with pytest.raises(PlanError, match="not inside"):
        validate_subnet_cidrs("10.0.0.0/16", ["10.1.0.0/24"])


@given(
    vpc_prefix=st.integers(16, 22),
    tiers=st.lists(st.integers(20, 28), min_size=1, max_size=3),
    azs=st.integers(1, 4),
)
def test_planned_subnets_never_overlap_and_fit_the_vpc(vpc_prefix: int, tiers: list[int], azs: int) -> None:
    vpc = f"10.0.0.0/{vpc_prefix}"
    tier_specs = [(f"t{i}", max(p, vpc_prefix)) for i, p in enumerate(tiers)]
    try:
        planned = plan_subnets(vpc, tier_specs, azs)
    except PlanError as exc:
        assert "too small" in str(exc)
        total = sum(2 ** (32 - p) for _, p in tier_specs) * azs
        assert total > 2 ** (32 - vpc_prefix)
        return
    nets = [ipaddress.IPv4Network(p.cidr) for p in planned]
    assert len(nets) == len(tier_specs) * azs
    for i, a in enumerate(nets):
        assert a.subnet_of(ipaddress.IPv4Network(vpc))
        assert all(not a.overlaps(b) for b in nets[i + 1 :])


@given(combos=st.integers(1, 20), concurrency=st.integers(0, 10**6), extra=st.integers(1, 10**6))
def test_capacity_grows_with_combinations_and_concurrency(combos: int, concurrency: int, extra: int) -> None:
    base = required_ips([EniCombination(concurrency)] * combos).required
    assert required_ips([EniCombination(concurrency)] * (combos + 1)).required > base
    assert required_ips([EniCombination(concurrency + extra)] * combos).required >= base


@given(block=st.integers(0, 2**56 - 1), index=st.integers(0, 255))
def test_each_dual_stack_subnet_gets_its_own_64_of_the_vpc_56(block: int, index: int) -> None:
    from components.ipv6 import ipv6_subnet_cidr

    vpc = ipaddress.IPv6Network((block << 72, 56))
    subnet = ipaddress.IPv6Network(ipv6_subnet_cidr(str(vpc), index))
    assert subnet.prefixlen == 64 and subnet.subnet_of(vpc)
    assert subnet == list(vpc.subnets(new_prefix=64))[index]  # Terraform's cidrsubnet(vpc, 8, index)


@pytest.mark.parametrize(
    ("block", "index", "message"),
    [
        ("2600:1f18:abcd:1200::/56", 256, "has 256 /64 subnet"),
        ("2600:1f18:abcd:1200::/72", 0, "smaller than the /64"),
        ("10.0.0.0/16", 0, "not an IPv6 CIDR block"),
    ],
)
def test_ipv6_subnet_refuses_what_does_not_fit(block: str, index: int, message: str) -> None:
    from components.ipv6 import ipv6_subnet_cidr

    with pytest.raises(PlanError, match=message):
        ipv6_subnet_cidr(block, index)
