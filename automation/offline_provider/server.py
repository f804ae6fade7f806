"""The offline provider: a ResourceProvider gRPC server the real Pulumi engine loads in place of
`pulumi-resource-<package>` (aws, and any other package a program uses), with no credentials and no network.

How the engine runs a provider plugin (pulumi/pulumi sdk/go/common/resource/plugin/plugin.go): it starts the
executable with the engine's address as the only argument, in its own process group, reads the port the plugin
prints as the first line of stdout and dials 127.0.0.1:<port>; to stop it, SIGINT to the group, then SIGKILL after
5 s. The engine's side of each call is pkg/resource/plugin/provider_plugin.go.

Answers, as pulumi-aws (a muxed pulumi-terraform-bridge provider) gives them:
- Handshake: UNIMPLEMENTED, as the bridge (pkg/pf/internal/plugin/provider_server.go Handshake; the muxer does
  not implement it either), so the engine takes the protocol from Configure;
- Configure: acceptSecrets, acceptResources and acceptOutputs false, supportsPreview and
  supportsAutonamingConfiguration true (pkg/x/muxer/muxer.go Configure: the AND of the SDKv2 provider's answer,
  pkg/tfbridge/provider.go Configure, and the plugin-framework one). So the engine strips secrets and resource
  references before Check/Diff/Create/Update (and keeps the secret bit itself) and sends Create with preview=true
  in a preview;
- Check, Create, Update, Diff: provider_model (check, planned_state, diff); Create never invents an AZ: the state
  holds the form the program gave, the other form only from the fixtures' getAvailabilityZones `names` + `zoneIds`
  (provider_model.zones, as the in-process engine);
- Read: the state it is given (no drift offline); Delete: nothing to delete;
- Invoke: the fixtures file `netkit check --fixtures` reads (env NETKIT_OFFLINE_FIXTURES) first, then
  account/region facts (getAvailabilityZones without `zoneIds`: the account's AZ ids are not a fact) and exact
  computations (getPolicyDocument, getArn, getServicePrincipal); a lookup without a fixture fails naming the entry
  to add (the engine rejects unknowns in an invoke result: provider_plugin.go Invoke RejectUnknowns);
- Cancel: ends every operation held by a fault (faults.py); GetMapping(s): no mappings.

Property values travel as protobuf Structs and are handled in their wire form (the unknown sentinel kept as the
string it is): a provider must see and return unknowns as such, which pulumi.runtime.rpc's deserialize (it resolves
Outputs for programs) would not give.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sys
import threading
import time
from collections.abc import Callable
from concurrent import futures
from typing import Any, NoReturn, TypeVar

import grpc
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import plugin_pb2, provider_pb2, provider_pb2_grpc

from ..offline.shim import lookups
from ..provider_model import planned_state, policy_document, zones
from ..provider_model.check import DEFAULTS_KEY, check
from ..provider_model.diff import diff
from ..provider_model.wire import unwrap_secrets
from .faults import FaultError, Faults
from .sdk_lookup import type_info

FIXTURES_ENV = "NETKIT_OFFLINE_FIXTURES"
PACKAGE_ENV = "NETKIT_OFFLINE_PACKAGE"
VERSION_ENV = "NETKIT_OFFLINE_VERSION"
DEFAULT_REGION = "us-east-1"
PARENT_POLL_SECONDS = 0.2

T = TypeVar("T")


def to_py(value: Any) -> Any:
    """A protobuf Struct / ListValue as plain Python in wire form."""
    if isinstance(value, struct_pb2.Struct):
        return {k: to_py(v) for k, v in value.items()}
    if isinstance(value, struct_pb2.ListValue):
        return [to_py(v) for v in value]
    return value


def to_struct(values: dict[str, Any]) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(values)
    return message


def urn_parts(urn: str) -> tuple[str, str, str]:
    """(stack, type, name) of `urn:pulumi:<stack>::<project>::<parent types$type>::<name>`."""
    parts = urn.split("::")
    stack = parts[0].rsplit(":", 1)[-1] if parts else ""
    qualified = parts[2] if len(parts) > 3 else ""
    name = "::".join(parts[3:]) if len(parts) > 3 else ""
    return stack, qualified.split("$")[-1], name


def _load_fixtures() -> dict[str, Any]:
    path = os.environ.get(FIXTURES_ENV)
    if not path:
        return {}
    from ..offline.fixtures import load_fixtures

    return load_fixtures(path).to_job()


class OfflineProvider(provider_pb2_grpc.ResourceProviderServicer):
    """One package's provider process: configuration, fault plan and cancel signal."""

    def __init__(self, package: str, version: str) -> None:
        self.package = package
        self.version = version
        self.config: dict[str, Any] = {}
        self.cancelled = threading.Event()
        self.faults = Faults.from_environment(self.cancelled)
        self.fixtures = _load_fixtures()

    # --- plumbing ---------------------------------------------------------------------------------------------

    def _guard(self, context: grpc.ServicerContext, call: Callable[[], T]) -> T:
        """Run one operation; a fault or a model error becomes the gRPC error the engine reports."""
        try:
            return call()
        except FaultError as exc:
            _abort(context, grpc.StatusCode.UNKNOWN, str(exc))
        except LookupError as exc:
            _abort(context, grpc.StatusCode.UNKNOWN, str(exc))

    @property
    def region(self) -> str:
        region = self.config.get("region")
        return region if isinstance(region, str) and region else DEFAULT_REGION

    # --- plugin and configuration -----------------------------------------------------------------------------

    def Handshake(self, request: Any, context: grpc.ServicerContext) -> Any:
        _abort(context, grpc.StatusCode.UNIMPLEMENTED, "Handshake is not yet implemented")

    def GetPluginInfo(self, request: Any, context: grpc.ServicerContext) -> Any:
        return plugin_pb2.PluginInfo(version=self.version)

    def GetSchema(self, request: Any, context: grpc.ServicerContext) -> Any:
        schema = {"name": self.package, "version": self.version, "resources": {}, "functions": {}}
        return provider_pb2.GetSchemaResponse(schema=json.dumps(schema))

    def CheckConfig(self, request: Any, context: grpc.ServicerContext) -> Any:
        return provider_pb2.CheckResponse(inputs=request.news)

    def DiffConfig(self, request: Any, context: grpc.ServicerContext) -> Any:
        olds, news = to_py(request.olds), to_py(request.news)
        changed = sorted(k for k in set(olds) | set(news) if k != "version" and olds.get(k) != news.get(k))
        return provider_pb2.DiffResponse(
            changes=provider_pb2.DiffResponse.DIFF_SOME if changed else provider_pb2.DiffResponse.DIFF_NONE,
            diffs=changed,
        )

    def Configure(self, request: Any, context: grpc.ServicerContext) -> Any:
        self.config = unwrap_secrets(to_py(request.args))
        for key, value in list(self.config.items()):  # structured settings may arrive JSON-encoded
            if isinstance(value, str) and value[:1] in "[{":
                with contextlib.suppress(ValueError):
                    self.config[key] = json.loads(value)
        if self.package == planned_state.DYNAMIC_PACKAGE:
            # The dynamic provider's own answer (pulumi/dynamic/__main__.py Configure): no preview support, so the
            # engine plans its creates as their inputs.
            return provider_pb2.ConfigureResponse(acceptSecrets=False)
        return provider_pb2.ConfigureResponse(
            acceptSecrets=False,
            supportsPreview=True,
            acceptResources=False,
            acceptOutputs=False,
            supports_autonaming_configuration=True,
        )

    def Cancel(self, request: Any, context: grpc.ServicerContext) -> Any:
        self.cancelled.set()
        return empty_pb2.Empty()

    def GetMapping(self, request: Any, context: grpc.ServicerContext) -> Any:
        return provider_pb2.GetMappingResponse(provider="", data=b"")

    def GetMappings(self, request: Any, context: grpc.ServicerContext) -> Any:
        return provider_pb2.GetMappingsResponse(providers=[])

    # --- resources --------------------------------------------------------------------------------------------

    def Check(self, request: Any, context: grpc.ServicerContext) -> Any:
        _, type_token, name = urn_parts(request.urn)
        inputs, _, outputs = type_info(type_token)
        result = check(
            type_token,
            name,
            to_py(request.news),
            to_py(request.olds),
            provider_config=self.config,
            input_shapes=inputs,
            output_shapes=outputs,
            seed=request.urn,
        )
        failures = [provider_pb2.CheckFailure(property=prop, reason=reason) for prop, reason in result.failures]
        return provider_pb2.CheckResponse(inputs=to_struct(result.inputs), failures=failures)

    def Diff(self, request: Any, context: grpc.ServicerContext) -> Any:
        _, type_token, _ = urn_parts(request.urn)
        old_inputs = to_py(request.old_inputs) if request.HasField("old_inputs") else None
        result = diff(type_token, to_py(request.olds), to_py(request.news), old_inputs, list(request.ignoreChanges))
        kinds = provider_pb2.PropertyDiff
        return provider_pb2.DiffResponse(
            changes=provider_pb2.DiffResponse.DIFF_SOME if result.changed else provider_pb2.DiffResponse.DIFF_NONE,
            diffs=result.diffs,
            replaces=result.replaces,
            stables=result.stables,
            deleteBeforeReplace=result.delete_before_replace,
            hasDetailedDiff=True,
            detailedDiff={
                prop: kinds(kind=kinds.Kind.ValueType(kind), inputDiff=True)
                for prop, kind in sorted(result.detailed.items())
            },
        )

    def Create(self, request: Any, context: grpc.ServicerContext) -> Any:
        stack, type_token, name = urn_parts(request.urn)
        inputs = to_py(request.properties)
        _, computed, _ = type_info(type_token)
        if request.preview:
            planned = planned_state.preview_outputs(type_token, inputs, computed, self.region)
            return provider_pb2.CreateResponse(id="", properties=to_struct(planned))

        def create() -> Any:
            self.faults.apply(name, "create")
            # The AZ as the program gave it, its other form only from the fixtures' getAvailabilityZones (issue 17).
            mapping = zones.zone_mapping(self.fixtures.get("invokes") or [], self.region)
            rid, outputs = planned_state.update_outputs(type_token, name, inputs, computed, stack, self.region, mapping)
            return provider_pb2.CreateResponse(id=rid, properties=to_struct(outputs))

        return self._guard(context, create)

    def Read(self, request: Any, context: grpc.ServicerContext) -> Any:
        properties = to_py(request.properties)
        inputs = to_py(request.inputs)
        if not properties:  # a `get` of an existing resource: what the program asked for, with its id
            properties = {**inputs, "id": request.id}
        return provider_pb2.ReadResponse(id=request.id, properties=to_struct(properties), inputs=to_struct(inputs))

    def Update(self, request: Any, context: grpc.ServicerContext) -> Any:
        _, _, name = urn_parts(request.urn)
        olds, news = to_py(request.olds), to_py(request.news)

        def update() -> Any:
            if not request.preview:
                self.faults.apply(name, "update")
            outputs = {**olds, **{k: v for k, v in news.items() if k != DEFAULTS_KEY}}
            return provider_pb2.UpdateResponse(properties=to_struct(outputs))

        return self._guard(context, update)

    def Delete(self, request: Any, context: grpc.ServicerContext) -> Any:
        _, _, name = urn_parts(request.urn)

        def delete() -> Any:
            self.faults.apply(name, "delete")
            return empty_pb2.Empty()

        return self._guard(context, delete)

    # --- functions --------------------------------------------------------------------------------------------

    def Invoke(self, request: Any, context: grpc.ServicerContext) -> Any:
        args = unwrap_secrets(to_py(request.args))
        try:
            result = self._answer(request.tok, args)
        except (LookupError, ValueError) as exc:
            _abort(context, grpc.StatusCode.UNKNOWN, str(exc))
        return provider_pb2.InvokeResponse(**{"return": to_struct(result)})

    def _answer(self, token: str, args: dict[str, Any]) -> dict[str, Any]:
        region = str(args.get("region") or self.region)
        answer = lookups.match_fixture(self.fixtures.get("invokes") or [], token, args)
        if answer is not None:  # a fixture answers before a fact (the account's AZ ids are not a fact)
            return answer
        fact = lookups.facts(token, region, planned_state.zone_id_prefix(region))
        if fact is not None:
            return dict(fact)
        if token == "aws:iam/getPolicyDocument:getPolicyDocument":
            return dict(policy_document.get_policy_document(args))
        if token == "aws:index/getArn:getArn":
            return dict(lookups.parse_arn(str(args.get("arn", ""))))
        if token == "aws:index/getServicePrincipal:getServicePrincipal":
            return dict(lookups.service_principal(args, region))
        raise LookupError(
            f"the program calls provider function {token}, a lookup of existing infrastructure the offline provider "
            f"cannot answer; add an entry to the fixtures file ({FIXTURES_ENV} / --fixtures FILE):\n"
            + lookups.fixture_hint(token, {k: "..." for k in args}, [])
        )


def _abort(context: grpc.ServicerContext, code: grpc.StatusCode, message: str) -> NoReturn:
    context.abort(code, message)
    raise AssertionError("unreachable")  # context.abort raises


def _watch_parent(parent: int) -> None:
    """Leave as soon as the engine that started us is gone. The engine starts plugins in their own process group
    and only signals that group when it closes them, so a killed engine would leave us running; a parent-death
    signal (PR_SET_PDEATHSIG) is not used because it fires when the *thread* that forked us exits, and Go may run
    the fork on any OS thread (golang/go#27505)."""
    while os.getppid() == parent:
        time.sleep(PARENT_POLL_SECONDS)
    os._exit(1)


def serve(package: str, version: str) -> None:
    """Start the server on loopback, print the port (the engine reads it), serve until SIGINT/SIGTERM or the
    parent's death."""
    parent = os.getppid()
    threading.Thread(target=_watch_parent, args=(parent,), daemon=True, name="parent-watch").start()
    provider = OfflineProvider(package, version)
    server = grpc.server(futures.ThreadPoolExecutor(max_workers=16))
    provider_pb2_grpc.add_ResourceProviderServicer_to_server(provider, server)
    port = server.add_insecure_port("127.0.0.1:0")
    server.start()
    stopping = threading.Event()

    def stop(signum: int, frame: Any) -> None:
        provider.cancelled.set()  # an operation held by a fault returns at once
        provider.faults.stopping.set()  # ... a "hang-uncancellable" one too: it ignores Cancel, not the process's end
        stopping.set()

    signal.signal(signal.SIGINT, stop)
    signal.signal(signal.SIGTERM, stop)
    sys.stdout.write(f"{port}\n")
    sys.stdout.flush()
    while not stopping.wait(0.5):
        pass
    server.stop(grace=1).wait(2)
    sys.stdout.flush()
    sys.stderr.flush()
    os._exit(0)


def main(argv: list[str] | None = None) -> None:
    """`<launcher> <engine address>`: the package and version come from the launcher's environment."""
    package = os.environ.get(PACKAGE_ENV, "aws")
    version = os.environ.get(VERSION_ENV, "0.0.0")
    try:
        serve(package, version)
    except ValueError as exc:  # a malformed fault plan: say so on stderr, which the engine shows
        sys.stderr.write(f"offline provider {package}: {exc}\n")
        sys.exit(2)
