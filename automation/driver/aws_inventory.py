"""Find and delete, in AWS, a resource a stopped `up` created but never recorded (a pending CREATE).

The engine knows the pending resource's type and the inputs it was created with, tags included; the components tag
every resource with `netkit:stack` (components/settings.py). The AWS provider tags on create, so a resource that
exists carries those tags from its first moment. Resources of the pending type carrying ALL of those tags, whose id
the state does not already hold, are the ones the interrupted create left. Lookup per type with the service's own
describe/list call filtered by tag (EC2's `tag:` filters are exact; no wildcard can widen them: aws_ops validates
stack names). Types without a lookup here are reported, never guessed at (pending.py keeps them pending, and the
stack is not removed).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

# Pulumi type -> (EC2 describe call, its result key, its id key, the delete call and its id parameter)
_EC2: dict[str, tuple[str, str, str, str, str]] = {
    "aws:ec2/natGateway:NatGateway": (
        "describe_nat_gateways",
        "NatGateways",
        "NatGatewayId",
        "delete_nat_gateway",
        "NatGatewayId",
    ),
    "aws:ec2/eip:Eip": ("describe_addresses", "Addresses", "AllocationId", "release_address", "AllocationId"),
    "aws:ec2/vpcEndpoint:VpcEndpoint": (
        "describe_vpc_endpoints",
        "VpcEndpoints",
        "VpcEndpointId",
        "delete_vpc_endpoints",
        "VpcEndpointIds",
    ),
    "aws:ec2/securityGroup:SecurityGroup": (
        "describe_security_groups",
        "SecurityGroups",
        "GroupId",
        "delete_security_group",
        "GroupId",
    ),
    "aws:ec2/subnet:Subnet": ("describe_subnets", "Subnets", "SubnetId", "delete_subnet", "SubnetId"),
    "aws:ec2/routeTable:RouteTable": (
        "describe_route_tables",
        "RouteTables",
        "RouteTableId",
        "delete_route_table",
        "RouteTableId",
    ),
    "aws:ec2/internetGateway:InternetGateway": (
        "describe_internet_gateways",
        "InternetGateways",
        "InternetGatewayId",
        "delete_internet_gateway",
        "InternetGatewayId",
    ),
    "aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway": (
        "describe_egress_only_internet_gateways",
        "EgressOnlyInternetGateways",
        "EgressOnlyInternetGatewayId",
        "delete_egress_only_internet_gateway",
        "EgressOnlyInternetGatewayId",
    ),
    "aws:ec2/vpc:Vpc": ("describe_vpcs", "Vpcs", "VpcId", "delete_vpc", "VpcId"),
}
_GONE_STATES = {"deleted", "deleting", "failed"}


@dataclass
class AwsInventory:
    region: str
    endpoint_url: str | None = None
    timeout_seconds: float = 30.0
    client_factory: Callable[[str], Any] | None = None

    def _client(self, service: str) -> Any:
        if self.client_factory is not None:
            return self.client_factory(service)
        from ..aws_ops import aws_client

        return aws_client(service, self.region, self.endpoint_url, self.timeout_seconds)

    def supports(self, resource_type: str) -> bool:
        return resource_type in _EC2

    def find(self, resource_type: str, tags: Mapping[str, str], known_ids: set[str]) -> list[str]:
        describe, key, id_key, _, _ = _EC2[resource_type]
        filters = [{"Name": f"tag:{k}", "Values": [v]} for k, v in sorted(tags.items())]
        ec2 = self._client("ec2")
        method = getattr(ec2, describe)
        if ec2.can_paginate(describe):
            items = [i for page in ec2.get_paginator(describe).paginate(Filters=filters) for i in page[key]]
        else:
            items = method(Filters=filters)[key]
        found = []
        for item in items:
            state = str(item.get("State", "")).lower()
            carried = {t.get("Key"): t.get("Value") for t in item.get("Tags") or []}
            if any(carried.get(k) != v for k, v in tags.items()):
                continue  # the server's filter is trusted only as far as the tags it returns
            if item.get(id_key) and item[id_key] not in known_ids and state not in _GONE_STATES:
                found.append(str(item[id_key]))
        return sorted(set(found))

    def delete(self, resource_type: str, resource_id: str) -> None:
        _, _, _, delete, parameter = _EC2[resource_type]
        value: Any = [resource_id] if parameter.endswith("Ids") else resource_id
        getattr(self._client("ec2"), delete)(**{parameter: value})
