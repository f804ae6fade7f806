"""Run a Pulumi Python program with no CLI and no cloud: Pulumi's own mock runtime, as a first preview or an update.

`preview` answers every new resource with an unknown id and unknown outputs, as a first `pulumi preview` does, so
anything derived from another resource's id stays unknown in the inputs the policy pack sees. `update` answers with
known ids (shaped like AWS ids) and echoes inputs as outputs, plus the few computed outputs programs commonly read
(ARNs, allocation ids, public IPs from documentation ranges, URLs). Every RegisterResource request is recorded
with what the engine would hand the analyzer: type, name, parent, custom, provider, dependencies, property
dependencies and the serialized inputs (unknowns and secrets in the engine's wire form).
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import os
import runpy
import sys
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import pulumi
from google.protobuf import struct_pb2
from pulumi.runtime import config as runtime_config
from pulumi.runtime import mocks, settings
from pulumi.runtime.stack import run_in_stack
from pulumi.runtime.sync_await import _sync_await

from .stack_config import StackConfig

Mode = Literal["preview", "update"]
ACCOUNT_ID = "123456789012"
PARTITION = "aws"
STACK_TYPE = "pulumi:pulumi:Stack"


class UnsupportedInvokeError(Exception):
    """The program called a provider function the offline engine cannot answer."""

    def __init__(self, token: str) -> None:
        self.token = token
        super().__init__(
            f"the program calls provider function {token}, which the offline check cannot answer (it knows "
            "getCallerIdentity, getRegion, getAvailabilityZones and getPartition); pass that value through stack "
            "config instead, or run a real `pulumi preview`"
        )


class ProgramError(Exception):
    """The program raised; `program_traceback` holds its own traceback for the user."""

    def __init__(self, message: str, program_traceback: str) -> None:
        super().__init__(message)
        self.program_traceback = program_traceback


@dataclass
class RecordedResource:
    urn: str
    type: str
    name: str
    custom: bool
    parent: str
    provider: str
    dependencies: list[str]
    property_dependencies: dict[str, list[str]]
    inputs: struct_pb2.Struct
    outputs: struct_pb2.Struct
    id: str = ""


@dataclass
class ProgramRun:
    project: str
    stack: str
    mode: Mode
    region: str
    resources: list[RecordedResource] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


_ID_PREFIXES = {
    "aws:ec2/vpc:Vpc": "vpc",
    "aws:ec2/subnet:Subnet": "subnet",
    "aws:ec2/routeTable:RouteTable": "rtb",
    "aws:ec2/defaultRouteTable:DefaultRouteTable": "rtb",
    "aws:ec2/internetGateway:InternetGateway": "igw",
    "aws:ec2/natGateway:NatGateway": "nat",
    "aws:ec2/eip:Eip": "eipalloc",
    "aws:ec2/securityGroup:SecurityGroup": "sg",
    "aws:ec2/vpcEndpoint:VpcEndpoint": "vpce",
    "aws:ec2/routeTableAssociation:RouteTableAssociation": "rtbassoc",
    "aws:ec2/flowLog:FlowLog": "fl",
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": "sgr",
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": "sgr",
    "aws:ec2/securityGroupRule:SecurityGroupRule": "sgrule",
    "aws:ec2/networkInterface:NetworkInterface": "eni",
}


def _copy(struct: struct_pb2.Struct) -> struct_pb2.Struct:
    copy = struct_pb2.Struct()
    copy.CopyFrom(struct)
    return copy


def _digest(*parts: str) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()


def _doc_ip(seed: str, block: str = "203.0.113") -> str:
    """A public-looking IP from an RFC 5737 documentation range, stable per resource."""
    return f"{block}.{int(seed[:4], 16) % 254 + 1}"


class OfflineMocks(pulumi.runtime.Mocks):
    """Answers resources per mode and the common provider functions with plausible facts."""

    def __init__(self, mode: Mode, project: str, stack: str, region: str) -> None:
        self.mode, self.project, self.stack, self.region = mode, project, stack, region

    def new_resource(self, args: mocks.MockResourceArgs) -> tuple[str | None, dict[str, Any]]:
        if self.mode == "preview":
            return "", {}
        digest = _digest(self.stack, args.typ, args.name)
        prefix = _ID_PREFIXES.get(args.typ, args.name)
        resource_id = f"{prefix}-{digest[:17]}"
        module = args.typ.split(":")[1].split("/")[0] if args.typ.count(":") >= 2 else "resource"
        outputs: dict[str, Any] = dict(args.inputs)
        outputs.setdefault("name", f"{args.name}-{digest[:7]}")
        outputs.setdefault("arn", f"arn:{PARTITION}:{module}:{self.region}:{ACCOUNT_ID}:{args.name}-{digest[:7]}")
        outputs.update(self._computed(args.typ, resource_id, digest, outputs))
        outputs["id"] = resource_id  # as bridged providers report it in state; policies link by id
        return resource_id, outputs

    def _computed(self, typ: str, resource_id: str, digest: str, outs: dict[str, Any]) -> dict[str, Any]:
        if typ == "aws:ec2/vpc:Vpc":
            return {
                "mainRouteTableId": f"rtb-main{digest[:12]}",
                "defaultRouteTableId": f"rtb-main{digest[:12]}",
                "defaultSecurityGroupId": f"sg-default{digest[:8]}",
            }
        if typ == "aws:ec2/eip:Eip":
            return {"allocationId": resource_id, "publicIp": _doc_ip(digest)}
        if typ == "aws:ec2/natGateway:NatGateway":
            return {"publicIp": _doc_ip(digest, "198.51.100")}
        if typ == "aws:sqs/queue:Queue":
            return {
                "url": f"https://sqs.{self.region}.amazonaws.com/{ACCOUNT_ID}/{outs['name']}",
                "arn": f"arn:{PARTITION}:sqs:{self.region}:{ACCOUNT_ID}:{outs['name']}",
            }
        if typ == "aws:secretsmanager/secret:Secret":
            return {"arn": f"arn:{PARTITION}:secretsmanager:{self.region}:{ACCOUNT_ID}:secret:{outs['name']}-Ab12Cd"}
        if typ == "aws:lambda/function:Function":
            arn = f"arn:{PARTITION}:lambda:{self.region}:{ACCOUNT_ID}:function:{outs['name']}"
            return {
                "arn": arn,
                "invokeArn": f"arn:{PARTITION}:apigateway:{self.region}:lambda:path/2015-03-31/"
                f"functions/{arn}/invocations",
            }
        if typ == "aws:apigatewayv2/api:Api":
            return {
                "apiEndpoint": f"https://{digest[:10]}.execute-api.{self.region}.amazonaws.com",
                "executionArn": f"arn:{PARTITION}:execute-api:{self.region}:{ACCOUNT_ID}:{digest[:10]}",
            }
        if typ == "aws:apigatewayv2/stage:Stage":
            return {"invokeUrl": f"https://{digest[:10]}.execute-api.{self.region}.amazonaws.com/"}
        if typ == "aws:globalaccelerator/accelerator:Accelerator":
            return {
                "dnsName": f"a{digest[:16]}.awsglobalaccelerator.com",
                "ipSets": [{"ipFamily": "IPv4", "ipAddresses": [_doc_ip(digest), _doc_ip(digest[4:])]}],
            }
        return {}

    def call(self, args: mocks.MockCallArgs) -> tuple[dict[str, Any], list[tuple[str, str]] | None]:
        token = args.token
        if token == "aws:index/getRegion:getRegion":
            return {
                "id": self.region,
                "name": self.region,
                "region": self.region,
                "endpoint": f"ec2.{self.region}.amazonaws.com",
                "description": self.region,
            }, []
        if token == "aws:index/getAvailabilityZones:getAvailabilityZones":
            names = [f"{self.region}{suffix}" for suffix in "abc"]
            return {
                "id": self.region,
                "names": names,
                "zoneIds": [f"use1-az{i + 1}" for i in range(3)],
                "groupNames": [self.region] * 3,
            }, []
        if token == "aws:index/getCallerIdentity:getCallerIdentity":
            return {
                "id": ACCOUNT_ID,
                "accountId": ACCOUNT_ID,
                "userId": "AIDAOFFLINECHECK",
                "arn": f"arn:{PARTITION}:iam::{ACCOUNT_ID}:user/offline-check",
            }, []
        if token == "aws:index/getPartition:getPartition":
            return {
                "id": PARTITION,
                "partition": PARTITION,
                "dnsSuffix": "amazonaws.com",
                "reverseDnsPrefix": "com.amazonaws",
            }, []
        raise UnsupportedInvokeError(token)


class RecordingMonitor(mocks.MockMonitor):
    """Pulumi's MockMonitor, plus a record of every registration as the engine would see it."""

    def __init__(self, offline_mocks: OfflineMocks) -> None:
        super().__init__(offline_mocks)
        self.recorded: list[RecordedResource] = []
        self.invoke_errors: list[UnsupportedInvokeError] = []

    def make_urn(self, parent: str, type_: str, name: str) -> str:
        """As the engine: a child's type is prefixed by its parent's, but the root stack adds no prefix."""
        if parent.split("::")[2:3] == [STACK_TYPE]:
            parent = ""
        return str(super().make_urn(parent, type_, name))

    def Invoke(self, request: Any) -> Any:
        try:
            return super().Invoke(request)
        except UnsupportedInvokeError as exc:
            self.invoke_errors.append(exc)
            raise

    def ReadResource(self, request: Any) -> Any:
        """Reads (StackReference, `get` functions of resources) reach the analyzer too, as with the engine."""
        response = super().ReadResource(request)
        self.recorded.append(
            RecordedResource(
                urn=response.urn,
                type=request.type,
                name=request.name,
                custom=True,
                parent=request.parent,
                provider=request.provider,
                dependencies=list(request.dependencies),
                property_dependencies={},
                inputs=_copy(request.properties),
                outputs=_copy(response.properties),
                id=request.id,
            )
        )
        return response

    def RegisterResource(self, request: Any) -> Any:
        response = super().RegisterResource(request)
        if request.type == STACK_TYPE:
            return response  # run_program adds the root stack itself, first, as the engine lists it
        inputs = _copy(request.object)
        outputs = struct_pb2.Struct()
        if response.object is not None and response.HasField("object"):
            outputs.CopyFrom(response.object)
        record = RecordedResource(
            urn=response.urn,
            type=request.type,
            name=request.name,
            custom=bool(request.custom),
            parent=request.parent,
            provider=request.provider,
            dependencies=list(request.dependencies),
            property_dependencies={k: list(v.urns) for k, v in request.propertyDependencies.items()},
            inputs=inputs,
            outputs=outputs,
            id=getattr(response, "id", "") or "",
        )
        self.recorded.append(record)
        return response


class _LogCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


@contextlib.contextmanager
def _program_context(program_dir: Path) -> Iterator[None]:
    """Working directory and sys.path as the language host sets them; undone afterwards, and modules the
    program imported from its own directory are forgotten so the next run sees its own copies."""
    old_cwd, old_path = os.getcwd(), list(sys.path)
    before = set(sys.modules)
    root = str(program_dir.resolve())
    os.chdir(root)
    sys.path.insert(0, root)
    try:
        yield
    finally:
        os.chdir(old_cwd)
        sys.path[:] = old_path
        for name in set(sys.modules) - before:
            module_file = getattr(sys.modules[name], "__file__", None) or ""
            if _is_program_module(name, module_file, root):
                del sys.modules[name]


def _is_program_module(name: str, module_file: str, root: str) -> bool:
    """A module of the program itself (not an installed package, not our own shared packages, which fixtures
    import just as the tests do)."""
    if not module_file.startswith(root + os.sep) or module_file.startswith(sys.prefix + os.sep):
        return False
    return "site-packages" not in module_file and name.split(".")[0] not in ("components", "automation", "policies")


def run_program(program_dir: Path, stack: str, mode: Mode, config: StackConfig) -> ProgramRun:
    """Run the program once under the mock runtime and return what it registered."""
    offline = OfflineMocks(mode, config.project, stack, config.region)
    monitor = RecordingMonitor(offline)
    collector = _LogCollector()
    logger = logging.getLogger(f"netkit.offline.{id(monitor)}")
    logger.propagate = False
    logger.addHandler(collector)
    logger.setLevel(logging.WARNING)
    settings.SETTINGS.rpc_manager.clear()
    settings.SETTINGS.outputs.clear()
    # set_mocks without its pre-finished root stack: run_in_stack below creates the root as the language host does.
    settings.configure(
        mocks.MockSettings(
            monitor=monitor,
            monitor_features=set(monitor.GetDeploymentInfo(None).supportedFeatures),
            engine=mocks.MockEngine(logger),
            project=config.project,
            stack=stack,
            dry_run=mode == "preview",
            organization="organization",
            callbacks=None,
        )
    )
    settings.ROOT.set(None)
    runtime_config.set_all_config(dict(config.values), list(config.secret_keys))
    main = config.main.resolve()
    os.environ.pop("PULUMI_CONFIG", None)
    try:
        with _program_context(program_dir):

            def program() -> None:
                runpy.run_path(str(main), run_name="__main__")

            _sync_await(run_in_stack(program))
    except Exception as exc:  # noqa: BLE001 - any program failure is reported, never re-raised as a crash
        if monitor.invoke_errors:
            raise ProgramError(str(monitor.invoke_errors[0]), traceback.format_exc()) from None
        raise ProgramError(f"the program failed: {type(exc).__name__}: {exc}", traceback.format_exc()) from None
    finally:
        runtime_config.set_all_config({}, [])
        logger.removeHandler(collector)
    stack_urn = f"urn:pulumi:{stack}::{config.project}::{STACK_TYPE}::{config.project}-{stack}"
    stack_resource = RecordedResource(
        stack_urn,
        STACK_TYPE,
        f"{config.project}-{stack}",
        False,
        "",
        "",
        [],
        {},
        struct_pb2.Struct(),
        struct_pb2.Struct(),
    )
    return ProgramRun(
        project=config.project,
        stack=stack,
        mode=mode,
        region=config.region,
        resources=[stack_resource, *monitor.recorded],
        warnings=collector.messages,
        notes=list(config.notes),
    )
