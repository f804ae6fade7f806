"""Cost model (DESIGN.md section 5)."""

import pytest
from netkit_core.cost import estimate_monthly_cost


def test_cost_model_prices_from_the_seeds() -> None:
    prod = estimate_monthly_cost(
        nat_gateways=3, public_ipv4=3, interface_endpoint_azs=15, accelerators=1, environment="prod"
    )
    by_item = {line.item: line.monthly for line in prod.lines}
    assert by_item == {
        "NAT gateway": 98.55,
        "public IPv4 address": 10.95,
        "interface endpoint x AZ": 109.5,
        "Global Accelerator": 18.25,
    }
    assert prod.monthly_total == pytest.approx(237.25)


def test_cost_model_names_the_cheaper_pattern() -> None:
    dev = estimate_monthly_cost(nat_gateways=2, public_ipv4=2, environment="dev")
    text = " ".join(dev.suggestions)
    assert "nat-single" in text and "hyperplane-eip" in text
    assert not any("hyperplane" in s for s in estimate_monthly_cost(nat_gateways=1, environment="prod").suggestions)
