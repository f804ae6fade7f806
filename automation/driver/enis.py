"""ENI-aware teardown of a stack whose functions run in security groups or subnets the stack owns.

Why: deleting such a stack waits on Lambda's Hyperplane ENIs. AWS documents up to 20 minutes after a function lets
go of a (subnet, security group) combination; the Terraform AWS provider, which pulumi-aws bridges, waits at least
45 minutes per security group for them ("AWS Lambda service team confirms P99 deletion time of ~35 minutes",
hashicorp/terraform-provider-aws internal/service/ec2/vpc_network_interface.go `deleteLingeringLambdaENI`), and
users report 25 to 60 minutes. Moving the functions off the stack's groups first (the Serverless framework's fix cut
such destroys from over 30 to under 5 minutes) lets Lambda start releasing the ENIs before anything is deleted.

Phases: (1) park: every function on the stack's own groups/subnets moves to the network stack's long-lived,
rule-less parking security group (`parking_security_group_id`, interface 5), or has its VPC config detached when it
runs in subnets the stack owns or no parking group is known; (2) wait until Lambda released the ENIs on the stack's
groups/subnets, deleting those it left `available`; (3) the engine destroys. A stack on the shared network (DESIGN.md
section 6) owns neither, so it has nothing to wait for.

The plan is pure (from `pulumi stack export`); the phases take boto3 clients, so they run against moto in tests.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from netkit_core.enis import is_lambda_eni

FUNCTION_TYPE = "aws:lambda/function:Function"
SECURITY_GROUP_TYPE = "aws:ec2/securityGroup:SecurityGroup"
SUBNET_TYPE = "aws:ec2/subnet:Subnet"
VPC_TYPE = "aws:ec2/vpc:Vpc"
STACK_REFERENCE_TYPE = "pulumi:pulumi:StackReference"
PARKING_OUTPUT = "parking_security_group_id"
PROGRESS_EVERY_SECONDS = 60.0


@dataclass(frozen=True)
class FunctionMove:
    name: str
    region: str | None
    subnet_ids: tuple[str, ...]
    security_group_ids: tuple[str, ...]
    action: Literal["park", "detach"]


@dataclass(frozen=True)
class TeardownPlan:
    own_security_groups: tuple[str, ...]
    own_subnets: tuple[str, ...]
    own_vpcs: tuple[str, ...]
    parking_group: str | None
    moves: tuple[FunctionMove, ...]

    @property
    def fast_path(self) -> bool:
        """No function holds an ENI in anything this stack deletes: nothing to park or wait for."""
        return not self.moves


def _resources(deployment: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    inner = deployment.get("deployment", deployment)
    resources = inner.get("resources") if isinstance(inner, Mapping) else None
    return [r for r in resources or [] if isinstance(r, Mapping)]


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(v for v in value if isinstance(v, str) and v) if isinstance(value, list) else ()


def _ids_of(resources: Iterable[Mapping[str, Any]], type_token: str) -> tuple[str, ...]:
    return tuple(sorted({str(r["id"]) for r in resources if r.get("type") == type_token and r.get("id")}))


def parking_group_from(resources: Iterable[Mapping[str, Any]]) -> str | None:
    """`parking_security_group_id` from a StackReference the stack holds (the network stack's outputs)."""
    for resource in resources:
        if resource.get("type") != STACK_REFERENCE_TYPE:
            continue
        outputs = (resource.get("outputs") or {}).get("outputs") or {}
        value = outputs.get(PARKING_OUTPUT) if isinstance(outputs, Mapping) else None
        if isinstance(value, str) and value.startswith("sg-"):
            return value
    return None


def plan_teardown(deployment: Mapping[str, Any], parking_group: str | None = None) -> TeardownPlan:
    """Which functions must let go of which groups/subnets, from the stack's exported state."""
    resources = _resources(deployment)
    groups = _ids_of(resources, SECURITY_GROUP_TYPE)
    subnets = _ids_of(resources, SUBNET_TYPE)
    parking = parking_group or parking_group_from(resources)
    if parking in groups:
        parking = None  # a "parking" group the stack itself deletes parks nothing
    moves = []
    for resource in resources:
        if resource.get("type") != FUNCTION_TYPE:
            continue
        outputs = resource.get("outputs") or {}
        vpc = outputs.get("vpcConfig") or {}
        function_groups = _strings(vpc.get("securityGroupIds"))
        function_subnets = _strings(vpc.get("subnetIds"))
        owns_subnet = bool(set(function_subnets) & set(subnets))
        if not (set(function_groups) & set(groups) or owns_subnet):
            continue
        name = outputs.get("name") or resource.get("id")
        if not isinstance(name, str) or not name:
            continue
        region = outputs.get("region") if isinstance(outputs.get("region"), str) else None
        action: Literal["park", "detach"] = "park" if parking and not owns_subnet else "detach"
        moves.append(FunctionMove(name, region, function_subnets, function_groups, action))
    return TeardownPlan(groups, subnets, _ids_of(resources, VPC_TYPE), parking, tuple(moves))


def move_functions(lam: Any, plan: TeardownPlan, max_wait_seconds: float = 300.0) -> list[str]:
    """Phase 1: update each function off the stack's groups, then wait until Lambda applied it (boto3 waiter)."""
    actions = []
    for move in plan.moves:
        if move.action == "park":
            config = {"SubnetIds": list(move.subnet_ids), "SecurityGroupIds": [plan.parking_group]}
            text = f"moved function {move.name} to the parking security group {plan.parking_group}"
        else:
            config = {"SubnetIds": [], "SecurityGroupIds": []}
            text = f"detached function {move.name} from its VPC"
        try:
            lam.update_function_configuration(FunctionName=move.name, VpcConfig=config)
        except lam.exceptions.ResourceNotFoundException:
            actions.append(f"function {move.name} no longer exists; nothing to move")
            continue
        delay = 5
        lam.get_waiter("function_updated_v2").wait(
            FunctionName=move.name, WaiterConfig={"Delay": delay, "MaxAttempts": max(1, int(max_wait_seconds / delay))}
        )
        actions.append(text)
    return actions


def owned_eni(eni: Mapping[str, Any], own_groups: Iterable[str], own_subnets: Iterable[str] = ()) -> bool:
    """An ENI is ours to delete only when every security group on it is one of ours (or it sits in our subnet)."""
    groups = {g.get("GroupId") for g in eni.get("Groups", [])}
    if eni.get("SubnetId") in set(own_subnets):
        return True
    return bool(groups) and groups <= set(own_groups)


def lambda_enis_on(ec2: Any, group_ids: Iterable[str], subnet_ids: Iterable[str] = ()) -> list[dict[str, Any]]:
    """Lambda ENIs carrying any of these groups or sitting in any of these subnets (paginated)."""
    found: dict[str, dict[str, Any]] = {}
    paginator = ec2.get_paginator("describe_network_interfaces")
    for name, values in (("group-id", sorted(set(group_ids))), ("subnet-id", sorted(set(subnet_ids)))):
        for start in range(0, len(values), 200):  # EC2 accepts at most 200 values per filter
            chunk = values[start : start + 200]
            for page in paginator.paginate(Filters=[{"Name": name, "Values": chunk}]):
                for eni in page["NetworkInterfaces"]:
                    if is_lambda_eni(eni):
                        found[eni["NetworkInterfaceId"]] = eni
    return [found[k] for k in sorted(found)]


@dataclass
class EniWait:
    released: bool = False
    deleted: list[str] = field(default_factory=list)
    remaining: list[str] = field(default_factory=list)
    seconds: float = 0.0


def wait_for_enis(
    ec2: Any,
    plan: TeardownPlan,
    timeout_seconds: float,
    poll_seconds: float = 15.0,
    progress: Callable[[str], None] = print,
    clock: Callable[[], float] = time.monotonic,
    sleep: Callable[[float], None] = time.sleep,
    progress_every: float = PROGRESS_EVERY_SECONDS,
) -> EniWait:
    """Phase 2: until no Lambda ENI holds the stack's groups/subnets, delete those left `available`.

    No boto3 waiter waits for an ENI to disappear (`network_interface_available` only waits for the status), so
    this polls `describe_network_interfaces` with its paginator, bounded by `timeout_seconds`, and reports every
    `progress_every` seconds."""
    result = EniWait()
    start = clock()
    last_report = start
    while True:
        enis = lambda_enis_on(ec2, plan.own_security_groups, plan.own_subnets)
        for eni in enis:
            if eni.get("Status") == "available" and owned_eni(eni, plan.own_security_groups, plan.own_subnets):
                try:
                    ec2.delete_network_interface(NetworkInterfaceId=eni["NetworkInterfaceId"])
                    result.deleted.append(eni["NetworkInterfaceId"])
                    progress(f"deleted Lambda ENI {eni['NetworkInterfaceId']} left available in {eni.get('SubnetId')}")
                except ec2.exceptions.ClientError as exc:
                    code = exc.response.get("Error", {}).get("Code", "")
                    if code != "InvalidNetworkInterfaceID.NotFound":
                        progress(f"could not delete Lambda ENI {eni['NetworkInterfaceId']} yet ({code})")
        left = [e["NetworkInterfaceId"] for e in enis if e["NetworkInterfaceId"] not in result.deleted]
        elapsed = clock() - start
        if not left:
            result.released, result.seconds = True, elapsed
            return result
        if elapsed >= timeout_seconds:
            result.remaining, result.seconds = left, elapsed
            return result
        if clock() - last_report >= progress_every:
            last_report = clock()
            progress(
                f"waiting for {len(left)} Lambda ENI(s) on the stack's security groups/subnets to be released "
                f"({elapsed / 60:.0f} of {timeout_seconds / 60:.0f} min)"
            )
        sleep(min(poll_seconds, max(0.0, timeout_seconds - elapsed)))
