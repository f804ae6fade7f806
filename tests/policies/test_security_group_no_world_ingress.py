"""`security-group-no-world-ingress`: a compliant stack passes; each single change that opens a guarded group to
the internet fails, in a first preview (ids and computed outputs unknown) and in an update; shapes the pack cannot
judge are undecided with the reason, never a pass or a crash."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from netkit_core.graph import ENDPOINT, FUNCTION, SECURITY_GROUP, SG_INGRESS_RULE, SG_RULE, SUBNET, VPC, Res
from netkit_core.rule import Outcome
from netkit_core.security_groups import DEFAULT_SECURITY_GROUP, PREFIX_LIST, SG_ASSOCIATION

from tests.policies.conftest import MODES, Planned, Ref, run_stack

POLICY = "security-group-no-world-ingress"
WORLD_RULE = {"protocol": "-1", "fromPort": 0, "toPort": 0, "cidrBlocks": ["0.0.0.0/0"]}


class Sg:
    """The compliant stack: a function and an interface endpoint, each with its own group; the function's group
    admits a caller group through a separate rule resource, the endpoint's admits the function's group inline."""

    def __init__(self, mode: str) -> None:
        p = self.p = Planned(mode)
        self.vpc = p.add(VPC, "vpc", {"cidrBlock": "10.0.0.0/16"}, {"defaultSecurityGroupId": "sg-default"})
        self.subnet = p.add(
            SUBNET, "a", {"vpcId": Ref(self.vpc), "cidrBlock": "10.0.1.0/24", "availabilityZone": "us-east-1a"}
        )
        self.caller = p.add(SECURITY_GROUP, "caller", {"vpcId": Ref(self.vpc)}, {"ingress": []})

    def group(self, name: str, **inputs: object) -> Res:
        return self.p.add(SECURITY_GROUP, name, {"vpcId": Ref(self.vpc), **inputs}, {"ingress": [], "egress": []})

    def function(self, groups: list[object]) -> Res:
        vpc_config = {"subnetIds": [Ref(self.subnet)], "securityGroupIds": groups}
        return self.p.add(FUNCTION, "fn", {"vpcConfig": vpc_config, "reservedConcurrentExecutions": 5})

    def endpoint(self, groups: list[object] | None) -> Res:
        inputs: dict[str, object] = {
            "vpcId": Ref(self.vpc),
            "vpcEndpointType": "Interface",
            "serviceName": "com.amazonaws.us-east-1.secretsmanager",
            "subnetIds": [Ref(self.subnet)],
            "privateDnsEnabled": True,
        }
        if groups is not None:
            inputs["securityGroupIds"] = groups
        return self.p.add(ENDPOINT, "sm", inputs, {"securityGroupIds": []})

    def compliant(
        self, fn_sg_inputs: dict[str, object] | None = None, ep_inputs: dict[str, object] | None = None
    ) -> None:
        self.fn_sg = self.group("fn-sg", **(fn_sg_inputs or {}))
        ingress = [{"protocol": "tcp", "fromPort": 443, "toPort": 443, "securityGroups": [Ref(self.fn_sg)]}]
        self.ep_sg = self.group("ep-sg", ingress=ingress, **(ep_inputs or {}))
        self.p.add(
            SG_INGRESS_RULE,
            "fn-from-caller",
            {
                "securityGroupId": Ref(self.fn_sg),
                "referencedSecurityGroupId": Ref(self.caller),
                "ipProtocol": "tcp",
                "fromPort": 443,
                "toPort": 443,
            },
        )
        self.fn = self.function([Ref(self.fn_sg)])
        self.ep = self.endpoint([Ref(self.ep_sg)])

    def run(self) -> Outcome:
        return run_stack(POLICY, self.p.resources)


def _change_inline_ipv4(s: Sg) -> str:
    s.compliant(fn_sg_inputs={"ingress": [WORLD_RULE]})
    return "fn-sg"


def _change_inline_ipv6_long_spelling(s: Sg) -> str:
    s.compliant(ep_inputs={})
    s.p.resources.remove(s.ep_sg)
    world = {"protocol": "tcp", "fromPort": 443, "toPort": 443, "ipv6CidrBlocks": ["0:0:0:0:0:0:0:0/0"]}
    s.ep_sg = s.group("ep-sg-open", ingress=[world])
    s.p.resources.remove(s.ep)
    s.ep = s.endpoint([Ref(s.ep_sg)])
    return "ep-sg-open"


def _change_sg_rule(s: Sg) -> str:
    s.compliant()
    s.p.add(
        SG_RULE,
        "open",
        {
            "type": "ingress",
            "securityGroupId": Ref(s.fn_sg),
            "protocol": "tcp",
            "fromPort": 22,
            "toPort": 22,
            "cidrBlocks": ["10.0.0.0/8", " 0.0.0.0/0"],
        },
    )
    return "open"


def _change_vpc_ingress_rule_ipv6(s: Sg) -> str:
    s.compliant()
    s.p.add(
        SG_INGRESS_RULE,
        "open6",
        {"securityGroupId": Ref(s.fn_sg), "cidrIpv6": "0::/0", "ipProtocol": "all"},
    )
    return "open6"


def _change_default_security_group(s: Sg) -> str:
    s.compliant()
    default = s.p.add(DEFAULT_SECURITY_GROUP, "default", {"vpcId": Ref(s.vpc), "ingress": [WORLD_RULE]})
    s.p.resources.remove(s.fn)
    s.fn = s.function([Ref(default)])
    return "default"


def _change_vpc_default_group_by_rule(s: Sg) -> str:
    s.compliant()
    s.p.resources.remove(s.fn)
    s.fn = s.function([Ref(s.vpc, "defaultSecurityGroupId")])
    s.p.add(
        SG_INGRESS_RULE,
        "open-default",
        {"securityGroupId": Ref(s.vpc, "defaultSecurityGroupId"), "cidrIpv4": "0.0.0.0/0", "ipProtocol": "-1"},
    )
    return "open-default"


def _change_association_on_endpoint(s: Sg) -> str:
    s.compliant()
    open_group = s.group("assoc-sg", ingress=[WORLD_RULE])
    s.p.add(SG_ASSOCIATION, "assoc", {"securityGroupId": Ref(open_group), "vpcEndpointId": Ref(s.ep)})
    return "assoc-sg"


def _change_endpoint_without_group_gets_open_default(s: Sg) -> str:
    s.compliant()
    s.p.resources.remove(s.ep)
    s.ep = s.endpoint(None)
    s.p.add(DEFAULT_SECURITY_GROUP, "default", {"vpcId": Ref(s.vpc), "ingress": [WORLD_RULE]})
    return "default"


def _change_managed_prefix_list_with_world(s: Sg) -> str:
    s.compliant()
    prefix = s.p.add(
        PREFIX_LIST, "everyone", {"addressFamily": "IPv4", "maxEntries": 1, "entries": [{"cidr": "0.0.0.0/0"}]}
    )
    s.p.add(
        SG_RULE,
        "from-list",
        {
            "type": "ingress",
            "securityGroupId": Ref(s.fn_sg),
            "protocol": "tcp",
            "fromPort": 443,
            "toPort": 443,
            "prefixListIds": [Ref(prefix)],
        },
    )
    return "from-list"


CHANGES: dict[str, Callable[[Sg], str]] = {
    "inline IPv4 world": _change_inline_ipv4,
    "inline IPv6 world, long spelling, on an endpoint group": _change_inline_ipv6_long_spelling,
    "aws.ec2.SecurityGroupRule": _change_sg_rule,
    "aws.vpc.SecurityGroupIngressRule ::/0": _change_vpc_ingress_rule_ipv6,
    "aws.ec2.DefaultSecurityGroup used by the function": _change_default_security_group,
    "rule on vpc.default_security_group_id used by the function": _change_vpc_default_group_by_rule,
    "aws.ec2.SecurityGroupAssociation on the endpoint": _change_association_on_endpoint,
    "endpoint with no group gets the VPC default group": _change_endpoint_without_group_gets_open_default,
    "managed prefix list containing 0.0.0.0/0": _change_managed_prefix_list_with_world,
}


@pytest.mark.parametrize("mode", MODES)
def test_compliant_stack_passes_and_decides_everything(mode: str) -> None:
    s = Sg(mode)
    s.compliant()
    outcome = s.run()
    assert outcome.violations == [] and outcome.undecided == []


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("change", sorted(CHANGES))
def test_each_single_change_fails(mode: str, change: str) -> None:
    s = Sg(mode)
    offender = CHANGES[change](s)
    outcome = s.run()
    assert outcome.undecided == []
    assert [urn.rsplit("::", 1)[1] for urn, _ in outcome.violations] == [offender]
    message = outcome.violations[0][1]
    assert "0.0.0.0" not in message and "::/0" not in message  # names, never values


def test_all_protocols_are_named_as_such() -> None:
    s = Sg("update")
    _change_vpc_ingress_rule_ipv6(s)
    assert "all traffic" in s.run().violations[0][1]


def test_egress_rules_and_unguarded_groups_are_not_concerned() -> None:
    s = Sg("update")
    s.compliant()
    s.p.add(
        SG_RULE,
        "egress",
        {
            "type": "egress",
            "securityGroupId": Ref(s.fn_sg),
            "protocol": "-1",
            "fromPort": 0,
            "toPort": 0,
            "cidrBlocks": ["0.0.0.0/0"],
        },
    )
    s.group("web", ingress=[WORLD_RULE])  # a group no Lambda or endpoint uses
    assert s.run().violations == []


@pytest.mark.parametrize(
    ("rule", "reason"),
    [
        ({"cidrBlocks": ["10.0.0.0/33"]}, "not a valid CIDR"),
        ({"cidrBlocks": "0.0.0.0/0"}, "not a list"),
        ({"cidrBlocks": [7]}, "not a string"),
        ({"prefixListIds": ["pl-0123456789abcdef0"]}, "prefix list pl-0123456789abcdef0"),
    ],
)
def test_shapes_it_cannot_judge_are_undecided_with_the_reason(rule: dict[str, object], reason: str) -> None:
    s = Sg("update")
    s.compliant(fn_sg_inputs={"ingress": [{"protocol": "tcp", "fromPort": 1, "toPort": 1, **rule}]})
    outcome = s.run()
    assert outcome.violations == []
    assert [u.urn for u in outcome.undecided] == [s.fn_sg.urn]
    assert reason in outcome.undecided[0].reason


def test_omitted_ingress_is_decided_from_the_analyze_inputs_else_undecided() -> None:
    s = Sg("preview")
    s.compliant()
    assert s.run().undecided == []  # `ingress` unknown, but absent from the inputs: no inline rules
    s.fn_sg.inputs = None  # the pack did not see Analyze for it
    outcome = s.run()
    assert [u.urn for u in outcome.undecided] == [s.fn_sg.urn]
    assert "its inline ingress is unknown" in outcome.undecided[0].reason


def test_groups_not_managed_by_the_program_are_undecided() -> None:
    s = Sg("update")
    s.compliant()
    s.p.resources.remove(s.fn)
    s.fn = s.function(["sg-0aaaabbbbcccc"])
    outcome = s.run()
    assert [u.urn for u in outcome.undecided] == [s.fn.urn]
    assert "sg-0aaaabbbbcccc are not managed by this program" in outcome.undecided[0].reason
