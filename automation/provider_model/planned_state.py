"""Create's answer: the outputs of a new resource, planned (preview) or final (update).

- Preview: pulumi/pulumi-terraform-bridge pkg/tfbridge/provider.go `Create` with `preview` returns the proposed
  state (`diff.ProposedState`): the checked inputs, plus an unknown for every computed attribute the program did not
  set; the id is "". AnalyzeStack receives exactly these outputs in a first preview
  (pulumi/pulumi pkg/resource/deploy/step_generator.go). Which attributes are computed comes from the provider SDK
  (sdk_types.output_shapes: the outputs the provider always sets).
- Update: deterministic ids (`<AWS prefix>-<17 hex>`), ARNs, names and addresses derived from the stack, type and
  name; computed attributes take the values AWS reports (schema.CREATED_VALUES), else a plausible AWS-shaped value;
  the AZ never made up: as the program gave it, its other form only from the fixtures' mapping (zones.py).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from . import zones
from .schema import CREATED_VALUES
from .wire import ACCOUNT_ID, PARTITION, UNKNOWN, digest

# AWS id prefixes (ids are what bridged providers report in state and what policies link by).
ID_PREFIXES = {
    "aws:ec2/vpc:Vpc": "vpc",
    "aws:ec2/subnet:Subnet": "subnet",
    "aws:ec2/routeTable:RouteTable": "rtb",
    "aws:ec2/defaultRouteTable:DefaultRouteTable": "rtb",
    "aws:ec2/internetGateway:InternetGateway": "igw",
    "aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway": "eigw",
    "aws:ec2/natGateway:NatGateway": "nat",
    "aws:ec2/eip:Eip": "eipalloc",
    "aws:ec2/securityGroup:SecurityGroup": "sg",
    "aws:ec2/defaultSecurityGroup:DefaultSecurityGroup": "sg",
    "aws:ec2/vpcEndpoint:VpcEndpoint": "vpce",
    "aws:ec2/routeTableAssociation:RouteTableAssociation": "rtbassoc",
    "aws:ec2/mainRouteTableAssociation:MainRouteTableAssociation": "rtbassoc",
    "aws:ec2/flowLog:FlowLog": "fl",
    "aws:ec2/networkAcl:NetworkAcl": "acl",
    "aws:ec2/transitGateway:TransitGateway": "tgw",
    "aws:ec2/vpcPeeringConnection:VpcPeeringConnection": "pcx",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "sgr",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "sgr",
    "aws:ec2/securityGroupRule:SecurityGroupRule": "sgrule",
    "aws:ec2/networkInterface:NetworkInterface": "eni",
    "aws:ec2/instance:Instance": "i",
    "aws:ec2/launchTemplate:LaunchTemplate": "lt",
    "aws:ec2/managedPrefixList:ManagedPrefixList": "pl",
}
# The resource part of EC2 ARNs: `arn:aws:ec2:<region>:<account>:<kind>/<id>` (terraform-provider-aws
# internal/service/ec2: resourceVPCRead `vpc/%s`, and the same pattern for the others).
EC2_ARN_KINDS = {
    "aws:ec2/vpc:Vpc": "vpc",
    "aws:ec2/subnet:Subnet": "subnet",
    "aws:ec2/routeTable:RouteTable": "route-table",
    "aws:ec2/securityGroup:SecurityGroup": "security-group",
    "aws:ec2/internetGateway:InternetGateway": "internet-gateway",
    "aws:ec2/egressOnlyInternetGateway:EgressOnlyInternetGateway": "egress-only-internet-gateway",
    "aws:ec2/natGateway:NatGateway": "natgateway",
    "aws:ec2/vpcEndpoint:VpcEndpoint": "vpc-endpoint",
    "aws:ec2/eip:Eip": "elastic-ip",
    "aws:ec2/flowLog:FlowLog": "vpc-flow-log",
    "aws:ec2/networkAcl:NetworkAcl": "network-acl",
}
# Resources whose id is their name (IAM roles and policies' names, Lambda functions' function_name).
NAME_IDS = frozenset({"aws:iam/role:Role", "aws:lambda/function:Function", "aws:sqs/queue:Queue"})

# Computed `...Id` outputs whose AWS shape is known.
ID_OUTPUT_PREFIXES = {
    "mainRouteTableId": "rtb",
    "defaultRouteTableId": "rtb",
    "defaultSecurityGroupId": "sg",
    "defaultNetworkAclId": "acl",
    "dhcpOptionsId": "dopt",
    "allocationId": "eipalloc",
    "associationId": "eipassoc",
    "networkInterfaceId": "eni",
    "prefixListId": "pl",
    "securityGroupRuleId": "sgr",
}


_AREAS = ("us", "eu", "ap", "sa", "ca", "me", "af", "il", "mx")
_DIRECTIONS = {
    "east": "e",
    "west": "w",
    "north": "n",
    "south": "s",
    "central": "c",
    "northeast": "ne",
    "northwest": "nw",
    "southeast": "se",
    "southwest": "sw",
}


def zone_id_prefix(region: str) -> str:
    """AWS zone ids are `<region code>-az<N>`: `us-east-1` -> `use1`, `eu-central-1` -> `euc1`, `ap-southeast-2`
    -> `apse2`."""
    parts = region.split("-")
    if len(parts) < 3 or parts[0] not in _AREAS:
        return region.replace("-", "")
    return f"{parts[0]}{_DIRECTIONS.get(parts[1], parts[1][:1])}{parts[-1]}"


def doc_ip(seed: str, block: str = "203.0.113") -> str:
    """A public-looking IP from an RFC 5737 documentation range, stable per resource."""
    return f"{block}.{int(seed[:4], 16) % 254 + 1}"


def module_of(type_token: str) -> str:
    """`aws:ec2/vpc:Vpc` -> `ec2` (the service part of an ARN)."""
    parts = type_token.split(":")
    return parts[1].split("/")[0] if len(parts) >= 3 else "resource"


def _plausible(prop: str, shape: str, type_token: str, name: str, seed: str, region: str, outs: dict[str, Any]) -> Any:
    """A value shaped like what AWS returns for a computed attribute the documentation gives no default for."""
    if shape in ("list", "list[str]"):
        return []
    if shape in ("map", "object"):
        return dict(outs.get("tags") or {}) if prop == "tagsAll" else {}
    if shape == "bool":
        return False
    if shape in ("int", "float"):
        return 0
    service = module_of(type_token)
    if prop == "arn" or prop.endswith("Arn"):
        return f"arn:{PARTITION}:{service}:{region}:{ACCOUNT_ID}:{name}-{seed[:7]}"
    if prop == "ownerId":
        return ACCOUNT_ID
    if prop in ("region", "serviceRegion"):
        return region
    if "ipv6" in prop.lower():
        return ""  # AWS reports no IPv6 block/association unless the program asked for one
    if prop in ID_OUTPUT_PREFIXES:
        return f"{ID_OUTPUT_PREFIXES[prop]}-{digest(seed, prop)[:17]}"
    if prop.endswith("Ip") or prop.endswith("IpAddress"):
        return doc_ip(digest(seed, prop), "10.0.0" if "private" in prop.lower() else "203.0.113")
    if prop in ("name", "namePrefix"):
        return f"{name}-{seed[:7]}"
    return f"{name}-{prop}-{seed[:8]}"


def _specific(type_token: str, outs: dict[str, Any], seed: str, region: str, label: str) -> dict[str, Any]:
    """Computed outputs with a documented shape that programs commonly read."""
    name = outs.get("name") if isinstance(outs.get("name"), str) else label
    if type_token == "aws:ec2/eip:Eip":
        return {"publicIp": doc_ip(seed)}
    if type_token == "aws:ec2/natGateway:NatGateway" and outs.get("availabilityMode") == "regional":
        # A regional NAT gateway has no subnet and no single public IP: one address per allocation of each AZ.
        zones = outs.get("availabilityZoneAddresses") or []
        addresses = [
            {
                "allocationId": allocation,
                "availabilityZone": zone.get("availabilityZone", ""),
                "publicIp": doc_ip(digest(seed, str(allocation)), "198.51.100"),
                "status": "succeeded",
            }
            for zone in zones
            if isinstance(zone, dict)
            for allocation in zone.get("allocationIds") or []
        ]
        return {
            "publicIp": "",
            "regionalNatGatewayAddresses": addresses,
            "autoProvisionZones": "disabled" if zones else "enabled",
            "routeTableId": f"rtb-{digest(seed, 'nat-route-table')[:17]}",
        }
    if type_token == "aws:ec2/natGateway:NatGateway":
        return {"publicIp": doc_ip(seed, "198.51.100")}
    if type_token == "aws:ec2/vpc:Vpc" and outs.get("assignGeneratedIpv6CidrBlock") is True:
        # AWS assigns an Amazon-provided /56 (here from 2600:1f18::/32, an AWS range).
        return {
            "ipv6CidrBlock": f"2600:1f18:{seed[:4]}:{seed[4:6]}00::/56",
            "ipv6AssociationId": f"vpc-cidr-assoc-{seed[:17]}",
            "ipv6CidrBlockNetworkBorderGroup": region,
        }
    if type_token == "aws:sqs/queue:Queue":
        return {
            "url": f"https://sqs.{region}.amazonaws.com/{ACCOUNT_ID}/{name}",
            "arn": f"arn:{PARTITION}:sqs:{region}:{ACCOUNT_ID}:{name}",
        }
    if type_token == "aws:secretsmanager/secret:Secret":
        return {"arn": f"arn:{PARTITION}:secretsmanager:{region}:{ACCOUNT_ID}:secret:{name}-Ab12Cd"}
    if type_token == "aws:lambda/function:Function":
        arn = f"arn:{PARTITION}:lambda:{region}:{ACCOUNT_ID}:function:{name}"
        return {
            "arn": arn,
            "invokeArn": f"arn:{PARTITION}:apigateway:{region}:lambda:path/2015-03-31/functions/{arn}/invocations",
        }
    if type_token == "aws:apigatewayv2/api:Api":
        return {
            "apiEndpoint": f"https://{seed[:10]}.execute-api.{region}.amazonaws.com",
            "executionArn": f"arn:{PARTITION}:execute-api:{region}:{ACCOUNT_ID}:{seed[:10]}",
        }
    if type_token == "aws:apigatewayv2/stage:Stage":
        return {"invokeUrl": f"https://{seed[:10]}.execute-api.{region}.amazonaws.com/"}
    if type_token == "aws:globalaccelerator/accelerator:Accelerator":
        return {
            "dnsName": f"a{seed[:16]}.awsglobalaccelerator.com",
            "ipSets": [{"ipFamily": "IPv4", "ipAddresses": [doc_ip(seed), doc_ip(seed[4:])]}],
        }
    return {}


def resource_id(type_token: str, name: str, stack: str) -> str:
    seed = digest(stack, type_token, name)
    return f"{ID_PREFIXES.get(type_token, name)}-{seed[:17]}"


def _arn(type_token: str, rid: str, label: str, region: str, outs: dict[str, Any]) -> str:
    if type_token in EC2_ARN_KINDS:
        return f"arn:{PARTITION}:ec2:{region}:{ACCOUNT_ID}:{EC2_ARN_KINDS[type_token]}/{rid}"
    if type_token == "aws:iam/role:Role":  # IAM is global: no region; the role's path is part of its ARN
        path = outs.get("path") if isinstance(outs.get("path"), str) else "/"
        return f"arn:{PARTITION}:iam::{ACCOUNT_ID}:role{path}{label}"
    return f"arn:{PARTITION}:{module_of(type_token)}:{region}:{ACCOUNT_ID}:{label}"


def _state_of(inputs: dict[str, Any]) -> dict[str, Any]:
    """The inputs a new state starts from: everything but the bridge's `__defaults` bookkeeping (which stays in the
    inputs; a dynamic provider's `__provider` is kept in its outputs: pulumi/dynamic/__main__.py Create)."""
    return {k: v for k, v in inputs.items() if k != "__defaults"}


def planned_values(type_token: str, inputs: dict[str, Any], computed: dict[str, str], region: str) -> dict[str, Any]:
    """Computed attributes the provider already knows when it plans: terraform-provider-aws v6 sets every regional
    resource's top-level `region` to the provider's region in CustomizeDiff when the program leaves it unset
    (internal/provider/sdkv2 interceptors `defaultRegion`), so the proposed state holds it."""
    if type_token.startswith("aws:") and "region" in computed and "region" not in inputs:
        return {"region": region}
    return {}


def preview_outputs(type_token: str, inputs: dict[str, Any], computed: dict[str, str], region: str) -> dict[str, Any]:
    """Create with preview: the checked inputs, every computed output the program did not set unknown (except what
    the plan knows: planned_values), the id unknown (pulumi-terraform-bridge pkg/tfbridge/provider.go Create ->
    diff.ProposedState)."""
    outs = _state_of(inputs)
    outs.update(planned_values(type_token, outs, computed, region))
    for prop in computed:
        if prop not in outs:
            outs[prop] = UNKNOWN
    outs["id"] = UNKNOWN
    return outs


def update_outputs(
    type_token: str,
    name: str,
    inputs: dict[str, Any],
    computed: dict[str, str],
    stack: str,
    region: str,
    zone_mapping: Mapping[str, str] | None = None,
) -> tuple[str, dict[str, Any]]:
    """Create (not a preview): (id, outputs) with deterministic values: the checked inputs, each computed output the
    program did not set as AWS reports it (schema.CREATED_VALUES) or a plausible AWS-shaped value, ids as
    `<prefix>-<17 hex>` of stack, type and name. `computed` maps the provider SDK's always-present outputs to their
    shape (str, bool, int, float, list, map, object). The AZ is never made up (zones.settle_zones): the form the
    program gave, the other form only from `zone_mapping` (the fixtures' getAvailabilityZones answer for `region`,
    zones.zone_mapping), none when the program lets AWS pick."""
    outs = _state_of(inputs)
    outs.update(planned_values(type_token, outs, computed, region))
    seed = digest(stack, type_token, name)
    rid = resource_id(type_token, name, stack)
    if type_token in NAME_IDS and isinstance(inputs.get("name"), str):
        rid = inputs["name"]
    for prop, value in CREATED_VALUES.get(type_token, {}).items():
        outs.setdefault(prop, value)
    if type_token.startswith("aws:"):
        label = outs["name"] if isinstance(outs.get("name"), str) else f"{name}-{seed[:7]}"
        if "name" in computed:
            outs.setdefault("name", label)
        if "arn" in computed:
            outs.setdefault("arn", _arn(type_token, rid, label, region, outs))
        if type_token == "aws:ec2/eip:Eip":
            outs.setdefault("allocationId", rid)
        for key, value in _specific(type_token, outs, seed, region, label).items():
            if key not in inputs:
                outs[key] = value
    for prop, shape in computed.items():
        if prop not in outs and prop not in zones.ZONE_KEYS:
            outs[prop] = _plausible(prop, shape, type_token, name, seed, region, outs)
    if type_token == "aws:ec2/vpc:Vpc":
        outs["defaultRouteTableId"] = outs.get("mainRouteTableId", outs.get("defaultRouteTableId"))
    outs = zones.settle_zones(inputs, outs, zone_mapping or {})
    outs["id"] = rid  # as bridged providers report it in state; policies link by id
    return rid, outs


# The package of Pulumi dynamic providers (`pulumi.dynamic.Resource`): served by `pulumi-resource-pulumi-python`,
# whose Configure does not claim preview support (pulumi/dynamic/__main__.py Configure: acceptSecrets only).
DYNAMIC_PACKAGE = "pulumi-python"


def supports_preview(type_token: str) -> bool:
    """Whether the provider of a type plans a preview Create (bridged providers do; dynamic providers do not)."""
    return type_token.split(":")[0] != DYNAMIC_PACKAGE


def planned_outputs(
    mode: str,
    type_token: str,
    name: str,
    inputs: dict[str, Any],
    computed: dict[str, str],
    stack: str,
    region: str,
    *,
    config_known: bool = True,
    zone_mapping: Mapping[str, str] | None = None,
) -> tuple[str, dict[str, Any]]:
    """(id, outputs) of a new custom resource in `mode` ("preview": id "" and the planned state; else
    update_outputs). In a preview the engine itself answers for some providers (pulumi/pulumi
    pkg/resource/plugin/provider_plugin.go Create): no outputs at all while the provider's configuration is unknown
    (`!pcfg.known`), the inputs as they are when the provider does not support previews (dynamic providers).
    `zone_mapping`: the fixtures' AZ name -> id mapping for `region` (update_outputs)."""
    if mode == "preview":
        if not config_known:
            return "", {}
        if not supports_preview(type_token):
            return "", _state_of(inputs)
        return "", preview_outputs(type_token, inputs, computed, region)
    return update_outputs(type_token, name, inputs, computed, stack, region, zone_mapping)


def unknown_outputs(shapes: dict[str, str]) -> dict[str, Any]:
    """Every output of a component whose children a provider plugin creates: nothing is known offline."""
    return {prop: UNKNOWN for prop in shapes}
