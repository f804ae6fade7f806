"""Pulumi dynamic provider that keeps Elastic IPs associated with a function's Lambda Hyperplane ENIs.

The ENIs only exist after Lambda has attached the function to its subnets, so no AWS resource type can express
the association at plan time; this provider runs after the function (depends_on), waits for it to be Active,
finds the ENIs and associates the EIPs, moves them when an update changes the ENI set, and disassociates on
delete. The AWS calls live in `hyperplane_ops` (no Pulumi import) and are tested against a moto server.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import pulumi
import pulumi.dynamic

from .hyperplane_ops import EipSpec, EipState, reconcile, release

PATTERN = "hyperplane-eip"
_SPEC_KEYS = ("functionName", "subnetIds", "securityGroupIds", "allocationIds", "region", "endpointUrl")


def _clients(props: dict[str, Any]) -> tuple[Any, Any]:
    import boto3  # imported where the provider runs, not when the program is planned

    session = boto3.session.Session(region_name=props["region"])
    endpoint = props.get("endpointUrl") or None
    return session.client("ec2", endpoint_url=endpoint), session.client("lambda", endpoint_url=endpoint)


def _spec(props: dict[str, Any]) -> EipSpec:
    return EipSpec(
        function_name=props["functionName"],
        subnet_ids=list(props["subnetIds"]),
        security_group_ids=list(props["securityGroupIds"]),
        allocation_ids=list(props["allocationIds"]),
        timeout_seconds=float(props.get("timeoutSeconds", 600)),
        poll_seconds=float(props.get("pollSeconds", 5)),
    )


class HyperplaneEipProvider(pulumi.dynamic.ResourceProvider):
    """create/update/delete map onto hyperplane_ops.reconcile and release."""

    def create(self, props: dict[str, Any]) -> pulumi.dynamic.CreateResult:
        ec2, lam = _clients(props)
        state = reconcile(ec2, lam, _spec(props))
        return pulumi.dynamic.CreateResult(
            f"{props['functionName']}-eips", {**props, **state.as_dict(), "egressIps": _ips(state)}
        )

    def diff(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.DiffResult:
        changed = [k for k in _SPEC_KEYS if olds.get(k) != news.get(k)]
        return pulumi.dynamic.DiffResult(changes=bool(changed), replaces=[], delete_before_replace=False)

    def update(self, _id: str, olds: dict[str, Any], news: dict[str, Any]) -> pulumi.dynamic.UpdateResult:
        ec2, lam = _clients(news)
        state = reconcile(ec2, lam, _spec(news), EipState.from_dict(olds))
        return pulumi.dynamic.UpdateResult({**news, **state.as_dict(), "egressIps": _ips(state)})

    def delete(self, _id: str, props: dict[str, Any]) -> None:
        ec2, _ = _clients(props)
        release(ec2, EipState.from_dict(props))


def _ips(state: EipState) -> list[str]:
    return [a.public_ip for a in state.associations if a.public_ip]


@dataclass(frozen=True)
class HyperplaneEipAssociationArgs:
    function_name: pulumi.Input[str]
    subnet_ids: Sequence[pulumi.Input[str]]
    security_group_ids: Sequence[pulumi.Input[str]]
    allocation_ids: Sequence[pulumi.Input[str]]
    region: pulumi.Input[str]
    endpoint_url: str | None = None
    timeout_seconds: float = 600.0


class HyperplaneEipAssociation(pulumi.dynamic.Resource, module="netkit", name="HyperplaneEipAssociation"):
    """EIPs on the Hyperplane ENIs of one (subnets, security groups) combination.

    Its inputs carry `netkitPattern: hyperplane-eip` so the policy pack recognises the pattern
    (`lambda-vpc-egress-path`, `hyperplane-eip-dev-only`) from inputs alone, during preview too.
    """

    egressIps: pulumi.Output[list[str]]

    def __init__(
        self, name: str, args: HyperplaneEipAssociationArgs, opts: pulumi.ResourceOptions | None = None
    ) -> None:
        props: dict[str, Any] = {
            "netkitPattern": PATTERN,
            "functionName": args.function_name,
            "subnetIds": list(args.subnet_ids),
            "securityGroupIds": list(args.security_group_ids),
            "allocationIds": list(args.allocation_ids),
            "region": args.region,
            "endpointUrl": args.endpoint_url or "",
            "timeoutSeconds": args.timeout_seconds,
            "associations": None,
            "egressIps": None,
        }
        super().__init__(HyperplaneEipProvider(), name, props, opts)
