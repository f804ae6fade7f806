"""interface-endpoint-private-dns: AWS's defaults for omitted settings (private DNS off, DNS support on, DNS
hostnames off), aws.vpc.EndpointPrivateDns, and really-unknown values staying undecided."""

import pytest
from netkit_core import graph as g

from tests.policies.stack_builder import MODES, Mode, compliant, messages, reasons, ref

RULE = "interface-endpoint-private-dns"


@pytest.mark.parametrize("mode", MODES)
def test_defaults_for_omitted_settings(mode: Mode) -> None:
    assert (messages(compliant(mode, "dns-support-omitted"), RULE), reasons(compliant(mode), RULE)) == ([], [])
    assert messages(compliant(mode, "private-dns-omitted"), RULE) == [
        "interface endpoint sqs has private DNS off: SDK calls to the service's normal name bypass it (and fail "
        "without internet). Set private_dns_enabled=True on aws.ec2.VpcEndpoint sqs"
    ]
    assert messages(compliant(mode, "dns-hostnames-omitted"), RULE) == [
        "VPC vpc of interface endpoint sqs has enable_dns_hostnames off: private DNS needs both on (the DNS trap). "
        "Set enable_dns_hostnames=True on aws.ec2.Vpc vpc"
    ]


@pytest.mark.parametrize("mode", MODES)
def test_endpoint_private_dns_resource_decides(mode: Mode) -> None:
    stack = compliant(mode, "private-dns-omitted")
    stack.add(g.ENDPOINT_PRIVATE_DNS, "sqs", vpcEndpointId=ref(stack.named("sqs", g.ENDPOINT)), privateDnsEnabled=True)
    assert messages(stack, RULE) == []
    stack = compliant(mode)
    stack.add(g.ENDPOINT_PRIVATE_DNS, "sqs", vpcEndpointId=ref(stack.named("sqs", g.ENDPOINT)), privateDnsEnabled=False)
    assert len(messages(stack, RULE)) == 1


@pytest.mark.parametrize("mode", MODES)
def test_a_value_from_another_resource_is_undecided(mode: Mode) -> None:
    stack = compliant(mode)
    flag = stack.add("aws:ssm/parameter:Parameter", "flag", type="String", value="true")
    stack.set_from_output(stack.named("vpc", g.VPC), "enableDnsHostnames", flag)
    assert messages(stack, RULE) == []
    assert reasons(stack, RULE) == ["vpc: enable_dns_hostnames comes from another resource and is not known yet"]


def test_without_the_analyze_inputs_an_unknown_stays_undecided() -> None:
    stack = compliant("preview", "private-dns-omitted")
    stack.named("sqs", g.ENDPOINT).inputs = None
    assert messages(stack, RULE) == []
    assert reasons(stack, RULE) == ["sqs: private_dns_enabled is unknown (its Analyze inputs were not seen)"]


@pytest.mark.parametrize("mode", MODES)
def test_a_partner_endpoint_service_is_not_asked_for_private_dns(mode: Mode) -> None:
    """A PrivateLink endpoint service has a private DNS name only if its provider verified one."""
    stack = compliant(mode)
    stack.add(
        g.ENDPOINT,
        "vendor",
        vpcId=ref(stack.named("vpc", g.VPC)),
        serviceName="com.amazonaws.vpce.us-east-1.vpce-svc-0123456789abcdef0",
        vpcEndpointType="Interface",
    )
    assert (messages(stack, RULE), reasons(stack, RULE)) == ([], [])
    assert messages(stack, "vpc-endpoint-policy") == []
