"""What the engine hands an analyzer for one registration: checked inputs and planned (preview) or final (update)
outputs. Pure stdlib code on the wire form of property values (dicts, lists, the unknown sentinel, the secret and
resource-reference signatures); it runs inside the program's interpreter (loaded by path) and in the tests.

Engine facts reproduced here (pulumi/pulumi at /work/.mirror/pulumi+pulumi/repo):
- analyzers get properties marshalled with KeepUnknowns, KeepSecrets, SkipInternalKeys and *without* KeepResources
  (sdk/go/common/resource/plugin/analyzer_plugin.go, Analyze/AnalyzeStack), so a resource reference is downgraded to
  its id (custom resources, unknown while the id is) or its URN (components), and every `__` key is dropped at every
  level (sdk/go/common/resource/plugin/rpc.go MarshalPropertyValue; resource.IsInternalPropertyKey in
  sdk/go/common/resource/properties.go);
- AnalyzeStack receives `v.Outputs` of each new state (pkg/resource/deploy/step_generator.go AnalyzeResources); in a
  first preview those are the provider's planned state: a bridged provider (pulumi-terraform-bridge
  pkg/tfbridge/provider.go Create with preview) returns the inputs plus an unknown for every computed attribute the
  program did not set. Which attributes are computed comes from the provider SDK (see run.py `output_shapes`).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"  # sdk/go/common/resource/plugin/rpc.go UnknownStringValue
SIG_KEY = "4dabf18193072939515e22adb298388d"  # sdk/go/common/resource/sig
RESOURCE_SIG = "5cf8f73096256a8f31e491e813e4eb8e"
SECRET_SIG = "1b47061264138c4ac30d75fd1eb44270"
OUTPUT_SIG = "d0e6a833031e9bbcd3f4e8bde6ca49a4"
ACCOUNT_ID = "123456789012"
PARTITION = "aws"

# Provider defaults for omitted settings, from the pulumi-aws / AWS documentation (values the resource has after
# creation when the program does not set them). Only the values live here; *which* properties are computed is read
# from the provider SDK.
DOCUMENTED_DEFAULTS: dict[str, dict[str, Any]] = {
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
    "aws:ec2/securityGroup:SecurityGroup": {
        "description": "Managed by Pulumi",
        "revokeRulesOnDelete": False,
    },
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


def digest(*parts: str) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()


def doc_ip(seed: str, block: str = "203.0.113") -> str:
    """A public-looking IP from an RFC 5737 documentation range, stable per resource."""
    return f"{block}.{int(seed[:4], 16) % 254 + 1}"


def is_secret(value: Any) -> bool:
    return isinstance(value, dict) and value.get(SIG_KEY) == SECRET_SIG


def secret_values(value: Any, inside: bool = False) -> list[str]:
    """The strings (and JSON forms of other scalars) inside every value marked secret in a wire value: what must
    never be printed (the checker masks them; the shim redacts them in fixture hints)."""
    if isinstance(value, dict):
        if value.get(SIG_KEY) == SECRET_SIG:
            return secret_values(value.get("value"), True)
        return [leaf for v in value.values() for leaf in secret_values(v, inside)]
    if isinstance(value, list | tuple):
        return [leaf for v in value for leaf in secret_values(v, inside)]
    if not inside or value is None or isinstance(value, bool):
        return []
    return [value if isinstance(value, str) else json.dumps(value)]


def downgrade(value: Any) -> Any:
    """The analyzer's view of a wire value: resource references become their id (or URN for components), output
    values their element (or unknown), internal `__` keys are dropped; unknowns and secrets are kept."""
    if isinstance(value, dict):
        sig = value.get(SIG_KEY)
        if sig == RESOURCE_SIG:
            if "id" in value:
                ref_id = value["id"]
                return UNKNOWN if ref_id in ("", None) else downgrade(ref_id)
            return value.get("urn", "")
        if sig == SECRET_SIG:
            return {SIG_KEY: SECRET_SIG, "value": downgrade(value.get("value"))}
        if sig == OUTPUT_SIG:
            inner = downgrade(value["value"]) if "value" in value else UNKNOWN
            return {SIG_KEY: SECRET_SIG, "value": inner} if value.get("secret") else inner
        if sig is not None:
            return value  # assets and archives pass through as they are
        return {k: downgrade(v) for k, v in value.items() if not k.startswith("__")}
    if isinstance(value, list):
        return [downgrade(v) for v in value]
    return value


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
    if prop == "availabilityZone":
        return f"{region}a"
    if prop == "availabilityZoneId":
        return f"{zone_id_prefix(region)}-az1"
    if "ipv6" in prop.lower():
        return ""  # AWS reports no IPv6 block/association unless the program asked for one
    if prop in ID_OUTPUT_PREFIXES:
        return f"{ID_OUTPUT_PREFIXES[prop]}-{digest(seed, prop)[:17]}"
    if prop.endswith("Ip") or prop.endswith("IpAddress"):
        return doc_ip(digest(seed, prop), "10.0.0" if "private" in prop.lower() else "203.0.113")
    if prop in ("name", "namePrefix"):
        return f"{name}-{seed[:7]}"
    return f"{name}-{prop}-{seed[:8]}"


def _specific(type_token: str, outs: dict[str, Any], seed: str, region: str) -> dict[str, Any]:
    """Computed outputs with a documented shape that programs commonly read."""
    name = outs.get("name", "")
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


def planned_outputs(
    mode: str,
    type_token: str,
    name: str,
    inputs: dict[str, Any],
    computed: dict[str, str],
    stack: str,
    region: str,
) -> tuple[str, dict[str, Any]]:
    """(id, outputs) of a new custom resource: inputs known; each computed property the program did not set is
    unknown in preview and, in update, the documented default or a plausible AWS-shaped value. `computed` maps the
    provider SDK's always-present output properties to their shape (str, bool, int, float, list, map, object)."""
    outs = dict(inputs)
    if mode == "preview":
        for prop in computed:
            if prop not in outs:
                outs[prop] = UNKNOWN
        outs["id"] = UNKNOWN
        return "", outs
    seed = digest(stack, type_token, name)
    rid = resource_id(type_token, name, stack)
    defaults = DOCUMENTED_DEFAULTS.get(type_token, {})
    for prop, value in defaults.items():
        outs.setdefault(prop, value)
    if type_token.startswith("aws:"):
        outs.setdefault("name", f"{name}-{seed[:7]}")  # the provider's autoname
        outs.setdefault("arn", f"arn:{PARTITION}:{module_of(type_token)}:{region}:{ACCOUNT_ID}:{name}-{seed[:7]}")
        if type_token == "aws:ec2/eip:Eip":
            outs.setdefault("allocationId", rid)
        for key, value in _specific(type_token, outs, seed, region).items():
            if key not in inputs:
                outs[key] = value
    for prop, shape in computed.items():
        if prop not in outs:
            outs[prop] = _plausible(prop, shape, type_token, name, seed, region, outs)
    if type_token == "aws:ec2/vpc:Vpc":
        outs["defaultRouteTableId"] = outs.get("mainRouteTableId", outs.get("defaultRouteTableId"))
    outs["id"] = rid  # as bridged providers report it in state; policies link by id
    return rid, outs


def unknown_outputs(shapes: dict[str, str]) -> dict[str, Any]:
    """Every output of a component whose children a provider plugin creates: nothing is known offline."""
    return {prop: UNKNOWN for prop in shapes}
