"""Facts of the Terraform AWS provider's schemas (hashicorp/terraform-provider-aws, which pulumi-aws bridges) that
no Python SDK type carries: `Default` values (Check fills them in), `ForceNew` attributes (Diff replaces), and the
values AWS gives computed attributes a program leaves unset (what a real update reports).

Keys are Pulumi property names (camelCase of the Terraform names). Sources, terraform-provider-aws internal/service/:
ec2/vpc_.go, ec2/vpc_subnet.go, ec2/vpc_route_table.go, ec2/vpc_route.go, ec2/vpc_route_table_association.go,
ec2/vpc_nat_gateway.go, ec2/ec2_eip.go, ec2/vpc_security_group.go (pulumi-aws provider/resources.go replaces its
description default "Managed by Terraform" with "Managed by Pulumi"), ec2/vpc_endpoint.go, ec2/vpc_flow_log.go,
lambda/function.go, iam/role.go, iam/role_policy.go, iam/role_policy_attachment.go, sqs/queue.go (its schema in
sqs/attribute_funcs.go), logs/group.go.
"""

from __future__ import annotations

from typing import Any

# Terraform schema `Default` values, as Check returns them (falsy ones are listed for the record: the bridge does not
# synthesize them, check.py skips them).
TF_DEFAULTS: dict[str, dict[str, Any]] = {
    "aws:ec2/vpc:Vpc": {
        "enableDnsSupport": True,
        "instanceTenancy": "default",
    },
    "aws:ec2/subnet:Subnet": {
        "mapPublicIpOnLaunch": False,
        "assignIpv6AddressOnCreation": False,
        "enableDns64": False,
        "enableResourceNameDnsAaaaRecordOnLaunch": False,
        "enableResourceNameDnsARecordOnLaunch": False,
        "ipv6Native": False,
        "mapCustomerOwnedIpOnLaunch": False,
    },
    "aws:ec2/vpcEndpoint:VpcEndpoint": {"vpcEndpointType": "Gateway", "autoAccept": False},
    "aws:ec2/securityGroup:SecurityGroup": {"description": "Managed by Pulumi", "revokeRulesOnDelete": False},
    "aws:ec2/natGateway:NatGateway": {"connectivityType": "public"},
    "aws:ec2/flowLog:FlowLog": {"logDestinationType": "cloud-watch-logs", "maxAggregationInterval": 600},
    "aws:lambda/function:Function": {
        "memorySize": 128,
        "timeout": 3,
        "reservedConcurrentExecutions": -1,
        "packageType": "Zip",
        "publish": False,
        "skipDestroy": False,
    },
    "aws:iam/role:Role": {"path": "/", "maxSessionDuration": 3600, "forceDetachPolicies": False},
    "aws:iam/policy:Policy": {"path": "/"},
    "aws:sqs/queue:Queue": {
        "delaySeconds": 0,
        "fifoQueue": False,
        "messageRetentionSeconds": 345600,
        "receiveWaitTimeSeconds": 0,
        "visibilityTimeoutSeconds": 30,
    },
    "aws:cloudwatch/logGroup:LogGroup": {"retentionInDays": 0, "skipDestroy": False},
}

# Values AWS reports for computed attributes a program did not set (what a real update gives back); Check's
# defaults above are already in the inputs.
CREATED_VALUES: dict[str, dict[str, Any]] = {
    "aws:ec2/vpc:Vpc": {
        "enableDnsHostnames": False,
        "enableDnsSupport": True,
        "enableNetworkAddressUsageMetrics": False,
        "instanceTenancy": "default",
        "assignGeneratedIpv6CidrBlock": False,
    },
    "aws:ec2/routeTable:RouteTable": {"routes": [], "propagatingVgws": []},
    "aws:ec2/defaultRouteTable:DefaultRouteTable": {"routes": [], "propagatingVgws": []},
    "aws:ec2/vpcEndpoint:VpcEndpoint": {
        "privateDnsEnabled": False,
        "vpcEndpointType": "Gateway",
        "autoAccept": False,
        "requesterManaged": False,
        "state": "available",
        "ipAddressType": "ipv4",
        # AWS attaches this full-access policy to an endpoint created without one.
        "policy": '{"Statement":[{"Action":"*","Effect":"Allow","Principal":"*","Resource":"*"}],'
        '"Version":"2008-10-17"}',
    },
    "aws:ec2/subnet:Subnet": {
        "mapPublicIpOnLaunch": False,
        "assignIpv6AddressOnCreation": False,
        "enableDns64": False,
        "ipv6Native": False,
        "privateDnsHostnameTypeOnLaunch": "ip-name",
    },
    "aws:ec2/securityGroup:SecurityGroup": {"description": "Managed by Pulumi", "revokeRulesOnDelete": False},
    "aws:ec2/natGateway:NatGateway": {"connectivityType": "public", "availabilityMode": "zonal"},
    "aws:lambda/function:Function": {
        "memorySize": 128,
        "timeout": 3,
        "reservedConcurrentExecutions": -1,
        "packageType": "Zip",
        "publish": False,
        "architectures": ["x86_64"],
    },
    "aws:sqs/queue:Queue": {"visibilityTimeoutSeconds": 30, "messageRetentionSeconds": 345600, "fifoQueue": False},
}

# Terraform `ForceNew` attributes: a change replaces the resource.
FORCE_NEW: dict[str, frozenset[str]] = {
    "aws:ec2/vpc:Vpc": frozenset({"cidrBlock", "ipv4IpamPoolId", "ipv4NetmaskLength"}),
    "aws:ec2/subnet:Subnet": frozenset(
        {"vpcId", "cidrBlock", "availabilityZone", "availabilityZoneId", "ipv6Native", "outpostArn"}
    ),
    "aws:ec2/routeTable:RouteTable": frozenset({"vpcId"}),
    "aws:ec2/route:Route": frozenset(
        {"routeTableId", "destinationCidrBlock", "destinationIpv6CidrBlock", "destinationPrefixListId"}
    ),
    "aws:ec2/routeTableAssociation:RouteTableAssociation": frozenset({"subnetId", "gatewayId"}),
    "aws:ec2/natGateway:NatGateway": frozenset({"allocationId", "subnetId", "connectivityType", "privateIp"}),
    "aws:ec2/eip:Eip": frozenset({"address", "customerOwnedIpv4Pool", "networkBorderGroup", "publicIpv4Pool"}),
    "aws:ec2/securityGroup:SecurityGroup": frozenset({"name", "namePrefix", "description", "vpcId"}),
    "aws:ec2/vpcEndpoint:VpcEndpoint": frozenset({"vpcId", "serviceName", "vpcEndpointType"}),
    "aws:ec2/flowLog:FlowLog": frozenset(
        {
            "vpcId",
            "subnetId",
            "eniId",
            "transitGatewayId",
            "trafficType",
            "logDestination",
            "logDestinationType",
            "logFormat",
            "iamRoleArn",
            "maxAggregationInterval",
        }
    ),
    "aws:lambda/function:Function": frozenset({"name", "packageType"}),
    "aws:iam/role:Role": frozenset({"name", "namePrefix", "path"}),
    "aws:iam/policy:Policy": frozenset({"name", "namePrefix", "path"}),
    "aws:iam/rolePolicy:RolePolicy": frozenset({"name", "namePrefix", "role"}),
    "aws:iam/rolePolicyAttachment:RolePolicyAttachment": frozenset({"role", "policyArn"}),
    "aws:sqs/queue:Queue": frozenset({"name", "namePrefix", "fifoQueue"}),
    "aws:cloudwatch/logGroup:LogGroup": frozenset({"name", "namePrefix"}),
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": frozenset({"securityGroupId"}),
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": frozenset({"securityGroupId"}),
}


def replaces_on_change(type_token: str, prop: str) -> bool:
    """Whether changing `prop` replaces the resource. Non-AWS packages stood in for without type information
    (random, tls, ...) replace on any change: their resources are immutable (every attribute ForceNew, as in
    terraform-provider-random and -tls)."""
    if not type_token.startswith("aws:"):
        return True
    # terraform-provider-aws v6 interceptors `forceNewIfRegionChanges`: moving a regional resource replaces it.
    return prop == "region" or prop in FORCE_NEW.get(type_token, frozenset())
