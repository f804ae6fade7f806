"""Account preflight (issue 21) against a real moto server, with botocore Stubber responses only for the APIs moto
lacks: `lambda GetAccountSettings` (moto has no route: 404), `ec2 DescribeVpcBlockPublicAccessOptions` and
`DescribeVpcBlockPublicAccessExclusions` (moto answers an HTML 500), and Service Quotas for the ec2 and lambda
service codes (moto knows only `vpc`). The stubbed responses follow botocore's service model (Stubber validates
them against it); each test exercises netkit's verdicts, not the stub.

Every test gets its own moto account (an assumed role in a fresh account id), so Elastic IPs and VPCs of one test
are never another's."""

from __future__ import annotations

import json
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from automation import cli
from automation.preflight import account
from automation.preflight.facts import (
    DEADLINE_REACHED,
    AccountFacts,
    BlockPublicAccess,
    LambdaConcurrency,
    Reading,
    StackVpc,
)
from automation.preflight.needs import INGRESS, NAT_EGRESS, StackNeeds
from automation.preflight.program import program_needs
from automation.preflight.report import PreflightReport
from automation.preflight.verdicts import FAIL, OK, UNKNOWN, Check, evaluate

REGION = "us-east-1"


@pytest.fixture(scope="module")
def stack_needs() -> dict[str, StackNeeds]:
    """The repository's three stacks, run offline once for the module."""
    return {stack: program_needs(stack) for stack in ("dev", "staging", "prod")}


@pytest.fixture
def aws_account(moto_endpoint: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, Any]]:
    """A fresh moto account: credentials of a role assumed in a new account id, set in the environment so that
    the preflight's own clients use them too."""
    account_id = str(uuid.uuid4().int)[:12].rjust(12, "1")
    sts = boto3.client("sts", region_name=REGION, endpoint_url=moto_endpoint)
    role = f"arn:aws:iam::{account_id}:role/preflight"
    creds = sts.assume_role(RoleArn=role, RoleSessionName="preflight-test")["Credentials"]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", creds["AccessKeyId"])
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", creds["SecretAccessKey"])
    monkeypatch.setenv("AWS_SESSION_TOKEN", creds["SessionToken"])
    yield {
        "endpoint": moto_endpoint,
        # a new session: boto3's default one keeps the credentials it first saw
        "ec2": boto3.session.Session(region_name=REGION).client("ec2", endpoint_url=moto_endpoint),
        "clients": quick_clients(moto_endpoint),
    }


def quick_clients(endpoint: str) -> account.Clients:
    """The preflight's clients without retries: moto answers a 500 for the APIs it lacks, which the standard retry
    mode would retry with backoff (the CLI test keeps the real clients)."""
    from botocore.config import Config

    session = boto3.session.Session(region_name=REGION)
    config = Config(connect_timeout=10, read_timeout=10, retries={"mode": "standard", "total_max_attempts": 1})
    make = lambda service: session.client(service, endpoint_url=endpoint, config=config)  # noqa: E731
    return account.Clients(make("ec2"), make("lambda"), make("service-quotas"))


def allocate(ec2: Any, count: int, stack: str | None = None) -> None:
    for _ in range(count):
        tags = [{"ResourceType": "elastic-ip", "Tags": [{"Key": "netkit:stack", "Value": stack}]}] if stack else []
        ec2.allocate_address(Domain="vpc", TagSpecifications=tags)


def by_name(checks: list[Check]) -> dict[str, Check]:
    return {c.name: c for c in checks}


def stubbed(service: str) -> tuple[Any, Stubber]:
    client = boto3.client(service, region_name=REGION)
    return client, Stubber(client)


def bpa_reading(mode: str, exclusions: list[dict[str, Any]] | None = None, allowed: str = "allowed") -> tuple[Any, Any]:
    """Block Public Access options and exclusions as EC2 answers them (shapes of botocore's ec2 model)."""
    ec2, stub = stubbed("ec2")
    stub.add_response(
        "describe_vpc_block_public_access_options",
        {
            "VpcBlockPublicAccessOptions": {
                "AwsAccountId": "123456789012",
                "AwsRegion": REGION,
                "State": "update-complete",
                "InternetGatewayBlockMode": mode,
                "ManagedBy": "account",
                "ExclusionsAllowed": allowed,
            }
        },
    )
    stub.add_response(
        "describe_vpc_block_public_access_exclusions", {"VpcBlockPublicAccessExclusions": exclusions or []}
    )
    with stub:
        return account.block_public_access(ec2), account.exclusions(ec2)


def lambda_settings(limit: int, unreserved: int) -> Reading:
    """`lambda get-account-settings` as Lambda answers it."""
    client, stub = stubbed("lambda")
    stub.add_response(
        "get_account_settings",
        {
            "AccountLimit": {
                "TotalCodeSize": 80530636800,
                "CodeSizeUnzipped": 262144000,
                "CodeSizeZipped": 52428800,
                "ConcurrentExecutions": limit,
                "UnreservedConcurrentExecutions": unreserved,
            },
            "AccountUsage": {"TotalCodeSize": 0, "FunctionCount": 0},
        },
    )
    quotas, _ = stubbed("service-quotas")
    with stub:
        return account.lambda_concurrency(client, quotas)


# --- what the program creates ------------------------------------------------------------------------------------


def test_needs_of_the_repository_stacks(stack_needs: dict[str, StackNeeds]) -> None:
    prod, staging, dev = stack_needs["prod"], stack_needs["staging"], stack_needs["dev"]
    assert len(prod.eips) == 3 and prod.nat_azs == {"us-east-1a": 1, "us-east-1b": 1, "us-east-1c": 1}
    assert len(dev.eips) == 2 and dev.nat_azs == {}  # hyperplane-eip: an EIP per Lambda subnet, no NAT
    assert len(staging.eips) == 1 and staging.nat_azs == {"us-east-1a": 1}
    assert prod.reserved == {"worker-fn": 100, "webhook-fn": 100} and prod.unreserved == []
    assert {p.kind for p in prod.paths} == {NAT_EGRESS, INGRESS}
    assert {p.kind for p in dev.paths} == {"igw-egress"}
    assert [p.subnets for p in staging.paths] == [("net-public-us-east-1a",)]  # the NAT's subnet, not Lambda's
    # 5 interface endpoints x 3 subnets + 3 NAT gateways + the ALB in 3 subnets; 1 ENI per subnet x2 churn
    assert (prod.other_enis, prod.hyperplane_enis()) == (21, 6)
    assert prod.stack_tag == "prod" and prod.vpc_name == "net-vpc" and prod.notes == []


# --- Elastic IPs against moto ------------------------------------------------------------------------------------


def test_prod_fails_on_elastic_ips_when_short_and_dev_passes(
    aws_account: dict[str, Any], stack_needs: dict[str, StackNeeds]
) -> None:
    allocate(aws_account["ec2"], 3)  # moto's quota is 5 (DescribeAccountAttributes): 2 free
    prod = by_name(evaluate(stack_needs["prod"], account.read_account(aws_account["clients"], stack_needs["prod"])))
    eips = prod["elastic-ips"]
    assert eips.status == FAIL
    assert "EC2-VPC Elastic IPs" in eips.action and "L-0263D0A3" in eips.action
    assert "at least 6" in eips.action and "1 short" in eips.message
    assert eips.numbers == {"needed": 3, "quota": 5, "allocated": 3, "free": 2, "own": 0}
    dev = by_name(evaluate(stack_needs["dev"], account.read_account(aws_account["clients"], stack_needs["dev"])))
    assert dev["elastic-ips"].status == OK


def test_four_free_elastic_ips_are_enough_for_prod_which_allocates_three(
    aws_account: dict[str, Any], stack_needs: dict[str, StackNeeds]
) -> None:
    """Prod's static ingress is Global Accelerator -> ALB: AWS-provided addresses, not the EIP quota. Its three NAT
    gateways take three, so four free ones pass (issue 21 assumed static ingress took EIPs too)."""
    allocate(aws_account["ec2"], 1)
    prod = by_name(evaluate(stack_needs["prod"], account.read_account(aws_account["clients"], stack_needs["prod"])))
    assert prod["elastic-ips"].status == OK
    assert prod["elastic-ips"].numbers["free"] == 4


def test_the_stacks_own_elastic_ips_are_not_counted_twice(
    aws_account: dict[str, Any], stack_needs: dict[str, StackNeeds]
) -> None:
    """An update of a deployed prod: its three addresses (tagged netkit:stack=prod) are already allocated."""
    allocate(aws_account["ec2"], 3, stack="prod")
    allocate(aws_account["ec2"], 1)
    prod = by_name(evaluate(stack_needs["prod"], account.read_account(aws_account["clients"], stack_needs["prod"])))
    assert prod["elastic-ips"].status == OK
    assert prod["elastic-ips"].numbers == {"needed": 0, "quota": 5, "allocated": 4, "free": 1, "own": 3}


def test_nat_gateways_per_az_against_moto(aws_account: dict[str, Any], stack_needs: dict[str, StackNeeds]) -> None:
    """Other NAT gateways in us-east-1a plus prod's one there exceed the quota (vpc L-FE5A380F, 5 in moto)."""
    ec2 = aws_account["ec2"]
    vpc = ec2.create_vpc(CidrBlock="10.99.0.0/16")["Vpc"]["VpcId"]
    subnet = ec2.create_subnet(VpcId=vpc, CidrBlock="10.99.0.0/24", AvailabilityZone="us-east-1a")["Subnet"]
    for _ in range(5):
        allocation = ec2.allocate_address(Domain="vpc")["AllocationId"]
        ec2.create_nat_gateway(SubnetId=subnet["SubnetId"], AllocationId=allocation)
    facts = account.read_account(aws_account["clients"], stack_needs["staging"])
    nat = by_name(evaluate(stack_needs["staging"], facts))["nat-gateways-per-az"]
    assert nat.status == FAIL and "us-east-1a" in nat.action and "L-FE5A380F" in nat.action
    assert nat.numbers["others"] == {"us-east-1a": 5}


# --- what moto lacks: could not read, never a failure -----------------------------------------------------------


def test_apis_moto_lacks_are_reported_unread(aws_account: dict[str, Any], stack_needs: dict[str, StackNeeds]) -> None:
    facts = account.read_account(aws_account["clients"], stack_needs["staging"])
    checks = by_name(evaluate(stack_needs["staging"], facts))
    assert checks["lambda-concurrency"].status == UNKNOWN
    assert "GetAccountSettings answered 404" in checks["lambda-concurrency"].message
    assert checks["block-public-access"].status == UNKNOWN
    assert "DescribeVpcBlockPublicAccessOptions" in checks["block-public-access"].message
    assert checks["network-interfaces"].status == OK  # vpc L-DF5E4CA3 is one Service Quotas code moto serves
    assert "Service Quotas vpc L-DF5E4CA3" in facts.eni_quota.source


def test_a_refused_call_names_the_permission(stack_needs: dict[str, StackNeeds]) -> None:
    client, stub = stubbed("lambda")
    stub.add_client_error("get_account_settings", "AccessDeniedException", http_status_code=403)
    quotas, quota_stub = stubbed("service-quotas")
    quota_stub.add_client_error("get_service_quota", "AccessDeniedException", http_status_code=400)
    with stub, quota_stub:
        reading = account.lambda_concurrency(client, quotas)
    facts = AccountFacts(REGION, lambda_concurrency=reading)
    check = by_name(evaluate(stack_needs["prod"], facts))["lambda-concurrency"]
    assert check.status == UNKNOWN
    assert "missing permission lambda:GetAccountSettings" in check.message
    assert "servicequotas:GetServiceQuota" in check.message


# --- Lambda concurrency (Stubber: moto has no GetAccountSettings) -----------------------------------------------


def test_a_new_accounts_concurrency_fails_prods_reservations(stack_needs: dict[str, StackNeeds]) -> None:
    facts = AccountFacts(REGION, lambda_concurrency=lambda_settings(100, 100), own_reserved=Reading(0, "none"))
    check = by_name(evaluate(stack_needs["prod"], facts))["lambda-concurrency"]
    assert check.status == FAIL
    # 200 reserved + the 100 Lambda keeps unreserved
    assert "L-B99A9384" in check.action and "at least 300" in check.action
    roomy = AccountFacts(REGION, lambda_concurrency=lambda_settings(1000, 900), own_reserved=Reading(0, "none"))
    assert by_name(evaluate(stack_needs["prod"], roomy))["lambda-concurrency"].status == OK


def test_other_functions_reservations_count(stack_needs: dict[str, StackNeeds]) -> None:
    """1,000 in the account, 750 already reserved elsewhere: prod's 200 would leave 50 unreserved."""
    facts = AccountFacts(REGION, lambda_concurrency=lambda_settings(1000, 250), own_reserved=Reading(0, "none"))
    check = by_name(evaluate(stack_needs["prod"], facts))["lambda-concurrency"]
    assert check.status == FAIL and "750 reserved by other functions" in check.message
    # its own current reservations (an update) go back to the pool first
    mine = AccountFacts(REGION, lambda_concurrency=lambda_settings(1000, 250), own_reserved=Reading(200, "moto"))
    assert by_name(evaluate(stack_needs["prod"], mine))["lambda-concurrency"].status == OK


# --- VPC Block Public Access (Stubber: moto has neither API) ----------------------------------------------------


def test_bidirectional_block_fails_a_stack_egressing_through_a_nat(
    aws_account: dict[str, Any], stack_needs: dict[str, StackNeeds]
) -> None:
    facts = account.read_account(aws_account["clients"], stack_needs["staging"])
    facts.block_public_access, facts.exclusions = bpa_reading("block-bidirectional")
    check = by_name(evaluate(stack_needs["staging"], facts))["block-public-access"]
    assert check.status == FAIL
    assert "NAT gateway egress-nat-0" in check.message and "block-bidirectional" in check.message
    assert "allow-egress" in check.action and "the VPC the program creates" in check.action


@pytest.mark.parametrize(("stack", "status"), [("staging", OK), ("prod", FAIL), ("dev", FAIL)])
def test_ingress_only_block_lets_nat_egress_through(
    stack_needs: dict[str, StackNeeds], stack: str, status: str
) -> None:
    """block-ingress passes NAT egress (staging), not prod's internet-facing ALB nor dev's direct IGW egress."""
    bpa, exclusions = bpa_reading("block-ingress")
    facts = AccountFacts(REGION, block_public_access=bpa, exclusions=exclusions, stack_vpc=Reading(None, "new"))
    assert by_name(evaluate(stack_needs[stack], facts))["block-public-access"].status == status


def test_an_exclusion_must_cover_the_nat_gateways_subnet(
    aws_account: dict[str, Any], stack_needs: dict[str, StackNeeds]
) -> None:
    """A deployed staging (found by its tags in moto): an allow-egress exclusion of its Lambda subnet does not let
    the NAT gateway out; one of the NAT's public subnet, or of the VPC, does."""
    ec2 = aws_account["ec2"]
    tags = [{"Key": "netkit:stack", "Value": "staging"}, {"Key": "Name", "Value": "net-vpc"}]
    vpc = ec2.create_vpc(CidrBlock="10.20.0.0/16", TagSpecifications=[{"ResourceType": "vpc", "Tags": tags}])["Vpc"]
    ids = {}
    for name, cidr in (("net-public-us-east-1a", "10.20.3.0/26"), ("net-lambda-us-east-1a", "10.20.0.0/24")):
        spec = [{"ResourceType": "subnet", "Tags": [{"Key": "Name", "Value": name}]}]
        ids[name] = ec2.create_subnet(VpcId=vpc["VpcId"], CidrBlock=cidr, TagSpecifications=spec)["Subnet"]["SubnetId"]
    facts = account.read_account(aws_account["clients"], stack_needs["staging"])
    assert facts.stack_vpc.value == StackVpc(vpc["VpcId"], ids)

    def verdict(resource: str) -> str:
        arn = f"arn:aws:ec2:{REGION}:123456789012:{resource}"
        exclusion = {
            "ExclusionId": "vpcbpa-exclude-0123456789abcdef0",
            "InternetGatewayExclusionMode": "allow-egress",
            "ResourceArn": arn,
            "State": "create-complete",
        }
        facts.block_public_access, facts.exclusions = bpa_reading("block-bidirectional", [exclusion])
        return by_name(evaluate(stack_needs["staging"], facts))["block-public-access"].status

    assert verdict(f"subnet/{ids['net-lambda-us-east-1a']}") == FAIL
    assert verdict(f"subnet/{ids['net-public-us-east-1a']}") == OK
    assert verdict(f"vpc/{vpc['VpcId']}") == OK


def test_exclusions_do_not_help_when_the_organization_forbids_them(stack_needs: dict[str, StackNeeds]) -> None:
    bpa, exclusions = bpa_reading("block-bidirectional", allowed="not-allowed")
    facts = AccountFacts(REGION, block_public_access=bpa, exclusions=exclusions, stack_vpc=Reading(None, "new"))
    assert bpa.value == BlockPublicAccess("block-bidirectional", False, "account")
    check = by_name(evaluate(stack_needs["staging"], facts))["block-public-access"]
    assert check.status == FAIL and "organization" in check.action


# --- the account's concurrency in the capacity model ------------------------------------------------------------


def test_subnet_capacity_is_judged_at_the_accounts_concurrency(stack_needs: dict[str, StackNeeds]) -> None:
    needs = stack_needs["prod"]
    facts = AccountFacts(REGION, lambda_concurrency=Reading(LambdaConcurrency(100, 100), "stub"))
    check = by_name(evaluate(needs, facts))["lambda-subnet-capacity"]
    assert check.status == OK and "concurrency of 100 (the policy config assumes 1000)" in check.message
    assert "--account-facts" in check.message


# --- the command --------------------------------------------------------------------------------------------------


def test_cli_preflight_exit_status_and_json(
    aws_account: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    allocate(aws_account["ec2"], 3)
    out = tmp_path / "prod-facts.json"
    argv = ["aws", "preflight", "prod", "--endpoint-url", aws_account["endpoint"], "--timeout", "10"]
    assert cli.main([*argv, "--output", str(out)]) == 1
    text = capsys.readouterr().out
    assert "FAIL elastic-ips" in text and "L-0263D0A3" in text
    assert "??   lambda-concurrency" in text  # moto lacks GetAccountSettings: reported, not a failure
    report = json.loads(out.read_text())
    assert report["kind"] == "netkit-preflight" and report["stack"] == "prod" and report["passed"] is False
    assert {c["check"]: c["status"] for c in report["checks"]}["elastic-ips"] == "fail"
    assert report["facts"]["elastic_ip_quota"] == 5 and report["facts"]["elastic_ips_allocated"] == 3
    dev = ["aws", "preflight", "dev", "--endpoint-url", aws_account["endpoint"], "--format", "json"]
    assert cli.main(dev) == 0
    assert json.loads(capsys.readouterr().out)["passed"] is True


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["aws", "preflight", "nosuchstack"], "cannot run offline"),
        (["aws", "preflight", "dev", "--timeout", "0"], "--timeout must be positive"),
    ],
)
def test_cli_preflight_errors_exit_2(argv: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1


def test_service_quotas_default_when_no_value_was_applied() -> None:
    """GetServiceQuota answers NoSuchResourceException for a quota never changed: AWS's default is the value."""
    quotas, stub = stubbed("service-quotas")
    stub.add_client_error("get_service_quota", "NoSuchResourceException", http_status_code=400)
    quota = {"ServiceCode": "lambda", "QuotaCode": "L-9FEE3D26", "QuotaName": "Elastic network interfaces per VPC"}
    stub.add_response("get_aws_default_service_quota", {"Quota": {**quota, "Value": 250.0}})
    stub.add_response("get_service_quota", {"Quota": {**quota, "Value": 400.0}})
    with stub:
        default = account.service_quota(quotas, account.LAMBDA_ENI_QUOTA)
        applied = account.service_quota(quotas, account.LAMBDA_ENI_QUOTA)
    assert (default.value, default.source.endswith("AWS default")) == (250, True)
    assert (applied.value, applied.source.endswith("AWS default")) == (400, False)


# --- one deadline for all the AWS calls ----------------------------------------------------------------------------


class SilentEndpoint:
    """A TCP server on 127.0.0.1 that accepts every connection and never answers: each boto3 call to it waits for
    its read timeout. `arrivals` are the monotonic times connections came in."""

    def __init__(self) -> None:
        self.server = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self.server.getsockname()[1]}"
        self.arrivals: list[float] = []
        self.held: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                connection, _ = self.server.accept()
            except OSError:
                return  # closed
            self.arrivals.append(time.monotonic())
            self.held.append(connection)

    def close(self) -> None:
        self.server.close()
        for connection in self.held:
            connection.close()


@pytest.fixture
def silent_endpoint() -> Iterator[SilentEndpoint]:
    endpoint = SilentEndpoint()
    try:
        yield endpoint
    finally:
        endpoint.close()


def test_a_call_gets_what_is_left_of_the_deadline() -> None:
    """botocore's 3 attempts at --timeout while they fit, fewer as the deadline nears, then one attempt whose
    connect and read timeouts share what is left, and none with less than a second left."""
    full = account.call_seconds(30)
    assert full == 3 * 60 + 3
    assert account.call_budget(30, 10_000) == account.CallBudget(30, 3)
    assert account.call_budget(30, full) == account.CallBudget(30, 3)
    assert account.call_budget(30, full - 0.1) == account.CallBudget(30, 2)
    assert account.call_budget(30, 100) == account.CallBudget(30, 1)
    assert account.call_budget(30, 50) == account.CallBudget(25, 1)
    assert account.call_budget(30, 0.99) is None


def test_an_unanswering_endpoint_ends_the_preflight_at_its_deadline(
    silent_endpoint: SilentEndpoint, stack_needs: dict[str, StackNeeds]
) -> None:
    """--timeout 30 and a 3 s deadline: without the deadline prod's reads would wait 183 s per call; with it, they
    end within the deadline (plus client setup), nothing is read, every check that needed the account says so and
    the report is no pass. No call starts after the deadline."""
    needs, deadline = stack_needs["prod"], 3.0
    clients = account.clients(REGION, silent_endpoint.url, 30.0, deadline)
    started = time.monotonic()  # the deadline runs from when the clients are ready
    facts = account.read_account(clients, needs)
    elapsed = time.monotonic() - started
    assert deadline - account.MIN_CALL_SECONDS <= elapsed <= deadline + 0.5, elapsed
    # the last call started with at least MIN_CALL_SECONDS left (a client for a call's share takes milliseconds)
    assert silent_endpoint.arrivals and max(silent_endpoint.arrivals) <= started + deadline - 0.9
    assert facts.deadline_seconds == deadline
    cut = facts.unread_by_deadline()
    assert {"stack_vpc", "eip_quota", "lambda_concurrency", "block_public_access", "exclusions"} <= set(cut), cut
    assert all(facts.readings()[name].problem == "deadline reached" for name in cut)
    checks = evaluate(needs, facts)
    report = PreflightReport(needs, facts, checks)
    assert [c.status for c in checks] == [UNKNOWN] * len(checks)  # prod needs the account for every check
    assert all(c.deadline and DEADLINE_REACHED in c.message for c in checks), [c.message for c in checks]
    assert report.passed is False and report.failing() == []
    assert report.summary() == f"preflight incomplete; deadline reached (3 s): {len(checks)} check(s) not read"
    document = report.to_json()
    assert document["passed"] is False and document["deadline_reached"] is True
    assert document["checks"][0]["deadline_reached"] is True
    assert document["facts"]["unread_by_deadline"] == cut


def test_checks_judged_before_the_deadline_keep_their_verdict(stack_needs: dict[str, StackNeeds]) -> None:
    """Lambda's answer came in time, Block Public Access did not: concurrency is judged, BPA is unread."""
    cut = Reading.failed("deadline reached", "ec2 DescribeVpcBlockPublicAccessOptions", deadline=True)
    facts = AccountFacts(
        REGION,
        lambda_concurrency=lambda_settings(1000, 900),
        own_reserved=Reading(0, "none"),
        block_public_access=cut,
        deadline_seconds=300.0,
    )
    checks = by_name(evaluate(stack_needs["prod"], facts))
    assert checks["lambda-concurrency"].status == OK and not checks["lambda-concurrency"].deadline
    bpa = checks["block-public-access"]
    assert bpa.status == UNKNOWN and bpa.deadline
    assert f"{DEADLINE_REACHED}: ec2 DescribeVpcBlockPublicAccessOptions" in bpa.message


def test_cli_preflight_deadline_exit_2_with_the_report(
    silent_endpoint: SilentEndpoint, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "facts.json"
    argv = ["aws", "preflight", "dev", "--endpoint-url", silent_endpoint.url, "--deadline", "2", "--output", str(out)]
    assert cli.main(argv) == 2
    captured = capsys.readouterr()
    assert "??   elastic-ips" in captured.out and DEADLINE_REACHED in captured.out
    assert "preflight incomplete; deadline reached (2 s)" in captured.out
    assert f"error: {DEADLINE_REACHED} after --deadline 2 s" in captured.err
    report = json.loads(out.read_text())
    assert report["passed"] is False and report["deadline_reached"] is True and report["deadline_seconds"] == 2
    assert cli.main(["aws", "preflight", "dev", "--deadline", "0"]) == 2
    assert "--deadline must be positive" in capsys.readouterr().err
