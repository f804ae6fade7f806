"""The account's side of the preflight: what was read, from where, or why it could not be read.

Plain data, no boto3: `account.py` fills it from AWS, the verdicts read it, and the JSON the preflight writes
carries it to `netkit check --account-facts` (which takes the Lambda account concurrency from it).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

FACTS_KIND = "netkit-preflight"
FACTS_VERSION = 1
# What a check says about the facts its reading did not get to: the preflight's one overall deadline (`--deadline`,
# the driver's `--preflight-deadline`) ran out first. Never a pass: prod stops on it (step.py).
DEADLINE_REACHED = "could not read (deadline reached)"


@dataclass(frozen=True)
class Reading:
    """One fact: its value and where it came from, or `problem` (which permission is missing, what AWS answered)
    when it could not be read. A fact that is not needed (no exclusions to look up when BPA is off) is read as
    its empty value with a source saying so. `deadline`: it was not read because the preflight's deadline was
    reached (a call not started, or cut short by what was left)."""

    value: Any = None
    source: str = ""
    problem: str = ""
    deadline: bool = False

    @property
    def known(self) -> bool:
        return not self.problem

    @classmethod
    def failed(cls, problem: str, source: str = "", deadline: bool = False) -> Reading:
        return cls(None, source, problem, deadline)


def _not_read() -> Reading:
    return Reading.failed("not read")


@dataclass(frozen=True)
class LambdaConcurrency:
    """`lambda get-account-settings`: AccountLimit.ConcurrentExecutions / UnreservedConcurrentExecutions
    (unreserved None when only the quota could be read)."""

    limit: int
    unreserved: int | None = None


@dataclass(frozen=True)
class BlockPublicAccess:
    """`ec2 describe-vpc-block-public-access-options`: InternetGatewayBlockMode (off | block-bidirectional |
    block-ingress) and ExclusionsAllowed (not-allowed when the organization enforces BPA)."""

    mode: str
    exclusions_allowed: bool = True
    managed_by: str = ""


@dataclass(frozen=True)
class Exclusion:
    """One BPA exclusion in effect: its mode (allow-bidirectional | allow-egress) and the VPC or subnet it covers."""

    mode: str
    kind: str  # "vpc" | "subnet"
    resource_id: str


@dataclass(frozen=True)
class StackVpc:
    """The VPC a deployed stack already has (found by its netkit:stack and Name tags) and its subnets by Name."""

    vpc_id: str
    subnets: dict[str, str] = field(default_factory=dict)  # Name tag -> subnet id


@dataclass
class AccountFacts:
    """Everything the preflight read for one region. Each field is a Reading; see the verdicts for their use."""

    region: str
    stack_vpc: Reading = field(default_factory=_not_read)  # StackVpc | None
    eip_quota: Reading = field(default_factory=_not_read)  # int
    eips_allocated: Reading = field(default_factory=_not_read)  # (all, the stack's own) ints
    nat_quota: Reading = field(default_factory=_not_read)  # int, per AZ
    nats_per_az: Reading = field(default_factory=_not_read)  # dict AZ -> other stacks' NAT gateways
    eni_quota: Reading = field(default_factory=_not_read)  # int, per region
    enis: Reading = field(default_factory=_not_read)  # (in the region, in the stack's own VPC) ints
    lambda_eni_quota: Reading = field(default_factory=_not_read)  # int, Hyperplane ENIs per VPC
    lambda_concurrency: Reading = field(default_factory=_not_read)  # LambdaConcurrency
    own_reserved: Reading = field(default_factory=_not_read)  # int: reserved concurrency the stack's functions hold
    block_public_access: Reading = field(default_factory=_not_read)  # BlockPublicAccess
    exclusions: Reading = field(default_factory=_not_read)  # list[Exclusion]
    deadline_seconds: float | None = None  # the overall deadline the reading ran under (None: none)

    def readings(self) -> dict[str, Reading]:
        return {name: value for name, value in vars(self).items() if isinstance(value, Reading)}

    def unread_by_deadline(self) -> list[str]:
        """The facts the deadline cut off (names of the fields)."""
        return [name for name, reading in self.readings().items() if reading.deadline]

    def to_json(self) -> dict[str, Any]:
        """The numbers other commands reuse (`netkit check --account-facts`), flat and named for people."""
        concurrency = self.lambda_concurrency.value
        bpa = self.block_public_access.value
        return {
            "region": self.region,
            "lambda_concurrent_executions": concurrency.limit if concurrency else None,
            "lambda_unreserved_concurrent_executions": concurrency.unreserved if concurrency else None,
            "elastic_ip_quota": self.eip_quota.value,
            "elastic_ips_allocated": self.eips_allocated.value[0] if self.eips_allocated.known else None,
            "nat_gateways_per_az_quota": self.nat_quota.value,
            "network_interfaces_quota": self.eni_quota.value,
            "network_interfaces_in_use": self.enis.value[0] if self.enis.known else None,
            "lambda_enis_per_vpc_quota": self.lambda_eni_quota.value,
            "block_public_access_mode": bpa.mode if bpa else None,
            "stack_vpc": self.stack_vpc.value.vpc_id if self.stack_vpc.value else None,
            "sources": {name: reading.source for name, reading in self.readings().items() if reading.source},
            "deadline_seconds": self.deadline_seconds,
            "unread_by_deadline": self.unread_by_deadline(),
        }


class AccountFactsError(ValueError):
    """An account-facts file that cannot be used; one line naming the file and what is wrong (exit 2)."""


@dataclass(frozen=True)
class AccountConcurrency:
    value: int
    region: str
    source: str


def load_account_concurrency(path: Path) -> AccountConcurrency:
    """The Lambda account concurrency from a preflight JSON report (`facts.lambda_concurrent_executions`)."""
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise AccountFactsError(f"account facts {path} does not exist") from None
    except OSError as exc:
        raise AccountFactsError(f"cannot read account facts {path}: {exc.strerror}") from None
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise AccountFactsError(f"account facts {path} is not JSON (write it with `netkit aws preflight`)") from None
    if not isinstance(document, dict) or not isinstance(document.get("facts"), dict):
        raise AccountFactsError(f"account facts {path} has no facts object (write it with `netkit aws preflight`)")
    facts = document["facts"]
    value = facts.get("lambda_concurrent_executions")
    if value is None:
        raise AccountFactsError(
            f"account facts {path} hold no Lambda account concurrency (the preflight could not read it)"
        )
    if isinstance(value, bool) or not isinstance(value, int) or value < 1:
        raise AccountFactsError(f"account facts {path}: lambda_concurrent_executions must be a whole number >= 1")
    region = facts.get("region", document.get("region", ""))
    source = facts.get("sources", {}).get("lambda_concurrency", "") if isinstance(facts.get("sources"), dict) else ""
    return AccountConcurrency(value, region if isinstance(region, str) else "", str(source))
