"""Which security groups guard Lambdas and VPC endpoints, and every ingress rule that applies to them, in every
shape a program writes. Pure: no Pulumi import; used by `security-group-no-world-ingress`.

Shapes (pulumi-aws):
- groups: `aws.ec2.SecurityGroup`, `aws.ec2.DefaultSecurityGroup` (adopts the VPC's default group; rules it does not
  declare are removed), and the VPC's default group itself (`vpc.default_security_group_id`, which AWS gives an
  interface endpoint that names no group);
- who uses them: `aws.lambda.Function` `vpc_config.security_group_ids`, `aws.ec2.VpcEndpoint`
  `security_group_ids`, `aws.ec2.SecurityGroupAssociation` (endpoint <-> group);
- ingress: inline `ingress` blocks, `aws.ec2.SecurityGroupRule` (`type="ingress"`),
  `aws.vpc.SecurityGroupIngressRule`; sources as IPv4/IPv6 CIDRs (the world in any spelling: 0.0.0.0/0, ::/0,
  0::/0, 0:0:0:0:0:0:0:0/0, any address with /0), prefix lists (their entries, when the program manages the list,
  else undecided), other groups (fine).

In a first preview a group's `ingress` is computed, so unknown when the program omitted it: then the Analyze inputs
(`Res.inputs`) tell "omitted" (no inline rules) from "unknown". Messages name resources and ids, never a CIDR.
"""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from netkit_core.graph import (
    ENDPOINT,
    SECURITY_GROUP,
    SG_INGRESS_RULE,
    SG_RULE,
    VPC,
    Graph,
    Res,
    Undecidable,
    blank,
    is_unknown,
)

DEFAULT_SECURITY_GROUP = "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup"
SG_ASSOCIATION = "aws:ec2/securityGroupAssociation:SecurityGroupAssociation"
PREFIX_LIST = "aws:ec2/managedPrefixList:ManagedPrefixList"
PREFIX_LIST_ENTRY = "aws:ec2/managedPrefixListEntry:ManagedPrefixListEntry"
GROUP_TYPES = (SECURITY_GROUP, DEFAULT_SECURITY_GROUP)


@dataclass
class Group:
    """A guarded security group: a managed resource, or the default group of a managed VPC (`res` is the VPC)."""

    res: Res
    vpc_default: bool = False
    users: list[str] = field(default_factory=list)

    @property
    def key(self) -> str:
        return f"{self.res.urn}#default-security-group" if self.vpc_default else self.res.urn

    @property
    def name(self) -> str:
        return f"the default security group of {self.res.name}" if self.vpc_default else self.res.name


@dataclass(frozen=True)
class Ingress:
    """One ingress permission: who declares it (a group or a rule resource) and what it admits."""

    owner: Res
    protocol: Any
    ipv4: tuple[Any, ...]
    ipv6: tuple[Any, ...]
    prefix_lists: tuple[Any, ...]


_ID_SHAPE = re.compile(r"^(sg|pl)-[0-9a-f]{1,32}$")


def _unknown(value: Any) -> bool:
    return is_unknown(value)


def id_label(value: Any) -> str:
    """An id for a message when it has the shape of a security group / prefix list id; else a description (a
    message never carries another property value)."""
    if isinstance(value, str) and _ID_SHAPE.match(value):
        return value
    return "(unknown)" if _unknown(value) else "(a value that is not an id)"


def as_list(value: Any, owner: Res, what: str) -> list[Any]:
    """A list-valued property: None -> [], a list -> itself; unknown or another shape -> Undecidable."""
    if value is None:
        return []
    if _unknown(value):
        raise Undecidable(f"{owner.name}: its {what} are unknown", owner)
    if isinstance(value, list | tuple):
        return list(value)
    raise Undecidable(f"{owner.name}: its {what} are not a list", owner)


def world_verdict(cidrs: Iterable[Any], owner: Res) -> bool:
    """True when a source is the whole internet; Undecidable when one is unknown or not a CIDR."""
    world = False
    for cidr in cidrs:
        if blank(cidr):
            continue
        if _unknown(cidr):
            raise Undecidable(f"{owner.name}: an ingress CIDR is unknown", owner)
        if not isinstance(cidr, str):
            raise Undecidable(f"{owner.name}: an ingress CIDR is not a string", owner)
        try:
            network = ipaddress.ip_network(cidr.strip(), strict=False)
        except ValueError:
            raise Undecidable(f"{owner.name}: an ingress CIDR is not a valid CIDR block", owner) from None
        world = world or network.prefixlen == 0
    return world


def protocol_label(value: Any) -> str:
    text = "" if value is None or _unknown(value) else str(value).strip().lower()
    if text in ("-1", "all", ""):
        return "all traffic"
    return {"6": "tcp", "17": "udp", "1": "icmp", "58": "icmpv6"}.get(text, text)


class SecurityGroups:
    """The security-group view of one Graph."""

    def __init__(self, graph: Graph) -> None:
        self.graph = graph
        self._index: dict[str, list[Res]] | None = None
        self._default_by_id: dict[str, Res] = {}
        for vpc in graph.of_type(VPC):
            default_id = vpc.get("defaultSecurityGroupId")
            if isinstance(default_id, str) and default_id and not _unknown(default_id):
                self._default_by_id[default_id] = vpc

    # --- which groups --------------------------------------------------------------------------------------------
    def groups_of(self, res: Res, prop: str, value: Any, what: str) -> list[Group]:
        """The groups `value` (found under top-level `prop` of `res`) names; Undecidable when one cannot be told."""
        ids = as_list(value, res, what)
        found: dict[str, Group] = {}
        linked = self.graph.refs(res, prop, ids, *GROUP_TYPES, VPC)
        for target in linked:
            group = self._vpc_default(target) if target.type == VPC else Group(target)
            found[group.key] = group
        unmatched = []
        for entry in ids:
            if not isinstance(entry, str) or _unknown(entry):
                continue
            if entry in self._default_by_id:
                group = self._vpc_default(self._default_by_id[entry])
                found[group.key] = group
            elif not (entry in self.graph.by_id and self.graph.by_id[entry].type in GROUP_TYPES):
                unmatched.append(entry)
        if unmatched:
            raise Undecidable(
                f"{res.name}: security group(s) {', '.join(sorted(map(id_label, unmatched)))} are not managed by "
                "this program (check them where they are managed)",
                res,
            )
        if any(_unknown(e) for e in ids) and not found:
            raise Undecidable(f"{res.name}: its {what} are unknown and not linked to a group of this program", res)
        if any(not isinstance(e, str) and not _unknown(e) for e in ids):
            raise Undecidable(f"{res.name}: its {what} are not a list of ids", res)
        return list(found.values())

    def _vpc_default(self, vpc: Res) -> Group:
        """The VPC's default group; a DefaultSecurityGroup resource of that VPC manages it (then that resource)."""
        for managed in self.graph.of_type(DEFAULT_SECURITY_GROUP):
            if vpc in self.graph.refs(managed, "vpcId", managed.get("vpcId"), VPC):
                return Group(managed)
        return Group(vpc, vpc_default=True)

    def guarded(self) -> tuple[list[Group], list[Undecidable]]:
        """Groups of VPC functions and VPC endpoints (by inline ids or SecurityGroupAssociation)."""
        groups: dict[str, Group] = {}
        problems: list[Undecidable] = []

        def add(found: list[Group], user: Res) -> None:
            for group in found:
                groups.setdefault(group.key, group).users.append(user.name)

        for fn in self.graph.vpc_functions():
            vpc_config = fn.get("vpcConfig")
            try:
                ids = vpc_config.get("securityGroupIds") if isinstance(vpc_config, Mapping) else None
                add(self.groups_of(fn, "vpcConfig", ids, "security groups"), fn)
            except Undecidable as exc:
                problems.append(exc)
        for endpoint in self.graph.of_type(ENDPOINT):
            try:
                add(self._endpoint_groups(endpoint), endpoint)
            except Undecidable as exc:
                problems.append(exc)
        return sorted(groups.values(), key=lambda g: g.key), problems

    def _endpoint_groups(self, endpoint: Res) -> list[Group]:
        kind = endpoint.setting("vpcEndpointType", "Gateway", "its endpoint type")
        if _unknown(kind):
            raise Undecidable(f"{endpoint.name}: its endpoint type is unknown", endpoint)
        if kind not in ("Interface", "GatewayLoadBalancer"):
            return []  # gateway endpoints have no network interfaces, so no security groups
        declared = endpoint.setting("securityGroupIds", [], "its security group list")
        found = self.groups_of(endpoint, "securityGroupIds", declared, "security groups")
        for association in self.graph.of_type(SG_ASSOCIATION):
            targets = self.graph.refs(association, "vpcEndpointId", association.get("vpcEndpointId"), ENDPOINT)
            if endpoint in targets:
                found += self.groups_of(
                    association, "securityGroupId", [association.get("securityGroupId")], "security group"
                )
        if not found and isinstance(declared, list) and not declared:
            # AWS gives an interface endpoint that names no group the VPC's default group.
            vpcs = self.graph.refs(endpoint, "vpcId", endpoint.get("vpcId"), VPC)
            if len(vpcs) == 1:
                found.append(self._vpc_default(vpcs[0]))
        return found

    # --- which rules -----------------------------------------------------------------------------------------------
    def ingress(self, group: Group) -> tuple[list[Ingress], list[Undecidable]]:
        """Every ingress permission on the group: inline blocks and rule resources targeting it."""
        permissions: list[Ingress] = []
        problems: list[Undecidable] = []
        if not group.vpc_default:
            try:
                permissions += self._inline(group.res)
            except Undecidable as exc:
                problems.append(exc)
        # (An unmanaged default group keeps AWS's default rule: ingress from itself only.)
        for rule in self._rules_by_group().get(group.key, []):
            try:
                if rule.type == SG_RULE:
                    kind = rule.get("type")
                    if _unknown(kind):
                        raise Undecidable(f"{rule.name}: its type (ingress or egress) is unknown", rule)
                    if kind != "ingress":
                        continue
                permissions.append(self._rule_permission(rule))
            except Undecidable as exc:
                problems.append(exc)
        return permissions, problems

    def _rules_by_group(self) -> dict[str, list[Res]]:
        """Rule resources by the key of the group they target (computed once: stacks have thousands of rules)."""
        if self._index is None:
            index: dict[str, list[Res]] = {}
            for rule in self.graph.of_type(SG_RULE, SG_INGRESS_RULE):
                target = rule.get("securityGroupId")
                keys = set()
                for linked in self.graph.refs(rule, "securityGroupId", target, *GROUP_TYPES, VPC):
                    keys.add(self._vpc_default(linked).key if linked.type == VPC else linked.urn)
                if isinstance(target, str) and target in self._default_by_id:
                    keys.add(self._vpc_default(self._default_by_id[target]).key)
                for key in keys:
                    index.setdefault(key, []).append(rule)
            self._index = index
        return self._index

    def _inline(self, res: Res) -> list[Ingress]:
        blocks = res.setting("ingress", [], "its inline ingress")  # omitted: no inline ingress
        result = []
        for block in as_list(blocks, res, "inline ingress rules"):
            if _unknown(block):
                raise Undecidable(f"{res.name}: an inline ingress rule is unknown", res)
            if not isinstance(block, Mapping):
                raise Undecidable(f"{res.name}: an inline ingress rule is not an object", res)
            result.append(
                Ingress(
                    res,
                    block.get("protocol"),
                    tuple(as_list(block.get("cidrBlocks"), res, "ingress CIDR blocks")),
                    tuple(as_list(block.get("ipv6CidrBlocks"), res, "ingress IPv6 CIDR blocks")),
                    tuple(as_list(block.get("prefixListIds"), res, "ingress prefix lists")),
                )
            )
        return result

    def _rule_permission(self, rule: Res) -> Ingress:
        if rule.type == SG_RULE:
            return Ingress(
                rule,
                rule.get("protocol"),
                tuple(as_list(rule.get("cidrBlocks"), rule, "CIDR blocks")),
                tuple(as_list(rule.get("ipv6CidrBlocks"), rule, "IPv6 CIDR blocks")),
                tuple(as_list(rule.get("prefixListIds"), rule, "prefix lists")),
            )
        prefix = rule.get("prefixListId")
        return Ingress(
            rule,
            rule.get("ipProtocol"),
            (rule.get("cidrIpv4"),),
            (rule.get("cidrIpv6"),),
            () if blank(prefix) else (prefix,),
        )

    # --- verdicts --------------------------------------------------------------------------------------------------
    def opens_to_world(self, permission: Ingress) -> bool:
        """True when the permission admits the whole internet; Undecidable when it cannot be told."""
        if world_verdict((*permission.ipv4, *permission.ipv6), permission.owner):
            return True
        return any(self._prefix_list_has_world(permission.owner, prefix) for prefix in permission.prefix_lists)

    def _prefix_list_has_world(self, owner: Res, prefix: Any) -> bool:
        prop = "prefixListIds" if owner.type != SG_INGRESS_RULE else "prefixListId"
        lists = self.graph.refs(owner, prop, prefix, PREFIX_LIST)
        if owner.type == SECURITY_GROUP or owner.type == DEFAULT_SECURITY_GROUP:
            lists = self.graph.refs(owner, "ingress", prefix, PREFIX_LIST)
        if len(lists) != 1:
            raise Undecidable(
                f"{owner.name}: admits prefix list {id_label(prefix)}, whose entries this program does not manage "
                "(it may contain 0.0.0.0/0)",
                owner,
            )
        managed = lists[0]
        entries = managed.setting("entries", [], "its entry list")
        cidrs = [e.get("cidr") if isinstance(e, Mapping) else e for e in as_list(entries, managed, "entries")]
        for entry in self.graph.of_type(PREFIX_LIST_ENTRY):
            if managed in self.graph.refs(entry, "prefixListId", entry.get("prefixListId"), PREFIX_LIST):
                cidrs.append(entry.get("cidr"))
        return world_verdict(cidrs, managed)
