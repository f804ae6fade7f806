"""Helpers for the rule tests: build resources as the engine hands them to the pack (planned state of a first
preview: computed outputs unknown, `Analyze` inputs without omitted keys; or an update), and talk to the real pack
over its gRPC protocol (the analyzer messages the engine sends, pkg/resource/plugin/analyzer_plugin.go)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from google.protobuf import empty_pb2, json_format, struct_pb2
from netkit_core.graph import UNKNOWN, Graph, Res
from netkit_core.rule import Outcome
from netkit_core.rules import rule_named
from pulumi.runtime.proto import analyzer_pb2
from pulumi_policy.deserialize import SPECIAL_SECRET_SIG, SPECIAL_SIG_KEY
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE

PACK_DIR = Path(__file__).resolve().parents[2] / "policies"
PREFIX = "urn:pulumi:dev::netkit::"


def urn(type_: str, name: str) -> str:
    return f"{PREFIX}{type_}::{name}"


def res(type_: str, name: str, props: Mapping[str, Any], deps: Mapping[str, list[str]] | None = None) -> Res:
    """A resource with its Analyze inputs = the known props (as a program that set them)."""
    inputs = {k: v for k, v in props.items() if v is not UNKNOWN}
    return Res(urn(type_, name), type_, name, dict(props), dict(deps or {}), inputs=inputs)


def run_stack(rule: str, resources: list[Res], config: Mapping[str, Any] | None = None) -> Outcome:
    r = rule_named(rule)
    assert r.stack_check is not None
    return r.stack_check(Graph(resources), r.effective_config(config))


def run_resource(rule: str, resource: Res, config: Mapping[str, Any] | None = None) -> Outcome:
    r = rule_named(rule)
    assert r.resource_check is not None
    return r.resource_check(resource, r.effective_config(config))


# --- the analyzer protocol ----------------------------------------------------------------------------------------
class Secret:
    """A value the program marked secret: marshalled with the secret signature, as the engine does (KeepSecrets)."""

    def __init__(self, value: Any) -> None:
        self.value = value


class Unknown:
    """An unknown value (a first preview)."""


def wire(value: Any) -> Any:
    """Python -> the JSON the engine marshals into a protobuf Struct."""
    if isinstance(value, Secret):
        return {SPECIAL_SIG_KEY: SPECIAL_SECRET_SIG, "value": wire(value.value)}
    if isinstance(value, Unknown) or value is UNKNOWN:
        return UNKNOWN_STRING_VALUE
    if isinstance(value, dict):
        return {k: wire(v) for k, v in value.items()}
    if isinstance(value, list):
        return [wire(v) for v in value]
    return value


def struct(props: Mapping[str, Any]) -> struct_pb2.Struct:
    result = struct_pb2.Struct()
    result.update(wire(dict(props)))
    return result


def provider(region: str = "us-east-1") -> Any:
    return analyzer_pb2.AnalyzerProviderResource(
        type="pulumi:providers:aws",
        urn=f"{PREFIX}pulumi:providers:aws::default",
        name="default",
        properties=struct({"region": region}),
    )


def configure(pack: Any, config: Mapping[str, Any] | None = None) -> None:
    """GetAnalyzerInfo + Configure with schema defaults filled in (as ReconcilePolicyPackConfig does)."""
    info = pack.call("GetAnalyzerInfo", empty_pb2.Empty())
    request = analyzer_pb2.ConfigureAnalyzerRequest()
    given = dict(config or {})
    for policy in info.policies:
        entry = given.get(policy.name, {})
        level = policy.enforcementLevel
        props: dict[str, Any] = {}
        schema = json_format.MessageToDict(policy.configSchema.properties) if policy.HasField("configSchema") else {}
        for key, spec in schema.items():
            if isinstance(spec, Mapping) and "default" in spec:
                props[key] = spec["default"]
        if isinstance(entry, str):
            level = analyzer_pb2.EnforcementLevel.Value(entry.upper())
        elif isinstance(entry, Mapping):
            props.update({k: v for k, v in entry.items() if k != "enforcementLevel"})
            if "enforcementLevel" in entry:
                level = analyzer_pb2.EnforcementLevel.Value(str(entry["enforcementLevel"]).upper())
        cfg = analyzer_pb2.PolicyConfig(enforcementLevel=level)
        cfg.properties.update(props)
        request.policyConfig[policy.name].CopyFrom(cfg)
    pack.call("Configure", request)


def analyze(pack: Any, resource_urn: str, type_: str, props: Mapping[str, Any]) -> Any:
    name = resource_urn.rsplit("::", 1)[1]
    request = analyzer_pb2.AnalyzeRequest(
        type=type_, properties=struct(props), urn=resource_urn, name=name, provider=provider()
    )
    return pack.call("Analyze", request)


def analyze_stack(pack: Any, resources: list[tuple[str, str, Mapping[str, Any], Mapping[str, list[str]]]]) -> Any:
    request = analyzer_pb2.AnalyzeStackRequest()
    for resource_urn, type_, props, deps in resources:
        entry = request.resources.add(
            type=type_, properties=struct(props), urn=resource_urn, name=resource_urn.rsplit("::", 1)[1]
        )
        entry.provider.CopyFrom(provider())
        for key, urns in deps.items():
            entry.propertyDependencies[key].urns.extend(urns)
    return pack.call("AnalyzeStack", request)


@contextmanager
def running_pack(dry_run: bool) -> Iterator[Any]:
    """The real pack in its own process, started as the CLI starts it (stream B2's launcher), in preview
    (PULUMI_DRY_RUN=true) or not."""
    try:
        from automation.offline.pack_process import PolicyPackProcess, StackInfo
    except ImportError:  # the launcher before stream B2's change
        import os

        from automation.offline.analyzer import PolicyPackProcess as Legacy

        previous = os.environ.get("PULUMI_DRY_RUN")
        os.environ["PULUMI_DRY_RUN"] = "true" if dry_run else "false"
        try:
            with Legacy(PACK_DIR) as pack:
                yield pack
        finally:
            if previous is None:
                os.environ.pop("PULUMI_DRY_RUN", None)
            else:
                os.environ["PULUMI_DRY_RUN"] = previous
        return
    with PolicyPackProcess(PACK_DIR, stack=StackInfo("netkit", "dev", dry_run)) as pack:
        yield pack


# --- planned states: a first preview and an update ----------------------------------------------------------------
MODES = ("preview", "update")


class Ref:
    """A value taken from another resource's id (`other.id`): unknown in a first preview (with a property
    dependency on it, as the engine records), the id in an update."""

    def __init__(self, target: Res, attribute: str = "id") -> None:
        self.target, self.attribute = target, attribute


class Planned:
    """Resources as the engine hands them to `AnalyzeStack`: in "preview" every id and every computed output the
    program did not set is unknown, and `Res.inputs` (what `Analyze` saw) has no key for what the program omitted;
    in "update" ids are known and computed outputs hold the provider's defaults."""

    def __init__(self, mode: str) -> None:
        assert mode in MODES
        self.mode = mode
        self.resources: list[Res] = []

    def _resolve(self, value: Any, deps: set[str]) -> Any:
        if isinstance(value, Ref):
            deps.add(value.target.urn)
            return UNKNOWN if self.mode == "preview" else value.target.props[value.attribute]
        if isinstance(value, dict):
            return {k: self._resolve(v, deps) for k, v in value.items()}
        if isinstance(value, list):
            return [self._resolve(v, deps) for v in value]
        return value

    def add(self, type_: str, name: str, inputs: Mapping[str, Any], computed: Mapping[str, Any] | None = None) -> Res:
        """`computed`: outputs the provider computes when the program omits them (with their update values)."""
        deps: dict[str, list[str]] = {}
        resolved = {}
        for key, value in inputs.items():
            found: set[str] = set()
            resolved[key] = self._resolve(value, found)
            if found:
                deps[key] = sorted(found)
        props = dict(resolved)
        for key, default in (computed or {}).items():
            if key not in props:
                props[key] = UNKNOWN if self.mode == "preview" else default
        props["id"] = UNKNOWN if self.mode == "preview" else f"{name}-id"
        resource = Res(urn(type_, name), type_, name, props, deps, inputs=dict(resolved))
        self.resources.append(resource)
        return resource

    def graph(self) -> Graph:
        return Graph(self.resources)
