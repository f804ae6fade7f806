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
import types
from typing import Any

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


# First, before any thread exists: the program runs below a keeper that ends everything it starts (keeper.py).
_load("keeper").keep(int(os.environ.get("NETKIT_OFFLINE_PARENT") or 0))
_load_model()
wire = importlib.import_module(f"{_MODEL}.wire")
planned = importlib.import_module(f"{_MODEL}.planned_state")
policy_document = importlib.import_module(f"{_MODEL}.policy_document")
model_check = importlib.import_module(f"{_MODEL}.check")
sdk_types = importlib.import_module(f"{_MODEL}.sdk_types")
lookups = _load("lookups")
sources = _load("sources")

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


def _trim_stack_traces(picker: Any) -> None:
    """The SDK attaches the whole Python stack to each registration; the mock monitor only needs the frame reports
    point at (sources.SourcePicker: the first frame inside the scanned repository). Keeping that one frame saves
    ~5 KB per queued registration."""
    resource_module = sys.modules.get("pulumi.runtime.resource")
    original = getattr(resource_module, "_get_stack_trace", None)
    if original is None:
        return

    def one_frame() -> Any:
        return picker.keep_one(original())

    resource_module._get_stack_trace = one_frame  # type: ignore[union-attr]


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


SECRET_VALUES: set[str] = set()  # secret config values and invoke arguments marked secret (never printed)


def _collect_invoke_secrets(pulumi: Any, channel: Channel) -> None:
    """The SDK unwraps secrets from invoke arguments before it sends them (runtime/invoke.py calls
    rpc._unwrap_rpc_secret_struct_properties), so the engine never learns which arguments were secret. We do, before
    they are unwrapped: those values join SECRET_VALUES (fixture hints redact them) and go to the checker, which
    masks them in everything it prints."""
    rpc = sys.modules.get("pulumi.runtime.rpc")
    original = getattr(rpc, "_unwrap_rpc_secret_struct_properties", None)
    if original is None:
        return
    depth = threading.local()

    def unwrap(value: Any) -> Any:
        outer = not getattr(depth, "inside", False)
        depth.inside = True
        try:
            plain_value, contains = original(value)
        finally:
            if outer:
                depth.inside = False
        if outer and contains:
            note_secrets(wire.secret_values(to_py(value)), channel)
        return plain_value, contains

    rpc._unwrap_rpc_secret_struct_properties = unwrap  # type: ignore[union-attr]


def _collect_output_secrets(pulumi: Any, channel: Channel) -> None:
    """Values the program marks secret with `pulumi.Output.secret` are secrets the checker must never print, even
    when the program unwraps one in an `apply` and prints it or passes it on as plain text."""
    output = pulumi.Output
    original = output.secret

    def secret(value: Any) -> Any:
        marked = original(value)
        with contextlib.suppress(Exception):  # recording must never change what the program does
            if isinstance(value, str | int | float | list | dict | tuple):
                note_secrets(_plain_leaves(value), channel)  # now: the program may fail before an apply runs
            else:
                marked.apply(lambda known: note_secrets(_plain_leaves(known), channel))
        return marked

    output.secret = staticmethod(secret)


def _plain_leaves(value: Any) -> list[str]:
    """The strings (and JSON forms of numbers) of a plain Python value."""
    if isinstance(value, str):
        return [value]
    if isinstance(value, bool) or value is None:
        return []
    if isinstance(value, int | float):
        return [json.dumps(value)]
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in _plain_leaves(v)]
    if isinstance(value, list | tuple):
        return [leaf for v in value for leaf in _plain_leaves(v)]
    return []


def note_secrets(values: list[str], channel: Channel) -> None:
    fresh = sorted({v for v in values if v and v not in SECRET_VALUES})
    if fresh:
        SECRET_VALUES.update(fresh)
        channel.send({"kind": "secrets", "values": fresh})


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


def result_class(token: str, load: bool = False) -> type | None:
    """The SDK's result type of a provider function (`aws:ec2/getVpc:getVpc` -> pulumi_aws.ec2 GetVpcResult):
    from the modules already loaded, or, with `load`, by importing the function's module; None when the package is
    not installed. Never `getattr` on a package's modules: most of them are lazy (pulumi_aws `lazy_import`,
    importlib.util.LazyLoader) and touching one loads it; touching all of them loads ~3,000 modules (20 s)."""
    pkg, _, rest = token.partition(":")
    module, _, function = rest.rpartition(":")
    class_name = function[:1].upper() + function[1:] + "Result"
    prefix = "pulumi_" + pkg.replace("-", "_")
    for name, loaded in list(sys.modules.items()):
        if name.startswith(prefix) and type(loaded) is types.ModuleType:  # a lazy module's type is a subclass
            found = loaded.__dict__.get(class_name)
            if isinstance(found, type):
                return found
    if not load:
        return None
    folder = module.split("/")[0]
    package = prefix if folder in ("", "index") else f"{prefix}.{folder}"
    try:
        # getattr loads this one (lazy) package, as the program's own call will; never import a function's own
        # module: binding it on a package that is not loaded yet shadows the function of the same name.
        found = getattr(importlib.import_module(package), class_name, None)
    except Exception:  # noqa: BLE001 - a package the program's environment does not have: nothing to check against
        return None
    return found if isinstance(found, type) else None


def result_fields(token: str) -> list[str]:
    """The output fields of a provider function's result type (`aws:ec2/getVpc:getVpc` -> GetVpcResult's)."""
    return sorted(output_shapes(result_class(token))[1])


_SHAPE_WORDS = {
    "str": "a string",
    "bool": "true or false",
    "int": "a whole number",
    "float": "a number",
    "list[str]": "a list of strings",
    "list": "a list",
    "map": "a mapping",
    "object": "a mapping",
}


def _fits(shape: str, value: Any) -> bool:
    if value is None:
        return True
    if shape == "str":
        return isinstance(value, str)
    if shape == "bool":
        return isinstance(value, bool)
    if shape == "int":
        return isinstance(value, int) and not isinstance(value, bool)
    if shape == "float":
        return isinstance(value, int | float) and not isinstance(value, bool)
    if shape == "list[str]":
        return isinstance(value, list) and all(isinstance(v, str) for v in value)
    if shape == "list":
        return isinstance(value, list)
    return isinstance(value, dict)


def check_fixture_results(fixtures: dict[str, Any]) -> str:
    """The first fixture result that does not fit the installed SDK's result type, as one line naming the file, the
    entry, the field and what is expected (never the value); "" when all fit. The SDK type-checks results when it
    builds them (an assertion deep in the runtime otherwise)."""
    source = fixtures.get("file") or "the fixtures file"
    for index, entry in enumerate(fixtures.get("invokes") or []):
        cls = result_class(entry["token"], load=True)
        if cls is None:
            continue
        _, shapes = output_shapes(cls)
        for field_name, value in (entry.get("result") or {}).items():
            where = f"{source}: invokes[{index}].result.{field_name}"
            if field_name == "id":  # every function result has it (output_shapes leaves ids out)
                shapes = {**shapes, "id": "str"}
            if field_name not in shapes:
                near = [n for n in shapes if n.lower() == str(field_name).replace("_", "").lower()]
                hint = f"; did you mean {near[0]}?" if near else f" (its fields: {', '.join(sorted(shapes))})"
                return f"{where}: {cls.__name__} of the installed SDK has no field {field_name}{hint}"
            if not _fits(shapes[field_name], value):
                return f"{where} must be {_SHAPE_WORDS[shapes[field_name]]} ({cls.__name__} in the installed SDK)"
    return ""


# --- the monitor -----------------------------------------------------------------------------------------------


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


def make_monitor(
    pulumi: Any, mocks: Any, job: dict[str, Any], channel: Channel, state: dict[str, Any], picker: Any
) -> Any:
    from google.protobuf import empty_pb2, struct_pb2
    from pulumi.runtime.proto import resource_pb2

    mode, stack, project, region = job["mode"], job["stack"], job["project"], job["region"]
    fixtures = job.get("fixtures") or {}
    invokes = fixtures.get("invokes") or []
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
            source_file, source_line = picker.pick(request)
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
                config_known = True
                if package != "pulumi":
                    config = self.provider_config_of(request.provider, package)
                    config_known = config is not None
                    if config is not None:
                        inputs = self._check(urn, request, inputs, cls, every, config)
                where = self.region_of(request.provider)
                resource_id, outputs = planned.planned_outputs(
                    mode,
                    request.type,
                    request.name,
                    wire.unwrap_secrets(inputs),
                    required,
                    stack,
                    where,
                    config_known=config_known,
                    # An update's AZ values only as given or from the fixtures' mapping (issue 17): the model's rule.
                    zone_mapping=lookups.zone_mapping(invokes, where),
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

        def _check(
            self, urn: str, request: Any, inputs: dict[str, Any], cls: Any, every: dict[str, str], config: Any
        ) -> Any:
            """The provider's Check (provider_model.check) on what the engine sends it: secrets stripped (the
            provider accepts none), the secret bit put back on the checked inputs afterwards."""
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
                _, outputs = planned.planned_outputs(
                    mode,
                    request.type,
                    request.name,
                    inputs,
                    required,
                    stack,
                    region,
                    zone_mapping=lookups.zone_mapping(invokes, region),
                )
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
                state["references"][name] = sorted(references[name] or {})
                return {"name": name, "outputs": references[name] or {}, "secretOutputNames": []}
            token = f"{STACK_REFERENCE_TYPE}({name})"
            if mode == "preview":
                state["lookups"].append(token)
                channel.send({"kind": "lookup", "token": token})
                return {"name": name, "outputs": UNKNOWN, "secretOutputNames": UNKNOWN}
            message = (
                f"the program reads stack reference {name}, which the offline check cannot answer in update mode; "
                "add its outputs to the fixtures file (--fixtures FILE), such as:"
            )
            state["errors"].append({"reason": "lookup", "message": message, "hint": lookups.stack_reference_hint(name)})
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
            answer = lookups.match_fixture(invokes, token, args)  # a fixture answers before a fact (AZ ids)
            if answer is not None:
                return dict(answer)
            fact = lookups.facts(token, region, planned.zone_id_prefix(region))
            if fact is not None:
                return dict(fact)
            if token == "aws:iam/getPolicyDocument:getPolicyDocument":
                return dict(policy_document.get_policy_document(args))
            if token == "aws:index/getArn:getArn":
                return dict(lookups.parse_arn(str(args.get("arn", ""))))
            if token == "aws:index/getServicePrincipal:getServicePrincipal":
                return dict(lookups.service_principal(args, region))
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
                "check cannot answer in update mode; add an entry to the fixtures file (--fixtures FILE), such as:"
            )
            hint = lookups.fixture_hint(token, redacted(raw), result_fields(token))
            state["errors"].append({"reason": "lookup", "message": message, "hint": hint})
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


def _user_traceback(program: str, chain: bool = True) -> str:
    """The traceback from the program's own first frame on (as pulumi-language-python-exec _get_user_stacktrace):
    the frames after runpy's (which ran the program), else the first frame in the program's directory that is
    neither this shim nor an installed package; "" when there is none (an error raised in the runtime: the message
    says it all, and a traceback of the engine shim would only be noise)."""
    frames = traceback.extract_tb(sys.exc_info()[2])
    runpy_files = {"<frozen runpy>", os.path.abspath(runpy.__file__)}  # frozen since Python 3.11
    ran = [
        i
        for i, frame in enumerate(frames)
        if frame.filename in runpy_files or os.path.abspath(frame.filename) in runpy_files
    ]
    start = ran[-1] + 1 if ran else None
    while start is not None and start < len(frames) and frames[start].filename.startswith("<frozen"):
        start += 1  # the import machinery that loads a package's __main__.py
    if start is not None and start >= len(frames):
        start = None
    if start is None:
        root = os.path.abspath(program if os.path.isdir(program) else os.path.dirname(program)) + os.sep
        installed = tuple({os.path.abspath(p) + os.sep for p in (sys.prefix, sys.base_prefix, _HERE)})
        for index, frame in enumerate(frames):
            path = os.path.abspath(frame.filename)
            if path.startswith(root) and not path.startswith(installed) and "site-packages" not in path:
                start = index
                break
    if start is None:
        return ""
    return traceback.format_exc(limit=-(len(frames) - start), chain=chain)


def _exception_error(pulumi: Any, exc: BaseException, program: str, state: dict[str, Any]) -> dict[str, Any]:
    """The error record for an exception out of the program, in words a new user understands and never with a
    config value: a config key of the wrong type or missing (the checker adds where its value comes from), a
    stack-reference output the fixtures do not give, an interrupt."""
    config = sys.modules.get("pulumi.config")
    name = "RunError" if isinstance(exc, pulumi.RunError) else type(exc).__name__
    error: dict[str, Any] = {"reason": "exception", "message": f"the program failed: {name}: {exc}"}
    if isinstance(exc, SyntaxError):
        # Where and what, with the caret; the frames of the import machinery that compiled it are noise.
        error["traceback"] = "".join(traceback.format_exception_only(exc))
        return error
    if config is not None and isinstance(exc, config.ConfigTypeError):
        error["message"] = f"the program failed: config {exc.key} is not a valid {exc.expect_type}"
        error["configKey"] = exc.key
        # The SDK's own message quotes the value, and so does the int()/float() error it chains: never a config
        # value in what the check prints.
        shown = _user_traceback(program, chain=False)
        value = str(exc.value)
        error["traceback"] = shown.replace(value, "[value]") if len(value) >= 3 else shown
        return error
    elif config is not None and isinstance(exc, config.ConfigMissingError):
        error["message"] = f"the program failed: it requires config {exc.key}, which is not set"
        error["configKey"] = exc.key
        error["missing"] = True
    elif isinstance(exc, KeyError) and _raised_in(exc, "stack_reference.py"):
        error["message"] = _missing_output(exc, state)
    error["traceback"] = _user_traceback(program)
    return error


def _raised_in(exc: BaseException, filename: str) -> bool:
    frames = traceback.extract_tb(exc.__traceback__)
    return bool(frames) and os.path.basename(frames[-1].filename) == filename


def _missing_output(exc: KeyError, state: dict[str, Any]) -> str:
    """`StackReference.require_output` of an output the fixtures do not give (the SDK says only KeyError)."""
    output = exc.args[0] if exc.args else ""
    lacking = sorted(name for name, outputs in state["references"].items() if output not in outputs)
    if not lacking:
        return f"the program failed: KeyError: {exc}"
    given = ", ".join(sorted(state["references"][lacking[0]])) or "none"
    where = state.get("fixtures_file") or "the fixtures file"
    return (
        f"the program requires output {output} of stack reference {' or '.join(lacking)}, which {where} does not "
        f"give (its outputs there: {given}); add it under stackReferences"
    )


def _read_job() -> dict[str, Any]:
    """The job: from the file named on the command line, else from stdin (the checker writes it there, so secret
    config values for the default provider are never written to a file); stdin is then /dev/null, as before."""
    if len(sys.argv) > 1:
        with open(sys.argv[1], encoding="utf-8") as handle:
            return json.load(handle)
    job = json.loads(sys.stdin.buffer.read())
    devnull = os.open(os.devnull, os.O_RDONLY)
    os.dup2(devnull, 0)
    os.close(devnull)
    return job


def main() -> None:
    job = _read_job()
    channel = Channel(int(job["fd"]))
    fixtures = job.get("fixtures") or {}
    state: dict[str, Any] = {
        "errors": [],
        "lookups": [],
        "plain": 0,
        "references": {},  # stack reference name -> the output names the fixtures give
        "fixtures_file": fixtures.get("file", ""),
    }
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
    problem = check_fixture_results(fixtures)
    if problem:
        channel.send({"kind": "error", "reason": "fixtures", "message": problem})
        _finish(0)
        return
    _record_classes(pulumi)
    # Positions as the scanned repository sees them: its first frame, not an installed component's (sources.py).
    picker = sources.SourcePicker(job.get("sourceRoot", ""), (*sources.installed_dirs(), os.path.join(_HERE, "")))
    _trim_stack_traces(picker)
    _wrap_plain_invoke(pulumi, state)
    _collect_invoke_secrets(pulumi, channel)
    _collect_output_secrets(pulumi, channel)

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
    monitor = make_monitor(pulumi, mocks, job, channel, state, picker)
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
    except KeyboardInterrupt:
        message = "the program was interrupted (SIGINT or KeyboardInterrupt, as from Ctrl-C) before it finished"
        state["errors"].insert(0, {"reason": "interrupted", "message": message, "traceback": _user_traceback(program)})
    except Exception as exc:  # noqa: BLE001 - every program failure is reported to the parent
        if not state["errors"] or state["errors"][0]["reason"] == "log":
            state["errors"].insert(0, _exception_error(pulumi, exc, program, state))
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
