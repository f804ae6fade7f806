"""`security-group-no-world-ingress`: No 0.0.0.0/0 or ::/0 ingress on security groups of Lambdas or VPC endpoints."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from netkit_core.graph import (
    ENDPOINT,
    SECURITY_GROUP,
    SG_INGRESS_RULE,
    SG_RULE,
    Graph,
    Res,
    is_unknown,
    is_world,
)
from netkit_core.rule import Outcome, Rule


def _protocol(value: Any) -> str:
    return "all traffic" if str(value).lower() in ("-1", "all") else f"{value}"


def _cidr_verdict(cidrs: list[Any]) -> str | None:
    """ "world" when any source is 0.0.0.0/0 or ::/0, "unknown" when one is not known yet, else None."""
    if any(is_world(c) for c in cidrs):
        return "world"
    return "unknown" if any(is_unknown(c) for c in cidrs) else None


def security_group_no_world_ingress(graph: Graph, config: Mapping[str, Any]) -> Outcome:
    out = Outcome()
    guarded: dict[str, Res] = {}
    for fn in graph.vpc_functions():
        for group in graph.function_security_groups(fn):
            guarded[group.urn] = group
    for endpoint in graph.of_type(ENDPOINT):
        for group in graph.refs(endpoint, "securityGroupIds", endpoint.get("securityGroupIds"), SECURITY_GROUP):
            guarded[group.urn] = group
    for group in guarded.values():
        rules = group.get("ingress")
        for rule in rules if isinstance(rules, list) else []:
            if not isinstance(rule, dict):
                continue
            verdict = _cidr_verdict([*(rule.get("cidrBlocks") or []), *(rule.get("ipv6CidrBlocks") or [])])
            if verdict == "world":
                out.fail(
                    group,
                    f"security group {group.name} allows {_protocol(rule.get('protocol'))} ingress from "
                    "the whole internet; reference the calling security group instead",
                )
            elif verdict == "unknown":
                out.undecide(group, f"{group.name}: an inline ingress CIDR is unknown")
    for rule in graph.of_type(SG_RULE, SG_INGRESS_RULE):
        if rule.type == SG_RULE and rule.get("type") != "ingress":
            continue
        targets = graph.refs(rule, "securityGroupId", rule.get("securityGroupId"), SECURITY_GROUP)
        if not any(t.urn in guarded for t in targets):
            continue
        if rule.type == SG_RULE:
            cidrs = [*(rule.get("cidrBlocks") or []), *(rule.get("ipv6CidrBlocks") or [])]
            protocol = rule.get("protocol")
        else:
            cidrs = [rule.get("cidrIpv4"), rule.get("cidrIpv6")]
            protocol = rule.get("ipProtocol")
        verdict = _cidr_verdict(cidrs)
        if verdict == "world":
            group = next(t for t in targets if t.urn in guarded)
            out.fail(
                rule,
                f"rule {rule.name} opens security group {group.name} to {_protocol(protocol)} from the "
                "whole internet; reference the calling security group instead",
            )
        elif verdict == "unknown":
            out.undecide(rule, f"{rule.name}: its CIDR is unknown")
    return out


RULE = Rule(
    name="security-group-no-world-ingress",
    description="No 0.0.0.0/0 or ::/0 ingress on security groups of Lambdas or VPC endpoints.",
    enforcement="mandatory",
    severity="high",
    remediation="Admit traffic from the calling security group (referenced_security_group_id).",
    config_schema={},
    stack_check=security_group_no_world_ingress,
)
