"""vpc-endpoint-policy: an omitted policy is AWS's default full access (unknown in a first preview, the default
document in an update); explicit full access fails too; VpcEndpointPolicy counts; GWLB endpoints are skipped."""

import json

import pytest
from netkit_core import graph as g

from tests.policies.stack_builder import FULL_ACCESS, MODES, Mode, compliant, messages, network, reasons, ref

RULE = "vpc-endpoint-policy"


@pytest.mark.parametrize("mode", MODES)
def test_scoped_policies_inline_and_as_a_resource_pass(mode: Mode) -> None:
    assert (messages(compliant(mode), RULE), reasons(compliant(mode), RULE)) == ([], [])


@pytest.mark.parametrize("mode", MODES)
def test_omitted_policy_is_the_default_full_access(mode: Mode) -> None:
    assert messages(compliant(mode, "endpoint-policy-omitted"), RULE) == [
        "VPC endpoint sqs has no policy, so AWS's default allows full access to the service for any principal and "
        "resource: give aws.ec2.VpcEndpoint sqs a policy (or an aws.ec2.VpcEndpointPolicy) scoped to this account's "
        "resources"
    ]


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "document",
    [
        json.loads(FULL_ACCESS),
        {"Statement": {"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": ["*"], "Resource": ["*"]}},
    ],
)
def test_explicit_full_access_fails(mode: Mode, document: object) -> None:
    stack = compliant(mode, "endpoint-policy-omitted")
    stack.add(g.ENDPOINT_POLICY, "sqs", vpcEndpointId=ref(stack.named("sqs", g.ENDPOINT)), policy=json.dumps(document))
    assert messages(stack, RULE) == [
        "VPC endpoint sqs has a policy that allows full access to the service for any principal and resource: give "
        "aws.ec2.VpcEndpoint sqs a policy (or an aws.ec2.VpcEndpointPolicy) scoped to this account's resources"
    ]


@pytest.mark.parametrize("mode", MODES)
def test_policy_from_another_resource_is_undecided_and_bad_json_too(mode: Mode) -> None:
    stack = compliant(mode)
    sqs = stack.named("sqs", g.ENDPOINT)
    stack.set_from_output(sqs, "policy", stack.add("aws:s3/bucket:Bucket", "data"))
    assert reasons(stack, RULE) == ["sqs: policy comes from another resource and is not known yet"]
    assert sqs.inputs is not None
    sqs.props["policy"] = sqs.inputs["policy"] = "{not json"
    assert reasons(stack, RULE) == ["sqs: its policy is not valid JSON"]
    assert messages(stack, RULE) == []


@pytest.mark.parametrize("mode", MODES)
def test_gateway_load_balancer_endpoints_take_no_policy(mode: Mode) -> None:
    stack = network(mode, egress="hop-gwlb")
    assert (messages(stack, RULE), reasons(stack, RULE)) == ([], [])
