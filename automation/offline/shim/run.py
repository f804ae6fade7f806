"""Run one Pulumi Python program under Pulumi's mock runtime and stream what the engine would see.

Started by path with the program's own interpreter, as the Python language host starts its exec script
(pulumi/pulumi sdk/python/cmd/pulumi-language-python/main.go `Run` -> sdk/python/cmd/pulumi-language-python-exec):
working directory the program directory, config from PULUMI_CONFIG / PULUMI_CONFIG_SECRET_KEYS, the entry point run
with `runpy.run_path(PROGRAM, run_name="__main__")` inside `pulumi.runtime.run_in_stack`, asyncio logging silenced.
Only the standard library and the program environment's Pulumi SDK are imported; this script's own directory is
taken off `sys.path` so the program can import none of our modules.

Records go to the file descriptor named in the job, one JSON object per line, in the order the monitor receives
registrations: `resource`, `outputs` (RegisterResourceOutputs), `log`, `lookup` (answered unknown), `error`,
`done`. The program's own stdout/stderr stay on the process's stdout/stderr.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import importlib
import importlib.util
import json
import logging
import os
import re
import runpy
import sys
import threading
import traceback
import urllib.parse
from typing import Any


def _die_with_parent() -> None:
    """Ask the kernel to SIGKILL this process when its parent dies (prctl PR_SET_PDEATHSIG, Linux); if the parent
    is already gone (it died before this ran), leave now."""
    expected = os.environ.get("NETKIT_OFFLINE_PARENT", "")
    if sys.platform.startswith("linux"):
        import ctypes
        import ctypes.util
        import signal

        libc = ctypes.CDLL(ctypes.util.find_library("c") or None, use_errno=True)
        libc.prctl(1, int(signal.SIGKILL))  # PR_SET_PDEATHSIG
    if expected and str(os.getppid()) != expected:
        os._exit(1)


_die_with_parent()
_HERE = os.path.dirname(os.path.abspath(__file__))
if sys.path and os.path.abspath(sys.path[0] or os.curdir) == _HERE:
    del sys.path[0]  # the language host's exec script directory holds no importable modules either


_MODEL = "_netkit_provider_model"


def _load_model() -> Any:
    """The provider model package (automation/provider_model: pure stdlib, relative imports) under a private name,
    so the program can import none of our modules by their own names."""
    root = os.path.join(os.path.dirname(os.path.dirname(_HERE)), "provider_model")
    spec = importlib.util.spec_from_file_location(
        _MODEL, os.path.join(root, "__init__.py"), submodule_search_locations=[root]
    )
    assert spec is not None and spec.loader is not None
    package = importlib.util.module_from_spec(spec)
    sys.modules[_MODEL] = package
    spec.loader.exec_module(package)
    return package


def _load(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(f"_netkit_offline_{name}", os.path.join(_HERE, f"{name}.py"))
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


_load_model()
wire = importlib.import_module(f"{_MODEL}.wire")
planned = importlib.import_module(f"{_MODEL}.planned_state")
policy_document = importlib.import_module(f"{_MODEL}.policy_document")
model_check = importlib.import_module(f"{_MODEL}.check")
sdk_types = importlib.import_module(f"{_MODEL}.sdk_types")
lookups = _load("lookups")

STACK_TYPE = "pulumi:pulumi:Stack"
STACK_REFERENCE_TYPE = "pulumi:pulumi:StackReference"
UNKNOWN = wire.UNKNOWN


class Channel:
    """JSON lines to the parent, one write per record (so the parent can analyze while the program runs)."""

    def __init__(self, fd: int) -> None:
        self.fd = fd
        self.lock = threading.Lock()

    def send(self, record: dict[str, Any]) -> None:
        data = (json.dumps(record, separators=(",", ":"), default=str) + "\n").encode()
        with self.lock:
            view = memoryview(data)
            while view:
                view = view[os.write(self.fd, view) :]


class ProgramExit(Exception):
    """The program called sys.exit: reported, never propagated as SystemExit through asyncio."""

    def __init__(self, code: Any) -> None:
        super().__init__(code)
        self.code = code


class LookupError_(Exception):
    """A lookup the offline engine cannot answer in update mode."""


class _Unknown(Exception):
    """A lookup answered unknown (preview without a fixture)."""


def _trim_stack_traces(pulumi: Any) -> None:
    """The SDK attaches the whole Python stack to each registration; the mock monitor only needs its first frame
    (the source position). Keeping one frame saves ~5 KB per queued registration."""
    resource_module = sys.modules.get("pulumi.runtime.resource")
    original = getattr(resource_module, "_get_stack_trace", None)
    if original is None:
        return

    def first_frame() -> Any:
        trace = original()
        del trace.frames[1:]
        return trace

    resource_module._get_stack_trace = first_frame  # type: ignore[union-attr]


def _wrap_plain_invoke(pulumi: Any, state: dict[str, Any]) -> None:
    """Plain (non-Output) invokes return typed results whose constructors type-check every field, so an unknown
    cannot travel as the engine's unknown. Such a lookup is answered empty and then its string fields are set to
    the unknown sentinel (which reaches the analyzer as unknown when passed to a resource), lists of strings to
    one unknown element; other fields stay None."""
    original = pulumi.runtime.invoke

    def invoke(tok: str, props: Any, opts: Any = None, typ: Any = None, *args: Any, **kwargs: Any) -> Any:
        state["plain"] += 1
        state["plain_unknown"] = False
        try:
            result = original(tok, props, opts, typ, *args, **kwargs)
        finally:
            state["plain"] -= 1
        if state.pop("plain_unknown", False) and result.value is not None:
            _fill_unknown(pulumi, result.value)
        return result

    pulumi.runtime.invoke = invoke


def _fill_unknown(pulumi: Any, value: Any) -> None:
    for base in reversed(type(value).__mro__):
        for python_name, attr in base.__dict__.items():
            getter = getattr(attr, "fget", None)
            if not isinstance(getattr(getter, "_pulumi_name", None), str):
                continue
            try:
                _, shape = _shape_of(getattr(getter, "__annotations__", {}).get("return"))
            except Exception:  # noqa: BLE001 - leave a field we cannot read as None
                continue
            if shape == "str":
                pulumi.set(value, python_name, UNKNOWN)
            elif shape == "list[str]":
                pulumi.set(value, python_name, [UNKNOWN])


def to_py(value: Any) -> Any:
    """A protobuf Struct/ListValue as plain Python (the wire form: sentinels and signatures kept)."""
    from google.protobuf import struct_pb2

    if isinstance(value, struct_pb2.Struct):
        return {k: to_py(v) for k, v in value.items()}
    if isinstance(value, struct_pb2.ListValue):
        return [to_py(v) for v in value]
    return value


SECRET_VALUES: set[str] = set()  # the values of secret config keys (invoke arguments arrive unwrapped)


def redacted(value: Any) -> Any:
    """Wire value with every secret replaced by a marker (for messages: secrets are never printed): values marked
    secret, and strings equal to a secret config value."""
    if isinstance(value, dict):
        if value.get(wire.SIG_KEY) == wire.SECRET_SIG:
            return "[secret]"
        return {k: redacted(v) for k, v in value.items()}
    if isinstance(value, list):
        return [redacted(v) for v in value]
    if isinstance(value, str) and value in SECRET_VALUES:
        return "[secret]"
    return value


def plain(value: Any) -> Any:
    """Wire value with secrets unwrapped (for matching invoke arguments)."""
    if isinstance(value, dict):
        if value.get(wire.SIG_KEY) == wire.SECRET_SIG:
            return plain(value.get("value"))
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [plain(v) for v in value]
    return value


# --- what the provider SDK says about a resource type -------------------------------------------------------------

_CLASSES: dict[str, type] = {}
_SHAPES: dict[type, tuple[dict[str, str], dict[str, str]]] = {}


def _record_classes(pulumi: Any) -> None:
    """Remember the SDK class of each resource type token (Resource.__init__ gets the token first)."""
    original = pulumi.Resource.__init__

    def init(self: Any, *args: Any, **kwargs: Any) -> None:
        token = args[0] if args else kwargs.get("t")
        if isinstance(token, str) and token not in _CLASSES:
            _CLASSES[token] = type(self)
        original(self, *args, **kwargs)

    pulumi.Resource.__init__ = init


_shape_of = sdk_types.shape_of
output_shapes = sdk_types.output_shapes


def result_fields(token: str) -> list[str]:
    """The output fields of a provider function's result type (`aws:ec2/getVpc:getVpc` -> GetVpcResult's)."""
    pkg, _, rest = token.partition(":")
    function = rest.rsplit(":", 1)[-1]
    class_name = function[:1].upper() + function[1:] + "Result"
    prefix = "pulumi_" + pkg.replace("-", "_")
    for name, module in list(sys.modules.items()):
        if name.startswith(prefix) and isinstance(getattr(module, class_name, None), type):
            return sorted(output_shapes(getattr(module, class_name))[1])
    return []


# --- the monitor -----------------------------------------------------------------------------------------------


def source_position(request: Any) -> tuple[str, int]:
    """RegisterResourceRequest.sourcePosition (sent by the Python SDK since v3.76.0): file URI and line."""
    try:
        if not request.HasField("sourcePosition"):
            return "", 0
    except ValueError:  # an SDK older than source positions
        return "", 0
    position = request.sourcePosition
    path = urllib.parse.unquote(urllib.parse.urlparse(position.uri).path) if position.uri else ""
    return path, int(position.line)


_DURATION_UNITS = {
    "ns": 1e-9,
    "us": 1e-6,
    "\u00b5s": 1e-6,
    "\u03bcs": 1e-6,
    "ms": 1e-3,
    "s": 1.0,
    "m": 60.0,
    "h": 3600.0,
}
_DURATION = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|\u00b5s|\u03bcs|ms|s|m|h)")


def go_duration_seconds(text: str) -> float | None:
    """Go's time.ParseDuration in seconds ("5m" -> 300.0, "1h30m", "1.5s"); None when Go would reject it (the
    engine then fails the registration: source_eval.go generateTimeoutInSeconds)."""
    body, sign = text, 1.0
    if body[:1] in "+-":
        sign, body = (-1.0 if body[0] == "-" else 1.0), body[1:]
    if body == "0":
        return 0.0
    parts = _DURATION.findall(body)
    if not body or "".join(number + unit for number, unit in parts) != body:
        return None
    return sign * sum(float(number) * _DURATION_UNITS[unit] for number, unit in parts)


def resource_options(request: Any) -> dict[str, Any]:
    """The options of a registration the engine hands an analyzer (pkg/resource/plugin/analyzer_plugin.go
    marshalResourceOptions; the state fields from pkg/resource/deploy/source_eval.go): protect, ignoreChanges,
    deleteBeforeReplace (set when the SDK said so, or when true), additionalSecretOutputs, and customTimeouts in
    seconds (always present, empty when none). No aliases: the engine sends none for a resource it creates
    (`new.GetAliases()` of a new state; the oracle's resource_options program checks it)."""
    options: dict[str, Any] = {}
    if getattr(request, "protect", False):
        options["protect"] = True
    if list(request.ignoreChanges):
        options["ignoreChanges"] = list(request.ignoreChanges)
    if request.deleteBeforeReplaceDefined or request.deleteBeforeReplace:
        options["deleteBeforeReplace"] = bool(request.deleteBeforeReplace)
        options["deleteBeforeReplaceDefined"] = True
    if list(request.additionalSecretOutputs):
        options["additionalSecretOutputs"] = list(request.additionalSecretOutputs)
    timeouts: dict[str, float] = {}
    if request.HasField("customTimeouts"):
        for key in ("create", "update", "delete"):
            text = getattr(request.customTimeouts, key)
            seconds = go_duration_seconds(text) if text else None
            if seconds:
                timeouts[key] = seconds
    options["customTimeouts"] = timeouts
    return options


def make_monitor(pulumi: Any, mocks: Any, job: dict[str, Any], channel: Channel, state: dict[str, Any]) -> Any:
    from google.protobuf import empty_pb2, struct_pb2
    from pulumi.runtime.proto import resource_pb2

    mode, stack, project, region = job["mode"], job["stack"], job["project"], job["region"]
    fixtures = job.get("fixtures") or {}
    provider_config: dict[str, dict[str, Any]] = job.get("providerConfig") or {}

    def struct(values: dict[str, Any]) -> Any:
        message = struct_pb2.Struct()
        message.update(values)
        return message

    class Offline(mocks.Mocks):
        def call(self, args: Any) -> Any:
            return {}, None

        def new_resource(self, args: Any) -> Any:
            return "", {}

    class RecordingMonitor(mocks.MockMonitor):
        """Answers registrations with the planned state and records them as the engine would hand them over."""

        def __init__(self) -> None:
            super().__init__(Offline())
            self.urns: set[str] = set()
            self.warmup_stack = True  # the first Stack registration is main()'s warm-up root, never recorded
            self.default_providers: dict[str, str] = {}
            self.provider_configs: dict[str, dict[str, Any]] = {}  # explicit providers: URN -> their inputs
            self.lock = threading.RLock()

        def make_urn(self, parent: str, type_: str, name: str) -> str:
            """As the engine: a child's type is prefixed by its parent's, but the root stack adds no prefix."""
            if parent.split("::")[2:3] == [STACK_TYPE]:
                parent = ""
            if parent:
                type_ = parent.split("::")[2].split("$")[-1] + "$" + type_
            return "urn:pulumi:" + "::".join([stack, project, type_, name])

        def _emit(self, record: dict[str, Any]) -> None:
            if record["urn"] in self.urns:
                # pkg/resource/deploy/step_generator.go:284 (diag.GetDuplicateResourceURNError,
                # sdk/go/common/diag/errors.go:33): the engine stops the deployment.
                message = f"Duplicate resource URN '{record['urn']}'; try giving it a unique name"
                state["errors"].append({"reason": "duplicate", "message": message})
                raise Exception(message)
            self.urns.add(record["urn"])
            self.resources[record["urn"]] = mocks.MockMonitor.ResourceRegistration(
                record["urn"], record["id"], record["outputs"]
            )
            channel.send(record)

        def _default_provider(self, package: str, version: str) -> str:
            """The default provider the engine registers for a package, as `urn::id` (providers/provider.go
            DefaultName: `default_<major>_<minor>_<patch>`)."""
            if package in self.default_providers:
                return self.default_providers[package]
            name = "default" + ("_" + version.replace(".", "_").replace("-", "_") if version else "")
            urn = f"urn:pulumi:{stack}::{project}::pulumi:providers:{package}::{name}"
            inputs = dict(provider_config.get(package, {}))
            if version:
                inputs["version"] = version
            provider_id = "" if mode == "preview" else wire.digest(urn)[:8] + "-offline-provider"
            self._emit(_record(urn, f"pulumi:providers:{package}", name, True, "", "", inputs, inputs, provider_id))
            ref = f"{urn}::{provider_id or UNKNOWN}"
            self.default_providers[package] = ref
            return ref

        def RegisterResource(self, request: Any) -> Any:
            with self.lock:
                return self._register(request)

        def _register(self, request: Any) -> Any:
            urn = self.make_urn(request.parent, request.type, request.name)
            source_file, source_line = source_position(request)
            if request.type == STACK_TYPE and self.warmup_stack:
                self.warmup_stack = False
                return resource_pb2.RegisterResourceResponse(urn=urn)
            if request.type == STACK_TYPE:
                self._emit(_record(urn, STACK_TYPE, request.name, False, "", "", {}, {}, ""))
                return resource_pb2.RegisterResourceResponse(urn=urn)
            inputs = wire.downgrade(to_py(request.object))
            remote = bool(getattr(request, "remote", False))
            cls = _CLASSES.get(request.type)
            required, every = output_shapes(cls)
            package = request.type.split(":")[0]
            is_provider = package == "pulumi" and request.type.startswith("pulumi:providers:")
            if is_provider and getattr(request, "version", "") and "version" not in inputs:
                # source_eval.go: an explicit provider gets the plugin version it asked for, as the default one does.
                inputs["version"] = request.version
            if is_provider:
                self.provider_configs[urn] = inputs
            if remote:
                resource_id, outputs = "", planned.unknown_outputs(every)
            elif request.custom:
                if package != "pulumi":
                    inputs = self._check(urn, request, inputs, cls, every)
                where = self.region_of(request.provider)
                resource_id, outputs = planned.planned_outputs(
                    mode, request.type, request.name, wire.unwrap_secrets(inputs), required, stack, where
                )
                outputs = wire.annotate_secrets(outputs, inputs)  # the engine keeps the secret bit
                for key in request.additionalSecretOutputs:  # the engine marks them secret in the new state
                    if key in outputs and key != "id" and not wire.is_secret(outputs[key]):
                        outputs[key] = {wire.SIG_KEY: wire.SECRET_SIG, "value": outputs[key]}
                if is_provider:
                    outputs.pop("id", None)  # a provider's state holds its inputs, its id is not a property
            else:
                resource_id, outputs = "", {}
            provider = request.provider
            if (request.custom or remote) and not provider and package != "pulumi":
                provider = self._default_provider(package, getattr(request, "version", ""))
            record = _record(
                urn,
                request.type,
                request.name,
                bool(request.custom),
                request.parent,
                provider,
                inputs,
                outputs,
                resource_id,
                source_file,
                source_line,
            )
            record["dependencies"] = list(request.dependencies)
            record["propertyDependencies"] = {k: list(v.urns) for k, v in request.propertyDependencies.items()}
            record["remote"] = remote
            record["options"] = resource_options(request)
            self._emit(record)
            if mode == "preview" and not remote:
                # What the program sees is the same: in a preview every output missing from the answer resolves
                # as unknown (pulumi/runtime/rpc.py resolve_properties); a smaller answer keeps memory down.
                return resource_pb2.RegisterResourceResponse(
                    urn=urn, id=resource_id, object=struct(wire.downgrade(inputs))
                )
            return resource_pb2.RegisterResourceResponse(urn=urn, id=resource_id, object=struct(outputs))

        def provider_config_of(self, provider_ref: str, package: str) -> dict[str, Any] | None:
            """The configuration of the provider a reference (`<urn>::<id>`) names, else the package's default
            provider's (the stack config); None when it holds unknowns (the engine then skips Check:
            pkg/resource/plugin/provider_plugin.go Check, `!pcfg.known`)."""
            if provider_ref:
                config = self.provider_configs.get(provider_ref.rsplit("::", 1)[0], {})
            else:
                config = dict(provider_config.get(package, {}))
            if wire.contains_unknowns(config):
                return None
            # A provider decodes structured settings itself: the engine hands them over as JSON text.
            decoded = {}
            for key, value in wire.unwrap_secrets(config).items():
                if isinstance(value, str) and value[:1] in "[{":
                    with contextlib.suppress(ValueError):
                        value = json.loads(value)
                decoded[key] = value
            return decoded

        def region_of(self, provider_ref: str) -> str:
            """The region of the provider a reference (`<urn>::<id>`) names; else the stack's `aws:region`."""
            config = self.provider_configs.get(provider_ref.rsplit("::", 1)[0], {}) if provider_ref else {}
            named = config.get("region")
            return named if isinstance(named, str) and named != UNKNOWN else region

        def _check(self, urn: str, request: Any, inputs: dict[str, Any], cls: Any, every: dict[str, str]) -> Any:
            """The provider's Check (provider_model.check) on what the engine sends it: secrets stripped (the
            provider accepts none), the secret bit put back on the checked inputs afterwards."""
            package = request.type.split(":")[0]
            config = self.provider_config_of(request.provider, package)
            if config is None:
                return inputs
            result = model_check.check(
                request.type,
                request.name,
                wire.unwrap_secrets(inputs),
                provider_config=config,
                input_shapes=sdk_types.input_shapes(sdk_types.args_class(cls)),
                output_shapes=every,
                seed=urn,
            )
            if result.failures:
                # pkg/resource/deploy/step_generator.go: each CheckFailure is reported as
                # diag.GetResourceInvalidError "%v resource '%v' has a problem: %v" and the deployment stops.
                messages = [f"{request.type} resource '{request.name}' has a problem: {r}" for _, r in result.failures]
                for message in messages:
                    state["errors"].append({"reason": "check", "message": message})
                raise Exception(messages[0])
            return wire.downgrade(wire.annotate_secrets(result.inputs, inputs))  # `__defaults` is internal

        def RegisterResourceOutputs(self, request: Any) -> Any:
            if request.urn not in self.urns:
                return empty_pb2.Empty()  # the warm-up root stack's (empty) outputs
            outputs = wire.downgrade(to_py(request.outputs))
            channel.send({"kind": "outputs", "urn": request.urn, "outputs": outputs})
            return empty_pb2.Empty()

        def ReadResource(self, request: Any) -> Any:
            with self.lock:
                return self._read(request)

        def _read(self, request: Any) -> Any:
            urn = self.make_urn(request.parent, request.type, request.name)
            inputs = wire.downgrade(to_py(request.properties))
            if request.type == STACK_REFERENCE_TYPE:
                outputs = self._stack_reference(str(inputs.get("name") or request.id))
            else:
                required, _ = output_shapes(_CLASSES.get(request.type))
                _, outputs = planned.planned_outputs(mode, request.type, request.name, inputs, required, stack, region)
            outputs["id"] = request.id
            record = _record(
                urn, request.type, request.name, True, request.parent, request.provider, inputs, outputs, request.id
            )
            record["read"] = True
            record["dependencies"] = list(request.dependencies)
            self._emit(record)
            return resource_pb2.ReadResourceResponse(urn=urn, properties=struct(outputs))

        def _stack_reference(self, name: str) -> dict[str, Any]:
            references = fixtures.get("stackReferences") or {}
            if name in references:
                return {"name": name, "outputs": references[name] or {}, "secretOutputNames": []}
            token = f"{STACK_REFERENCE_TYPE}({name})"
            if mode == "preview":
                state["lookups"].append(token)
                channel.send({"kind": "lookup", "token": token})
                return {"name": name, "outputs": UNKNOWN, "secretOutputNames": UNKNOWN}
            message = (
                f"the program reads stack reference {name}, which the offline check cannot answer in update mode; "
                f"add its outputs to the fixtures file (--fixtures FILE):\n{lookups.stack_reference_hint(name)}"
            )
            state["errors"].append({"reason": "lookup", "message": message})
            raise LookupError_(message)

        def Invoke(self, request: Any) -> Any:
            token = request.tok
            if token == "pulumi:pulumi:getResource":
                return super().Invoke(request)
            raw = to_py(request.args)
            try:
                result = self._answer(token, plain(raw), self.region_of(getattr(request, "provider", "")), raw)
            except _Unknown:
                if "unknown" in resource_pb2.ResourceInvokeResponse.DESCRIPTOR.fields_by_name:
                    # The engine's answer to an invoke it cannot serve yet: the whole result is unknown.
                    return resource_pb2.ResourceInvokeResponse(unknown=True)
                result = {}
            return resource_pb2.ResourceInvokeResponse(**{"return": struct(result)})

        def _answer(self, token: str, args: dict[str, Any], region: str, raw: dict[str, Any]) -> dict[str, Any]:
            fact = lookups.facts(token, region, planned.zone_id_prefix(region))
            if fact is not None:
                return dict(fact)
            if token == "aws:iam/getPolicyDocument:getPolicyDocument":
                return dict(policy_document.get_policy_document(args))
            if token == "aws:index/getArn:getArn":
                return dict(lookups.parse_arn(str(args.get("arn", ""))))
            if token == "aws:index/getServicePrincipal:getServicePrincipal":
                return dict(lookups.service_principal(args, region))
            answer = lookups.match_fixture(fixtures.get("invokes") or [], token, args)
            if answer is not None:
                return dict(answer)
            fields = result_fields(token)
            if mode == "preview":
                if token not in state["lookups"]:
                    state["lookups"].append(token)
                    channel.send({"kind": "lookup", "token": token})
                if state["plain"]:
                    state["plain_unknown"] = True  # the wrapper of pulumi.runtime.invoke fills in unknowns
                    return {}
                raise _Unknown()
            message = (
                f"the program calls provider function {token}, a lookup of existing infrastructure that the offline "
                "check cannot answer in update mode; add an entry to the fixtures file (--fixtures FILE):\n"
                + lookups.fixture_hint(token, redacted(raw), fields)
            )
            state["errors"].append({"reason": "lookup", "message": message})
            raise LookupError_(message)

    return RecordingMonitor()


def _record(
    urn: str,
    type_: str,
    name: str,
    custom: bool,
    parent: str,
    provider: str,
    inputs: dict[str, Any],
    outputs: dict[str, Any],
    resource_id: str,
    source_file: str = "",
    source_line: int = 0,
) -> dict[str, Any]:
    return {
        "kind": "resource",
        "urn": urn,
        "type": type_,
        "name": name,
        "custom": custom,
        "parent": parent,
        "provider": provider,
        "dependencies": [],
        "propertyDependencies": {},
        "inputs": inputs,
        "outputs": outputs,
        "id": resource_id,
        "sourceFile": source_file,
        "sourceLine": source_line,
        "remote": False,
        "read": False,
    }


def _user_traceback(program: str) -> str:
    """The traceback from the program's own first frame on (as pulumi-language-python-exec _get_user_stacktrace);
    "" when none of its frames is the program's (an error raised in the runtime: the message says it all, and a
    traceback of the engine shim would only be noise)."""
    frames = traceback.extract_tb(sys.exc_info()[2])
    root = os.path.abspath(program if os.path.isdir(program) else os.path.dirname(program))
    for index, frame in enumerate(frames):
        if os.path.abspath(frame.filename).startswith(root + os.sep):
            return traceback.format_exc(limit=-(len(frames) - index))
    return ""


def main() -> None:
    with open(sys.argv[1], encoding="utf-8") as handle:
        job = json.load(handle)
    channel = Channel(int(job["fd"]))
    state: dict[str, Any] = {"errors": [], "lookups": [], "plain": 0}
    try:
        import pulumi
        import pulumi.runtime
        from pulumi.runtime import mocks, settings
    except ImportError as exc:
        channel.send(
            {
                "kind": "error",
                "reason": "sdk",
                "message": f"the program's interpreter {sys.executable} cannot import the Pulumi SDK ({exc}); "
                "install the program's requirements into it",
            }
        )
        _finish(0)
        return
    _record_classes(pulumi)
    _trim_stack_traces(pulumi)
    _wrap_plain_invoke(pulumi, state)

    class Relay(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            severity = "error" if record.levelno >= logging.ERROR else "warning"
            if record.levelno < logging.WARNING:
                return
            message = record.getMessage()
            if severity == "error":
                state["errors"].append({"reason": "log", "message": message})
            channel.send({"kind": "log", "severity": severity, "message": message})

    logger = logging.getLogger("netkit.offline.program")
    logger.propagate = False
    logger.addHandler(Relay())
    logger.setLevel(logging.INFO)
    monitor = make_monitor(pulumi, mocks, job, channel, state)
    settings.configure(
        mocks.MockSettings(
            monitor=monitor,
            monitor_features=set(monitor.GetDeploymentInfo(None).supportedFeatures),
            engine=mocks.MockEngine(logger),
            project=job["project"],
            stack=job["stack"],
            dry_run=job["mode"] == "preview",
            organization=job.get("organization", "organization"),
            callbacks=None,
            parallel=1,
            root_directory=job["root"],
        )
    )
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    # As pulumi.runtime.set_mocks does (runtime/mocks.py): a finished root Stack exists before the program runs.
    # Without it the same program runs ~1 ms per resource slower under the mock runtime (measured with
    # benchmarks/check_bench.py); the program then gets its own root stack from run_in_stack, as under the CLI.
    from pulumi.runtime.stack import Stack

    Stack()._finish()
    settings.ROOT.set(None)
    config_env = pulumi.runtime.get_config_env()
    secret_keys = json.loads(os.environ.get("PULUMI_CONFIG_SECRET_KEYS") or "[]")
    SECRET_VALUES.update(str(config_env[key]) for key in secret_keys if config_env.get(key))
    if hasattr(pulumi.runtime, "set_all_config"):  # as pulumi-language-python-exec, with its fallback
        pulumi.runtime.set_all_config(config_env, secret_keys)
    else:
        for key, value in config_env.items():
            pulumi.runtime.set_config(key, value)
    program = job["entry"]
    sys.argv = [program]
    # One worker: monitor calls are served in the order they are made, so records come out in a stable order.
    executor = concurrent.futures.ThreadPoolExecutor(max_workers=1)
    loop.set_default_executor(executor)
    logging.getLogger("asyncio").setLevel(logging.CRITICAL)

    def run() -> None:
        try:
            runpy.run_path(program, run_name="__main__")
        except SystemExit as exc:
            raise ProgramExit(exc.code) from None

    try:
        loop.run_until_complete(pulumi.runtime.run_in_stack(run))
    except ProgramExit as exc:
        code = exc.code
        shown = "" if code is None else repr(code)
        state["errors"].insert(
            0, {"reason": "exit", "message": f"the program exited by itself with sys.exit({shown})", "code": code}
        )
    except Exception as exc:  # noqa: BLE001 - every program failure is reported to the parent
        if not state["errors"] or state["errors"][0]["reason"] == "log":
            name = "RunError" if isinstance(exc, pulumi.RunError) else type(exc).__name__
            state["errors"].insert(
                0,
                {
                    "reason": "exception",
                    "message": f"the program failed: {name}: {exc}",
                    "traceback": _user_traceback(program),
                },
            )
        elif "traceback" not in state["errors"][0]:
            state["errors"][0]["traceback"] = _user_traceback(program)
    for error in state["errors"]:
        channel.send({"kind": "error", **error})
    channel.send({"kind": "done"})
    _finish(0)


def _finish(code: int) -> None:
    """Flush the program's output and leave without interpreter teardown (no "Exception ignored" noise from
    half-finished tasks, threads or gRPC objects)."""
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):  # a closed stream has nothing left to flush
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    main()
