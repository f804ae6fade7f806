"""Read the account's limits and settings with boto3: read-only calls, each bounded by the client's timeouts, all
of them by one overall deadline (`Deadline`, `BoundedClient`): once it is reached no call starts, and a call
started with less left than its worst case runs on a client whose timeouts and attempts fit in what is left. The
facts not read by then are Readings marked `deadline` ("could not read (deadline reached)").

Quotas come from Service Quotas where it answers (GetServiceQuota: the applied value; GetAWSDefaultServiceQuota
when no value was ever applied), else from the service's own API. Lambda concurrency is the exception: Lambda's
`GetAccountSettings` is what Lambda enforces, and new accounts run with a lower concurrency than the quota's
default (Lambda quotas page: "New AWS accounts have reduced concurrency and memory quotas"), so it comes first.

A call that is refused becomes a Reading with the IAM action it needs; one the endpoint does not implement (an
emulator) or that does not answer in time becomes a Reading saying so. Missing credentials or an unreachable
endpoint are raised: nothing can be read then (exit 2).

Quota codes (Service Quotas console / `aws service-quotas list-aws-default-service-quotas`):
ec2 L-0263D0A3 "EC2-VPC Elastic IPs" (5), vpc L-FE5A380F "NAT gateways per Availability Zone" (5),
vpc L-DF5E4CA3 "Network interfaces per Region" (5,000), lambda L-B99A9384 "Concurrent executions" (1,000),
lambda L-9FEE3D26 "Elastic network interfaces per VPC" (250, Lambda quotas page).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from .facts import AccountFacts, BlockPublicAccess, Exclusion, LambdaConcurrency, Reading, StackVpc
from .needs import STACK_TAG, StackNeeds

EIP_QUOTA = ("ec2", "L-0263D0A3", "EC2-VPC Elastic IPs")
NAT_QUOTA = ("vpc", "L-FE5A380F", "NAT gateways per Availability Zone")
ENI_QUOTA = ("vpc", "L-DF5E4CA3", "Network interfaces per Region")
LAMBDA_CONCURRENCY_QUOTA = ("lambda", "L-B99A9384", "Concurrent executions")
LAMBDA_ENI_QUOTA = ("lambda", "L-9FEE3D26", "Elastic network interfaces per VPC")

# The IAM action behind each operation the preflight calls (docs/preflight.md lists them as one policy).
IAM_ACTIONS = {
    "GetServiceQuota": "servicequotas:GetServiceQuota",
    "GetAWSDefaultServiceQuota": "servicequotas:GetAWSDefaultServiceQuota",
    "DescribeAccountAttributes": "ec2:DescribeAccountAttributes",
    "DescribeAddresses": "ec2:DescribeAddresses",
    "DescribeNatGateways": "ec2:DescribeNatGateways",
    "DescribeSubnets": "ec2:DescribeSubnets",
    "DescribeVpcs": "ec2:DescribeVpcs",
    "DescribeNetworkInterfaces": "ec2:DescribeNetworkInterfaces",
    "DescribeVpcBlockPublicAccessOptions": "ec2:DescribeVpcBlockPublicAccessOptions",
    "DescribeVpcBlockPublicAccessExclusions": "ec2:DescribeVpcBlockPublicAccessExclusions",
    "GetAccountSettings": "lambda:GetAccountSettings",
    "ListFunctions": "lambda:ListFunctions",
    "GetFunctionConcurrency": "lambda:GetFunctionConcurrency",
}
DENIED = {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedAccess"}
COUNTED_NAT_STATES = ("pending", "available", "deleting")  # a deleting NAT gateway still holds its quota slot

# The overall deadline of the account reads (`netkit aws preflight --deadline`, the driver's --preflight-deadline:
# driver/settings.py PREFLIGHT_DEADLINE_SECONDS is the same figure). Against AWS the reads take seconds; without
# it, 25 calls that never answer would take 76 minutes (3 attempts x connect + read timeout each).
DEFAULT_DEADLINE_SECONDS = 300.0
# botocore's standard retry mode, as every client here is made: 3 attempts in all (`total_max_attempts`), each
# bounded by the connect timeout and then the read timeout; before the 2nd and 3rd a backoff of at most 1 s and 2 s
# (throttling's base scale)
ATTEMPTS = 3
BACKOFF_BEFORE = (0.0, 1.0, 3.0)  # the longest standard mode waits in all before attempt 1, 2, 3
MIN_CALL_SECONDS = 1.0  # with less than this left a call does not start: the deadline counts as reached


class Unreadable(Exception):
    """One call could not be answered; the message is the Reading's problem (never a value from AWS), `code` the
    error code AWS answered ("" when it did not answer)."""

    deadline = False

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code


class DeadlineReached(Unreadable):
    """The overall deadline was reached: the call did not start, or did not answer within what was left of it."""

    deadline = True

    def __init__(self) -> None:
        super().__init__("deadline reached")


class Deadline:
    """One deadline for all the account reads, `seconds` from now (None: none)."""

    def __init__(self, seconds: float | None, clock: Callable[[], float] = time.monotonic) -> None:
        self.seconds = seconds
        self._clock = clock
        self._end = math.inf if seconds is None else clock() + seconds

    def remaining(self) -> float:
        return max(0.0, self._end - self._clock())


@dataclass(frozen=True)
class CallBudget:
    timeout: float  # connect timeout and read timeout, each
    attempts: int


def call_seconds(timeout: float, attempts: int = ATTEMPTS) -> float:
    """The longest one call takes that never answers: every attempt to its connect and read timeouts, the backoffs."""
    return attempts * 2 * timeout + BACKOFF_BEFORE[attempts - 1]


def call_budget(timeout: float, remaining: float) -> CallBudget | None:
    """What a call started with `remaining` seconds left may use: the usual timeouts and as many of botocore's
    attempts as fit, else one attempt whose connect and read timeouts together are what is left; None when too
    little is left to start one."""
    if remaining < MIN_CALL_SECONDS:
        return None
    for attempts in range(ATTEMPTS, 0, -1):
        if call_seconds(timeout, attempts) <= remaining:
            return CallBudget(timeout, attempts)
    return CallBudget(remaining / 2, 1)


class BoundedClient:
    """One service's boto3 client whose calls keep to the deadline: `client.operation(**kwargs)` starts only while
    the deadline allows and runs on a client made for what is left (`call_budget`); a call the deadline cut short
    raises DeadlineReached. Operations only: paginators are not offered (`_paginate` pages call by call)."""

    def __init__(self, session: Any, service: str, endpoint_url: str | None, timeout: float) -> None:
        self._session, self._service, self._endpoint_url = session, service, endpoint_url
        self._timeout = timeout
        self._deadline = Deadline(None)
        self._clients: dict[CallBudget, Any] = {}
        self._client(CallBudget(timeout, ATTEMPTS))  # loads the service's model: later clients take milliseconds

    def _client(self, budget: CallBudget) -> Any:
        from botocore.config import Config

        if budget not in self._clients:
            config = Config(
                connect_timeout=budget.timeout,
                read_timeout=budget.timeout,
                # total_max_attempts counts the first attempt; botocore's `max_attempts` counts retries only
                retries={"mode": "standard", "total_max_attempts": budget.attempts},
            )
            client = self._session.client(self._service, endpoint_url=self._endpoint_url, config=config)
            if budget != CallBudget(self._timeout, ATTEMPTS):
                return client  # made for this call's share of the deadline: not kept
            self._clients[budget] = client
        return self._clients[budget]

    def __getattr__(self, operation: str) -> Callable[..., Any]:
        if operation.startswith("_") or operation == "get_paginator":
            raise AttributeError(operation)

        def call(**kwargs: Any) -> Any:
            from botocore import exceptions as bce

            budget = call_budget(self._timeout, self._deadline.remaining())
            if budget is None:
                raise DeadlineReached()
            try:
                return getattr(self._client(budget), operation)(**kwargs)
            except (bce.ConnectTimeoutError, bce.ReadTimeoutError):
                if budget != CallBudget(self._timeout, ATTEMPTS):
                    raise DeadlineReached() from None
                raise

        return call


@dataclass(frozen=True)
class Clients:
    ec2: Any
    lambda_: Any
    quotas: Any
    deadline: Deadline | None = None


def clients(region: str, endpoint_url: str | None, timeout: float, deadline: float | None = None) -> Clients:
    """Clients whose every call is bounded (connect/read timeouts, standard retries) and keeps to one deadline,
    `deadline` seconds from when they are ready (None: none): making them loads the services' models (the slow
    part of making a client), so the clients made later for a call's share of the deadline cost milliseconds."""
    import boto3

    session = boto3.session.Session(region_name=region)
    made = [BoundedClient(session, service, endpoint_url, timeout) for service in ("ec2", "lambda", "service-quotas")]
    started = Deadline(deadline)
    for client in made:
        client._deadline = started
    return Clients(made[0], made[1], made[2], started)


def _call(name: str, operation: Callable[[], Any]) -> Any:
    """One AWS call (`name` is its API operation); a refusal or an unanswered call becomes Unreadable naming the
    IAM action or AWS's code."""
    from botocore import exceptions as bce
    from botocore.parsers import ResponseParserError

    try:
        return operation()
    except bce.ClientError as exc:
        code = str(exc.response.get("Error", {}).get("Code", "error"))
        if code in DENIED:
            raise Unreadable(f"missing permission {IAM_ACTIONS.get(name, name)} ({code})", code) from None
        raise Unreadable(f"{name} answered {code}", code) from None
    except (bce.ConnectTimeoutError, bce.ReadTimeoutError):
        raise Unreadable(f"{name} did not answer within --timeout") from None
    except ResponseParserError:
        # An emulator that does not implement the operation (moto answers an HTML 500 page for an EC2 action it
        # lacks) is not an AWS answer: the fact is unread, not the whole preflight.
        raise Unreadable(f"{name} got no AWS answer (not implemented by this endpoint?)") from None


def _failed(exc: Unreadable, source: str) -> Reading:
    return Reading.failed(str(exc), source, exc.deadline)


def _read(source: str, read: Callable[[], Any]) -> Reading:
    try:
        return Reading(read(), source)
    except Unreadable as exc:
        return _failed(exc, source)


def _either(first: Reading, second: Reading) -> Reading:
    """Neither source could be read: both problems (once when they are the same), cut by the deadline if either
    was (with more time it might have answered)."""
    problems = first.problem if first.problem == second.problem else f"{first.problem}; {second.problem}"
    return Reading.failed(problems, f"{first.source}, {second.source}", first.deadline or second.deadline)


def service_quota(quotas: Any, quota: tuple[str, str, str]) -> Reading:
    """The applied value of a quota, else AWS's default for it (Service Quotas answers NoSuchResourceException
    for a quota whose value was never applied)."""
    service, code, name = quota
    source = f"Service Quotas {service} {code} ({name})"
    try:
        answer = _call("GetServiceQuota", lambda: quotas.get_service_quota(ServiceCode=service, QuotaCode=code))
    except Unreadable as exc:
        if exc.code != "NoSuchResourceException":
            return _failed(exc, source)
        try:
            answer = _call(
                "GetAWSDefaultServiceQuota",
                lambda: quotas.get_aws_default_service_quota(ServiceCode=service, QuotaCode=code),
            )
        except Unreadable as again:
            return _failed(again, source)
        source += ", AWS default"
    return Reading(int(answer["Quota"]["Value"]), source)


def eip_quota(ec2: Any, quotas: Any) -> Reading:
    """Service Quotas, else `ec2 describe-account-attributes` (vpc-max-elastic-ips)."""
    reading = service_quota(quotas, EIP_QUOTA)
    if reading.known:
        return reading

    def attribute() -> int:
        answer = _call(
            "DescribeAccountAttributes", lambda: ec2.describe_account_attributes(AttributeNames=["vpc-max-elastic-ips"])
        )
        for attr in answer.get("AccountAttributes", []):
            if attr.get("AttributeName") == "vpc-max-elastic-ips":
                return int(attr["AttributeValues"][0]["AttributeValue"])
        raise Unreadable("DescribeAccountAttributes has no vpc-max-elastic-ips")

    fallback = _read("ec2 DescribeAccountAttributes vpc-max-elastic-ips", attribute)
    if fallback.known:
        return fallback
    return _either(reading, fallback)


def _tag(resource: dict[str, Any], key: str) -> str:
    return next((str(t.get("Value", "")) for t in resource.get("Tags", []) if t.get("Key") == key), "")


def eips_allocated(ec2: Any, stack_tag: str) -> Reading:
    """(every Elastic IP of the region, those tagged netkit:stack=<stack>: the stack's own, already allocated)."""

    def read() -> tuple[int, int]:
        addresses = _call("DescribeAddresses", lambda: ec2.describe_addresses())["Addresses"]
        own = sum(1 for a in addresses if stack_tag and _tag(a, STACK_TAG) == stack_tag)
        return len(addresses), own

    return _read("ec2 DescribeAddresses", read)


def _paginate(
    client: Any, method: str, name: str, key: str, tokens: tuple[str, str] = ("NextToken", "NextToken"), **kwargs: Any
) -> list[dict[str, Any]]:
    """Every page of a listing, one call each (each keeps to the deadline); `tokens`: the request's and the
    answer's name for the next page's token (botocore's paginator model)."""
    items: list[dict[str, Any]] = []
    request_token, answer_token = tokens
    while True:
        page = _call(name, partial(getattr(client, method), **kwargs))
        items.extend(page.get(key, []))
        token = page.get(answer_token)
        if not token:
            return items
        kwargs = {**kwargs, request_token: token}


def nats_per_az(ec2: Any, stack_tag: str) -> Reading:
    """Other stacks' zonal NAT gateways per AZ (this stack's own are replaced by what it plans, not added)."""

    def read() -> dict[str, int]:
        gateways = _paginate(
            ec2,
            "describe_nat_gateways",
            "DescribeNatGateways",
            "NatGateways",
            Filters=[{"Name": "state", "Values": list(COUNTED_NAT_STATES)}],
        )
        others = [g for g in gateways if g.get("SubnetId") and not (stack_tag and _tag(g, STACK_TAG) == stack_tag)]
        subnet_ids = sorted({g["SubnetId"] for g in others})
        zones: dict[str, str] = {}
        if subnet_ids:
            for subnet in _call("DescribeSubnets", lambda: ec2.describe_subnets(SubnetIds=subnet_ids))["Subnets"]:
                zones[subnet["SubnetId"]] = subnet["AvailabilityZone"]
        counts: dict[str, int] = {}
        for gateway in others:
            zone = zones.get(gateway["SubnetId"], "")
            counts[zone] = counts.get(zone, 0) + 1
        return counts

    return _read("ec2 DescribeNatGateways, DescribeSubnets", read)


def stack_vpc(ec2: Any, needs: StackNeeds) -> Reading:
    """The stack's VPC if it is already deployed: the one VPC tagged netkit:stack=<stack> (and Name=<the
    program's VPC name> when it has one), with its subnets by Name tag."""
    if not needs.creates_vpc or not needs.stack_tag:
        why = "the program creates no VPC of its own" if not needs.creates_vpc else "the VPC has no netkit:stack tag"
        return Reading(None, why)

    def read() -> StackVpc | None:
        filters = [{"Name": f"tag:{STACK_TAG}", "Values": [needs.stack_tag]}]
        if needs.vpc_name:
            filters.append({"Name": "tag:Name", "Values": [needs.vpc_name]})
        vpcs = _call("DescribeVpcs", lambda: ec2.describe_vpcs(Filters=filters))["Vpcs"]
        if len(vpcs) != 1:
            return None
        vpc_id = vpcs[0]["VpcId"]
        in_vpc = [{"Name": "vpc-id", "Values": [vpc_id]}]
        subnets = _call("DescribeSubnets", lambda: ec2.describe_subnets(Filters=in_vpc))["Subnets"]
        return StackVpc(vpc_id, {_tag(s, "Name"): s["SubnetId"] for s in subnets if _tag(s, "Name")})

    return _read("ec2 DescribeVpcs, DescribeSubnets (by the stack's tags)", read)


def network_interfaces(ec2: Any, vpc: StackVpc | None) -> Reading:
    """(ENIs in the region, ENIs in the stack's own VPC: those the plan replaces rather than adds)."""

    def read() -> tuple[int, int]:
        enis = _paginate(
            ec2, "describe_network_interfaces", "DescribeNetworkInterfaces", "NetworkInterfaces", MaxResults=1000
        )
        own = sum(1 for e in enis if vpc is not None and e.get("VpcId") == vpc.vpc_id)
        return len(enis), own

    return _read("ec2 DescribeNetworkInterfaces", read)


def lambda_concurrency(lambda_: Any, quotas: Any) -> Reading:
    """`lambda get-account-settings` (what Lambda enforces, with the unreserved part), else the quota."""

    def read() -> LambdaConcurrency:
        limit = _call("GetAccountSettings", lambda: lambda_.get_account_settings())["AccountLimit"]
        return LambdaConcurrency(int(limit["ConcurrentExecutions"]), int(limit["UnreservedConcurrentExecutions"]))

    reading = _read("lambda GetAccountSettings", read)
    if reading.known:
        return reading
    quota = service_quota(quotas, LAMBDA_CONCURRENCY_QUOTA)
    if quota.known:
        return Reading(LambdaConcurrency(quota.value), f"{quota.source} ({reading.problem})")
    return _either(reading, quota)


def own_reserved(lambda_: Any, vpc: StackVpc | None) -> Reading:
    """Reserved concurrency the functions in the stack's own VPC hold now: an update re-reserves it, so it goes
    back to the pool before the plan's reservations are counted."""
    if vpc is None:
        return Reading(0, "no deployed VPC of this stack")

    def read() -> int:
        functions = _paginate(lambda_, "list_functions", "ListFunctions", "Functions", ("Marker", "NextMarker"))
        total = 0
        for fn in functions:
            if (fn.get("VpcConfig") or {}).get("VpcId") != vpc.vpc_id:
                continue
            answer = _call(
                "GetFunctionConcurrency", partial(lambda_.get_function_concurrency, FunctionName=fn["FunctionName"])
            )
            total += int(answer.get("ReservedConcurrentExecutions") or 0)
        return total

    return _read("lambda ListFunctions, GetFunctionConcurrency (functions in the stack's VPC)", read)


def block_public_access(ec2: Any) -> Reading:
    def read() -> BlockPublicAccess:
        options = _call("DescribeVpcBlockPublicAccessOptions", lambda: ec2.describe_vpc_block_public_access_options())
        found = options.get("VpcBlockPublicAccessOptions", {})
        return BlockPublicAccess(
            str(found.get("InternetGatewayBlockMode", "off")),
            found.get("ExclusionsAllowed", "allowed") != "not-allowed",
            str(found.get("ManagedBy", "")),
        )

    return _read("ec2 DescribeVpcBlockPublicAccessOptions", read)


EFFECTIVE_EXCLUSION_STATES = ("create-complete", "update-complete")


def exclusions(ec2: Any) -> Reading:
    """The exclusions in effect (create-complete or update-complete), each with the VPC or subnet its ARN names
    (arn:aws:ec2:<region>:<account>:vpc/vpc-... or .../subnet/subnet-...)."""

    def read() -> list[Exclusion]:
        found: list[Exclusion] = []
        token = None
        while True:
            kwargs: dict[str, Any] = {
                "Filters": [{"Name": "state", "Values": list(EFFECTIVE_EXCLUSION_STATES)}],
                "MaxResults": 1000,
            }
            if token:
                kwargs["NextToken"] = token
            page = _call(
                "DescribeVpcBlockPublicAccessExclusions",
                partial(ec2.describe_vpc_block_public_access_exclusions, **kwargs),
            )
            for item in page.get("VpcBlockPublicAccessExclusions", []):
                if item.get("State") not in EFFECTIVE_EXCLUSION_STATES:
                    continue
                kind, _, resource_id = str(item.get("ResourceArn", "")).rpartition(":")[2].partition("/")
                if kind in ("vpc", "subnet") and resource_id:
                    found.append(Exclusion(str(item.get("InternetGatewayExclusionMode", "")), kind, resource_id))
            token = page.get("NextToken")
            if not token:
                return found

    return _read("ec2 DescribeVpcBlockPublicAccessExclusions", read)


def read_account(c: Clients, needs: StackNeeds) -> AccountFacts:
    """Everything the verdicts compare the stack's needs with, for the stack's region."""
    facts = AccountFacts(needs.region, deadline_seconds=c.deadline.seconds if c.deadline else None)
    facts.stack_vpc = stack_vpc(c.ec2, needs)
    vpc = facts.stack_vpc.value
    facts.eip_quota = eip_quota(c.ec2, c.quotas)
    facts.eips_allocated = eips_allocated(c.ec2, needs.stack_tag)
    if needs.nat_azs:
        facts.nat_quota = service_quota(c.quotas, NAT_QUOTA)
        facts.nats_per_az = nats_per_az(c.ec2, needs.stack_tag)
    facts.eni_quota = service_quota(c.quotas, ENI_QUOTA)
    facts.enis = network_interfaces(c.ec2, vpc)
    facts.lambda_eni_quota = service_quota(c.quotas, LAMBDA_ENI_QUOTA)
    facts.lambda_concurrency = lambda_concurrency(c.lambda_, c.quotas)
    facts.own_reserved = own_reserved(c.lambda_, vpc)
    facts.block_public_access = block_public_access(c.ec2)
    bpa = facts.block_public_access.value
    if bpa is not None and bpa.mode == "off":
        facts.exclusions = Reading([], "not needed: Block Public Access is off")
    else:
        facts.exclusions = exclusions(c.ec2)
    return facts
