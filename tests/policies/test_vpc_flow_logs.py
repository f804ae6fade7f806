"""vpc-flow-logs: a FlowLog on the VPC (or on every Lambda subnet); one undecidable function does not hide others."""

import pytest
from netkit_core import graph as g

from tests.policies.stack_builder import MODES, Mode, compliant, messages, reasons, ref

RULE = "vpc-flow-logs"


@pytest.mark.parametrize("mode", MODES)
def test_flow_log_on_the_vpc_or_every_lambda_subnet(mode: Mode) -> None:
    assert (messages(compliant(mode), RULE), reasons(compliant(mode), RULE)) == ([], [])
    stack = compliant(mode, "no-flow-logs")
    assert messages(stack, RULE) == [
        "VPC vpc hosts Lambdas but has no flow logs: unexpected outbound connections (an SSRF being exploited) go "
        "unseen. Add an aws.ec2.FlowLog with vpc_id of vpc"
    ]
    for i in (0, 1):
        stack.add(g.FLOW_LOG, f"subnet-{i}", subnetId=ref(stack.named(f"lambda-{i}", g.SUBNET)), trafficType="ALL")
    assert messages(stack, RULE) == []


@pytest.mark.parametrize("mode", MODES)
def test_an_unplaceable_function_is_undecided_and_the_vpc_still_judged(mode: Mode) -> None:
    stack = compliant(mode, "no-flow-logs")
    stack.add(g.FUNCTION, "elsewhere", vpcConfig={"subnetIds": ["subnet-0aaa"]})
    assert reasons(stack, RULE) == ["elsewhere: subnet subnet-0aaa is not managed by this program"]
    assert len(messages(stack, RULE)) == 1
