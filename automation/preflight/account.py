"""Read the account's limits and settings with boto3: read-only calls, each bounded by the client's timeouts.

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

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

from ..aws_ops import aws_client
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


class Unreadable(Exception):
    """One call could not be answered; the message is the Reading's problem (never a value from AWS), `code` the
    error code AWS answered ("" when it did not answer)."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Clients:
    ec2: Any
    lambda_: Any
    quotas: Any


def clients(region: str, endpoint_url: str | None, timeout: float) -> Clients:
    """Clients whose every call is bounded (aws_ops.aws_client: connect/read timeouts, standard retries)."""
    return Clients(
        aws_client("ec2", region, endpoint_url, timeout),
        aws_client("lambda", region, endpoint_url, timeout),
        aws_client("service-quotas", region, endpoint_url, timeout),
    )


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


def _read(source: str, read: Callable[[], Any]) -> Reading:
    try:
        return Reading(read(), source)
    except Unreadable as exc:
        return Reading.failed(str(exc), source)


def service_quota(quotas: Any, quota: tuple[str, str, str]) -> Reading:
    """The applied value of a quota, else AWS's default for it (Service Quotas answers NoSuchResourceException
    for a quota whose value was never applied)."""
    service, code, name = quota
    source = f"Service Quotas {service} {code} ({name})"
    try:
        answer = _call("GetServiceQuota", lambda: quotas.get_service_quota(ServiceCode=service, QuotaCode=code))
    except Unreadable as exc:
        if exc.code != "NoSuchResourceException":
            return Reading.failed(str(exc), source)
        try:
            answer = _call(
                "GetAWSDefaultServiceQuota",
                lambda: quotas.get_aws_default_service_quota(ServiceCode=service, QuotaCode=code),
            )
        except Unreadable as again:
            return Reading.failed(str(again), source)
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
    return Reading.failed(f"{reading.problem}; {fallback.problem}", f"{reading.source}, {fallback.source}")


def _tag(resource: dict[str, Any], key: str) -> str:
    return next((str(t.get("Value", "")) for t in resource.get("Tags", []) if t.get("Key") == key), "")


def eips_allocated(ec2: Any, stack_tag: str) -> Reading:
    """(every Elastic IP of the region, those tagged netkit:stack=<stack>: the stack's own, already allocated)."""

    def read() -> tuple[int, int]:
        addresses = _call("DescribeAddresses", lambda: ec2.describe_addresses())["Addresses"]
        own = sum(1 for a in addresses if stack_tag and _tag(a, STACK_TAG) == stack_tag)
        return len(addresses), own

    return _read("ec2 DescribeAddresses", read)


def _paginate(client: Any, method: str, name: str, key: str, **kwargs: Any) -> list[dict[str, Any]]:
    pages = _call(name, lambda: list(client.get_paginator(method).paginate(**kwargs)))
    return [item for page in pages for item in page.get(key, [])]


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
    return Reading.failed(f"{reading.problem}; {quota.problem}", f"{reading.source}, {quota.source}")


def own_reserved(lambda_: Any, vpc: StackVpc | None) -> Reading:
    """Reserved concurrency the functions in the stack's own VPC hold now: an update re-reserves it, so it goes
    back to the pool before the plan's reservations are counted."""
    if vpc is None:
        return Reading(0, "no deployed VPC of this stack")

    def read() -> int:
        functions = _paginate(lambda_, "list_functions", "ListFunctions", "Functions")
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
    facts = AccountFacts(needs.region)
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
