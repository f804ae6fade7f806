"""Verdicts: the stack's needs against the account's facts. Pure functions, no boto3 or Pulumi.

Each check is `ok`, `fail` (with what to ask AWS for or what to change) or `unknown` (a fact could not be read:
the message names the missing permission). A failing check is a first deploy that would stop half-way. An unknown
check whose facts the preflight's deadline cut off says "could not read (deadline reached)" and carries
`deadline`: the report is then no pass, and prod stops on it (step.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from .facts import DEADLINE_REACHED, AccountFacts, BlockPublicAccess, Exclusion, Reading, StackVpc
from .needs import INGRESS, IPV6_EGRESS, NAT_EGRESS, InternetPath, StackNeeds

OK, FAIL, UNKNOWN = "ok", "fail", "unknown"
# Lambda keeps at least 100 concurrent executions unreserved: PutFunctionConcurrency refuses a reservation that
# "decreases account's UnreservedConcurrentExecution below its minimum value of [100]" (the API's error message).
MIN_UNRESERVED = 100
# What each BPA mode lets through without an exclusion, and which exclusion modes open the others
# (InternetGatewayBlockMode / InternetGatewayExclusionMode in the EC2 API reference: block-ingress lets only
# traffic to and from NAT gateways and egress-only internet gateways through; an allow-egress exclusion "only
# applies when VPC Block Public Access is set to Bidirectional").
PASSES_BLOCK_INGRESS = (NAT_EGRESS, IPV6_EGRESS)


@dataclass(frozen=True)
class Check:
    name: str
    status: str
    message: str
    action: str = ""
    numbers: dict[str, Any] = field(default_factory=dict)
    deadline: bool = False  # unknown because the deadline was reached before its facts were read

    def to_json(self) -> dict[str, Any]:
        return {
            "check": self.name,
            "status": self.status,
            "message": self.message,
            "action": self.action,
            **({"numbers": self.numbers} if self.numbers else {}),
            **({"deadline_reached": True} if self.deadline else {}),
        }


def could_not_read(*readings: Reading) -> str:
    """The unread readings as `could not read <source>: <problem>; ...`, those the deadline cut off as
    `could not read (deadline reached): <source>, ...`."""
    unread = [r for r in readings if not r.known]
    problems = [f"{r.source}: {r.problem}" if r.source else r.problem for r in unread if not r.deadline]
    cut = [r.source or "the account" for r in unread if r.deadline]
    parts = [f"could not read {'; '.join(problems)}"] if problems else []
    if cut:
        parts.append(f"{DEADLINE_REACHED}: {', '.join(cut)}")
    return "; ".join(parts)


def _unread(name: str, what: str, *readings: Reading) -> Check | None:
    if all(r.known for r in readings):
        return None
    deadline = any(r.deadline for r in readings)
    return Check(name, UNKNOWN, f"{what}; {could_not_read(*readings)}", deadline=deadline)


def _ask_to_raise(quota: str, region: str, at_least: int) -> str:
    """What to ask AWS for: `quota` (its name and Service Quotas code) raised in `region` to at least `at_least`."""
    return f"ask AWS to raise {quota} in {region} to at least {at_least}"


def elastic_ips(needs: StackNeeds, facts: AccountFacts) -> Check:
    planned = len(needs.eips)
    if not planned:
        return Check("elastic-ips", OK, "the program allocates no Elastic IP")
    what = f"the program allocates {planned} Elastic IP(s)"
    unread = _unread("elastic-ips", what, facts.eip_quota, facts.eips_allocated)
    if unread:
        return unread
    quota: int = facts.eip_quota.value
    allocated, own = facts.eips_allocated.value
    new = max(0, planned - own)
    free = max(0, quota - allocated)
    numbers = {"needed": new, "quota": quota, "allocated": allocated, "free": free, "own": own}
    held = f" ({own} already allocated to this stack)" if own else ""
    summary = (
        f"{what}{held}, {new} new; {allocated} of the {quota} allowed in {facts.region} are allocated, {free} free "
        f"(quota from {facts.eip_quota.source})"
    )
    if new <= free:
        return Check("elastic-ips", OK, summary, numbers=numbers)
    action = (
        _ask_to_raise("'EC2-VPC Elastic IPs' (ec2 L-0263D0A3)", facts.region, allocated + new)
        + ", or release unassociated Elastic IPs"
    )
    if needs.nat_azs:
        action += ", or give netkit:natAllocationIds (addresses you already hold)"
    return Check("elastic-ips", FAIL, f"{summary}: {new - free} short", action, numbers)


def nat_gateways(needs: StackNeeds, facts: AccountFacts) -> Check:
    if not needs.nat_azs:
        return Check("nat-gateways-per-az", OK, "the program creates no zonal NAT gateway")
    planned = ", ".join(f"{n} in {az}" for az, n in sorted(needs.nat_azs.items()))
    what = f"the program creates NAT gateways: {planned}"
    unread = _unread("nat-gateways-per-az", what, facts.nat_quota, facts.nats_per_az)
    if unread:
        return unread
    quota: int = facts.nat_quota.value
    others: dict[str, int] = facts.nats_per_az.value
    short = {az: others.get(az, 0) + n for az, n in needs.nat_azs.items() if others.get(az, 0) + n > quota}
    summary = f"{what}; other NAT gateways there: " + (
        ", ".join(f"{others.get(az, 0)} in {az}" for az in sorted(needs.nat_azs)) + f"; quota {quota} per AZ"
    )
    numbers = {
        "quota": quota,
        "planned": dict(needs.nat_azs),
        "others": {az: others.get(az, 0) for az in needs.nat_azs},
    }
    if not short:
        return Check("nat-gateways-per-az", OK, summary, numbers=numbers)
    action = (
        _ask_to_raise("'NAT gateways per Availability Zone' (vpc L-FE5A380F)", facts.region, max(short.values()))
        + f", or delete unused NAT gateways in {', '.join(sorted(short))}"
    )
    return Check("nat-gateways-per-az", FAIL, summary, action, numbers)


def lambda_concurrency(needs: StackNeeds, facts: AccountFacts) -> Check:
    planned = sum(needs.reserved.values())
    what = f"the program reserves {planned} concurrent executions ({len(needs.reserved)} function(s))"
    unread = _unread("lambda-concurrency", what, facts.lambda_concurrency)
    if unread:
        return unread
    limit = facts.lambda_concurrency.value.limit
    unreserved = facts.lambda_concurrency.value.unreserved
    own = facts.own_reserved.value if facts.own_reserved.known else 0
    if unreserved is None:
        others_reserved = None
        left = limit - planned
    else:
        others_reserved = max(0, limit - unreserved - own)
        left = limit - others_reserved - planned
    numbers = {"limit": limit, "unreserved": unreserved, "planned_reserved": planned, "left_unreserved": left}
    summary = (
        f"{what}; the account allows {limit} in {facts.region}"
        + (f", {others_reserved} reserved by other functions" if others_reserved is not None else "")
        + f", leaving {left} unreserved"
    )
    if left < MIN_UNRESERVED:
        action = (
            _ask_to_raise(
                "Lambda 'Concurrent executions' (lambda L-B99A9384)", facts.region, limit - left + MIN_UNRESERVED
            )
            + f", or lower netkit:reservedConcurrency: Lambda keeps {MIN_UNRESERVED} unreserved"
        )
        return Check("lambda-concurrency", FAIL, summary, action, numbers)
    if unreserved is None:
        problem = facts.lambda_concurrency.source
        return Check(
            "lambda-concurrency", UNKNOWN, f"{summary}, not counting other functions' reservations ({problem})"
        )
    if not facts.own_reserved.known:
        summary += f" (this stack's current reservations unread: {facts.own_reserved.problem})"
    return Check("lambda-concurrency", OK, summary, numbers=numbers)


def subnet_capacity(needs: StackNeeds, facts: AccountFacts) -> Check:
    """The capacity rule's verdict at the account's concurrency instead of the policy config's assumption."""
    if not facts.lambda_concurrency.known:
        return Check(
            "lambda-subnet-capacity",
            UNKNOWN,
            f"the capacity rule assumes accountConcurrency {needs.capacity.account_concurrency}; the account's: "
            + could_not_read(facts.lambda_concurrency),
            deadline=facts.lambda_concurrency.deadline,
        )
    limit = facts.lambda_concurrency.value.limit
    assumed = needs.capacity.account_concurrency
    rows = needs.demands(limit)
    short = [r for r in rows if r.usable < r.demand.required]
    basis = f"at the account's concurrency of {limit} (the policy config assumes {assumed})"
    if not short:
        hint = "" if limit == assumed else "; `netkit check --account-facts` with this report uses it"
        return Check(
            "lambda-subnet-capacity",
            OK,
            f"{len(rows)} Lambda subnet(s) have room {basis}{hint}",
            numbers={"limit": limit},
        )
    listed = "; ".join(
        f"{r.subnet.name} ({r.cidr}) has {r.usable} usable IPs, needs {r.demand.required}: {r.demand.explain()}"
        for r in short
    )
    action = "use larger Lambda subnets (LambdaNetwork sizes them from CapacityPlan) or reserve concurrency"
    return Check("lambda-subnet-capacity", FAIL, f"{basis}: {listed}", action, {"limit": limit})


def _account_limit(facts: AccountFacts) -> int | None:
    return facts.lambda_concurrency.value.limit if facts.lambda_concurrency.known else None


def hyperplane_enis(needs: StackNeeds, facts: AccountFacts) -> Check:
    need = needs.hyperplane_enis(_account_limit(facts))
    if not need:
        return Check("hyperplane-enis-per-vpc", OK, "the program has no VPC function")
    what = f"the stack's functions need up to {need} Hyperplane ENIs in their VPC (capacity model, with churn)"
    unread = _unread("hyperplane-enis-per-vpc", what + " (AWS's default quota: 250)", facts.lambda_eni_quota)
    if unread:
        return unread
    quota: int = facts.lambda_eni_quota.value
    shared = "" if needs.creates_vpc else "; the VPC is another stack's: its other functions' ENIs are not counted"
    summary = f"{what}; the quota is {quota} per VPC ({facts.lambda_eni_quota.source}){shared}"
    numbers = {"needed": need, "quota": quota}
    if need <= quota:
        return Check("hyperplane-enis-per-vpc", OK, summary, numbers=numbers)
    action = (
        _ask_to_raise("Lambda 'Elastic network interfaces per VPC' (lambda L-9FEE3D26)", facts.region, need)
        + ", or use fewer subnet x security-group combinations"
    )
    return Check("hyperplane-enis-per-vpc", FAIL, summary, action, numbers)


def network_interfaces(needs: StackNeeds, facts: AccountFacts) -> Check:
    need = needs.hyperplane_enis(_account_limit(facts)) + needs.other_enis
    what = f"the stack needs up to {need} network interfaces ({needs.other_enis} besides Lambda's)"
    unread = _unread("network-interfaces", what, facts.eni_quota, facts.enis)
    if unread:
        return unread
    quota: int = facts.eni_quota.value
    in_region, own = facts.enis.value
    others = in_region - own
    summary = f"{what}; {others} other interface(s) in {facts.region}, quota {quota}"
    numbers = {"needed": need, "in_use": others, "quota": quota}
    if others + need <= quota:
        return Check("network-interfaces", OK, summary, numbers=numbers)
    action = (
        _ask_to_raise("'Network interfaces per Region' (vpc L-DF5E4CA3)", facts.region, others + need)
        + ", or delete unused network interfaces"
    )
    return Check("network-interfaces", FAIL, summary, action, numbers)


def _needed_modes(kind: str, mode: str) -> tuple[str, ...]:
    """The exclusion modes that let this path through under `mode`; () = it passes without an exclusion."""
    if mode == "off" or (mode == "block-ingress" and kind in PASSES_BLOCK_INGRESS):
        return ()
    if kind == INGRESS or mode == "block-ingress":
        return ("allow-bidirectional",)
    return ("allow-egress", "allow-bidirectional")


def _covered(
    path: InternetPath, modes: tuple[str, ...], vpc: StackVpc | None, exclusions: Iterable[Exclusion], program: Any
) -> bool:
    """Whether exclusions (the account's for the deployed VPC, or the program's own) cover every subnet of the path
    (a VPC-wide exclusion covers all of them)."""
    found = list(exclusions)
    if vpc is not None and any(e.kind == "vpc" and e.resource_id == vpc.vpc_id and e.mode in modes for e in found):
        return True
    if any(mode in modes and kind == "vpc" for mode, kind, _ in program):
        return True
    if not path.subnets:
        return False
    for label in path.subnets:
        in_account = vpc is not None and any(
            e.kind == "subnet" and e.resource_id == vpc.subnets.get(label) and e.mode in modes for e in found
        )
        in_program = any(mode in modes and kind == "subnet" and name == label for mode, kind, name in program)
        if not (in_account or in_program):
            return False
    return True


def block_public_access(needs: StackNeeds, facts: AccountFacts) -> Check:
    name = "block-public-access"
    if not needs.paths:
        return Check(name, OK, "the stack has no path through an internet gateway")
    unread = _unread(name, f"the stack has {len(needs.paths)} internet path(s)", facts.block_public_access)
    if unread:
        return unread
    bpa: BlockPublicAccess = facts.block_public_access.value
    where = f"VPC Block Public Access is {bpa.mode} in {facts.region}"
    if bpa.mode == "off":
        return Check(name, OK, where)
    vpc: StackVpc | None = facts.stack_vpc.value
    allowed = bpa.exclusions_allowed
    account = facts.exclusions.value if facts.exclusions.known and allowed else []
    program = needs.exclusions if allowed else []
    blocked: list[tuple[InternetPath, tuple[str, ...]]] = []
    for path in needs.paths:
        modes = _needed_modes(path.kind, bpa.mode)
        if modes and not _covered(path, modes, vpc, account, program):
            blocked.append((path, modes))
    if not blocked:
        return Check(name, OK, f"{where}; every internet path of the stack passes or is excluded")
    if facts.exclusions.problem and allowed and vpc is not None:
        return Check(
            name,
            UNKNOWN,
            f"{where}; its exclusions: {could_not_read(facts.exclusions)}",
            deadline=facts.exclusions.deadline,
        )
    listed = "; ".join(
        f"{p.what} ({p.kind}) is blocked"
        + (f" unless {' or '.join(m)} covers {', '.join(p.subnets)}" if p.subnets else "")
        for p, m in blocked
    )
    if not allowed:
        action = (
            "exclusions are not allowed here (Block Public Access is enforced by the organization"
            f"{': ' + bpa.managed_by if bpa.managed_by else ''}): ask its administrators to change the mode, or "
            "deploy elsewhere"
        )
    else:
        first = blocked[0][1][0]
        scope = "this stack's VPC" if vpc is not None else "the VPC the program creates (it has none yet)"
        action = (
            f"create a Block Public Access exclusion ({first}) for {scope} or the subnets named, e.g. "
            "aws.ec2.VpcBlockPublicAccessExclusion in the program, or have the region's mode changed"
        )
    return Check(name, FAIL, f"{where}: {listed}", action)


CHECKS: tuple[Callable[[StackNeeds, AccountFacts], Check], ...] = (
    elastic_ips,
    nat_gateways,
    network_interfaces,
    hyperplane_enis,
    lambda_concurrency,
    subnet_capacity,
    block_public_access,
)


def evaluate(needs: StackNeeds, facts: AccountFacts) -> list[Check]:
    return [check(needs, facts) for check in CHECKS]
