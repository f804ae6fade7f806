"""Drive a CrossGuard policy pack over the analyzer gRPC protocol, as the Pulumi engine does.

The pack runs as its own process (its `__main__.py`, working directory the pack, the interpreter of the pack's
virtualenv when PulumiPolicy.yaml names one); it prints the port it serves on. Then: GetAnalyzerInfo, Configure
with the merged policy config, Analyze per custom resource, AnalyzeStack with parents, dependencies and
property dependencies. Every call has a deadline; the process is always stopped, and a pack that crashes or hangs
is reported with its stderr.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from collections.abc import Iterable, Mapping
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import grpc
import yaml
from google.protobuf import empty_pb2, json_format, struct_pb2
from pulumi.runtime.proto import analyzer_pb2, analyzer_pb2_grpc

from .engine import STACK_TYPE, ProgramRun, RecordedResource

ENFORCEMENT_NAMES = {
    analyzer_pb2.ADVISORY: "advisory",
    analyzer_pb2.MANDATORY: "mandatory",
    analyzer_pb2.DISABLED: "disabled",
    analyzer_pb2.REMEDIATE: "remediate",
}
ENFORCEMENT_VALUES = {v: k for k, v in ENFORCEMENT_NAMES.items()}
PREVIEW_MARKER = "during preview: "
_MAX_MESSAGE = 1024 * 1024 * 400


class PolicyPackError(Exception):
    """The pack could not be started, configured or run; the message says why (with its stderr)."""


@dataclass(frozen=True)
class Violation:
    policy: str
    enforcement: str
    urn: str
    message: str


@dataclass(frozen=True)
class NotRun:
    policy: str
    reason: str


@dataclass
class AnalysisResult:
    pack_name: str
    policies: dict[str, str] = field(default_factory=dict)  # name -> effective enforcement
    violations: list[Violation] = field(default_factory=list)
    not_run: list[NotRun] = field(default_factory=list)


def _pack_python(pack_dir: Path) -> str:
    """The interpreter the CLI would use: the pack's configured virtualenv, else this interpreter."""
    manifest = pack_dir / "PulumiPolicy.yaml"
    if manifest.is_file():
        data = yaml.safe_load(manifest.read_text(encoding="utf-8")) or {}
        runtime = data.get("runtime")
        options = runtime.get("options", {}) if isinstance(runtime, dict) else {}
        venv = options.get("virtualenv") if isinstance(options, dict) else None
        if venv:
            candidate = (pack_dir / venv / "bin" / "python").resolve()
            if candidate.exists():
                return str(candidate)
    return sys.executable


class PolicyPackProcess:
    """A running policy pack and a gRPC stub to it. Use as a context manager: the process always stops."""

    def __init__(self, pack_dir: Path, start_timeout: float = 60.0, call_timeout: float = 120.0) -> None:
        self.pack_dir = pack_dir.resolve()
        self.start_timeout, self.call_timeout = start_timeout, call_timeout
        if not (self.pack_dir / "__main__.py").is_file():
            raise PolicyPackError(f"no policy pack in {pack_dir}: expected __main__.py (and PulumiPolicy.yaml)")
        self._stderr: list[str] = []
        env = dict(os.environ, PYTHONUNBUFFERED="1")
        env.pop("PULUMI_CONFIG", None)
        self.process = subprocess.Popen(
            [_pack_python(self.pack_dir), "-u", "__main__.py", "127.0.0.1:0", str(self.pack_dir)],
            cwd=self.pack_dir,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            stdin=subprocess.DEVNULL,
            env=env,
            text=True,
        )
        self._drainer = threading.Thread(target=self._drain_stderr, daemon=True)
        self._drainer.start()
        try:
            port = self._read_port()
            self.channel = grpc.insecure_channel(
                f"127.0.0.1:{port}",
                options=[
                    ("grpc.max_receive_message_length", _MAX_MESSAGE),
                    ("grpc.max_send_message_length", _MAX_MESSAGE),
                ],
            )
            grpc.channel_ready_future(self.channel).result(timeout=self.start_timeout)
        except BaseException:
            self.close()
            raise
        self.stub = analyzer_pb2_grpc.AnalyzerStub(self.channel)

    def _drain_stderr(self) -> None:
        assert self.process.stderr is not None
        try:
            for line in self.process.stderr:
                self._stderr.append(line)
        except ValueError:  # the stream was closed while reading: the process is gone
            return

    def stderr(self) -> str:
        return "".join(self._stderr[-40:]).strip()

    def _read_port(self) -> int:
        result: list[str] = []
        reader = threading.Thread(
            target=lambda: result.append(self.process.stdout.readline() if self.process.stdout else ""),
            daemon=True,
        )
        reader.start()
        reader.join(self.start_timeout)
        line = result[0].strip() if result else ""
        if not line.isdigit():
            if self.process.poll() is None and not result:
                raise PolicyPackError(
                    f"policy pack {self.pack_dir} printed no port within {self.start_timeout:.0f}s; it hangs while "
                    f"starting.\n{self.stderr()}"
                )
            self.process.wait(timeout=5)
            self._drainer.join(timeout=5)  # all of its stderr, before we quote it
            raise PolicyPackError(
                f"policy pack {self.pack_dir} failed to start (exit {self.process.returncode}):\n{self.stderr()}"
            )
        return int(line)

    def call(self, method: str, request: Any) -> Any:
        try:
            return getattr(self.stub, method)(request, timeout=self.call_timeout)
        except grpc.RpcError as exc:
            detail = exc.details() if hasattr(exc, "details") else str(exc)
            code = exc.code().name if hasattr(exc, "code") else "UNKNOWN"
            raise PolicyPackError(f"policy pack {method} failed ({code}): {detail}\n{self.stderr()}".strip()) from None

    def close(self) -> None:
        channel = getattr(self, "channel", None)
        if channel is not None:
            channel.close()
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self._drainer.join(timeout=5)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                stream.close()

    def __enter__(self) -> PolicyPackProcess:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def load_policy_config(path: Path | None) -> dict[str, Any]:
    if path is None:
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise PolicyPackError(f"policy config {path} does not exist") from None
    except json.JSONDecodeError as exc:
        raise PolicyPackError(f"policy config {path} is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise PolicyPackError(f"policy config {path} must be a JSON object keyed by policy name")
    return data


def build_configure_request(info: Any, user_config: Mapping[str, Any]) -> tuple[Any, dict[str, str]]:
    """Merge pack defaults with the user's config as the CLI does, and validate names, levels and schemas."""
    import jsonschema

    policies = {p.name: p for p in info.policies}
    all_level = user_config.get("all")
    unknown = sorted(set(user_config) - set(policies) - {"all"})
    if unknown:
        raise PolicyPackError(
            f"policy config names unknown policies: {', '.join(unknown)}; the pack has {', '.join(sorted(policies))}"
        )
    request = analyzer_pb2.ConfigureAnalyzerRequest()
    effective: dict[str, str] = {}
    for name, policy in policies.items():
        level = ENFORCEMENT_NAMES.get(policy.enforcementLevel, "advisory")
        props: dict[str, Any] = {}
        if name in info.initialConfig:
            initial = info.initialConfig[name]
            level = ENFORCEMENT_NAMES.get(initial.enforcementLevel, level)
            props.update(json_format.MessageToDict(initial.properties))
        if isinstance(all_level, str):
            level = all_level
        entry = user_config.get(name)
        if isinstance(entry, str):
            level = entry
        elif isinstance(entry, dict):
            level = str(entry.get("enforcementLevel", level))
            props.update({k: v for k, v in entry.items() if k != "enforcementLevel"})
        elif entry is not None:
            raise PolicyPackError(f"policy config for {name} must be an enforcement level or an object")
        if level not in ENFORCEMENT_VALUES:
            raise PolicyPackError(
                f"policy config for {name}: enforcement level {level!r} is not one of {', '.join(ENFORCEMENT_VALUES)}"
            )
        schema = json_format.MessageToDict(policy.configSchema) if policy.HasField("configSchema") else {}
        if props and schema:
            try:
                jsonschema.validate(props, {"type": "object", **schema})
            except jsonschema.ValidationError as exc:
                raise PolicyPackError(f"policy config for {name} is invalid: {exc.message}") from None
        config = analyzer_pb2.PolicyConfig(enforcementLevel=ENFORCEMENT_VALUES[level])
        if props:
            config.properties.update(props)
        request.policyConfig[name].CopyFrom(config)
        effective[name] = level
    return request, effective


def _provider(stack: str, project: str, region: str, resource: RecordedResource) -> Any:
    package = resource.type.split(":")[0]
    props = struct_pb2.Struct()
    if package == "aws":
        props.update({"region": region})
    urn = f"urn:pulumi:{stack}::{project}::pulumi:providers:{package}::default"
    return analyzer_pb2.AnalyzerProviderResource(
        type=f"pulumi:providers:{package}", urn=urn, name="default", properties=props
    )


def _options(resource: RecordedResource) -> Any:
    return analyzer_pb2.AnalyzerResourceOptions(parent=resource.parent)


def _strip(message: str, description: str) -> str:
    if description and message.startswith(description):
        message = message[len(description) :].lstrip("\n")
    return message or description


class _Collector:
    def __init__(self, effective: dict[str, str]) -> None:
        self.effective = effective
        self.violations: list[Violation] = []
        self.not_run: dict[tuple[str, str], NotRun] = {}

    def add(self, response: Any, default_urn: str) -> None:
        for diag in response.diagnostics:
            if PREVIEW_MARKER in diag.message and diag.message.startswith("can't run policy"):
                reason = diag.message.split(PREVIEW_MARKER, 1)[1]
                self.not_run.setdefault((diag.policyName, reason), NotRun(diag.policyName, reason))
                continue
            self.violations.append(
                Violation(
                    policy=diag.policyName,
                    enforcement=ENFORCEMENT_NAMES.get(diag.enforcementLevel, "advisory"),
                    urn=diag.urn or default_urn,
                    message=_strip(diag.message, diag.description),
                )
            )
        for item in response.not_applicable:
            key = (item.policy_name, item.reason)
            self.not_run.setdefault(key, NotRun(item.policy_name, item.reason or "not applicable"))


class AnalysisSession:
    """Configures the pack, then sends `Analyze` per custom resource on a small thread pool (answers are collected
    in registration order) and finally `AnalyzeStack`. Streaming calls while the program still runs was measured
    to be slower here: the threads compete with the program for the GIL."""

    def __init__(
        self, pack: PolicyPackProcess, user_config: Mapping[str, Any], stack: str, project: str, region: str
    ) -> None:
        self.pack, self.stack, self.project, self.region = pack, stack, project, region
        info = pack.call("GetAnalyzerInfo", empty_pb2.Empty())
        request, self.effective = build_configure_request(info, user_config)
        pack.call("Configure", request)
        # The merged properties each policy was configured with (pack defaults + user config).
        self.properties = {
            name: json_format.MessageToDict(config.properties) for name, config in request.policyConfig.items()
        }
        self.pack_name = info.name
        self._pool = ThreadPoolExecutor(max_workers=2, thread_name_prefix="analyze")
        self._pending: list[tuple[str, Future[Any]]] = []

    def submit(self, resource: RecordedResource) -> None:
        """Queue one `Analyze` call (custom resources only, as the engine does)."""
        if not _custom([resource]):
            return
        request = analyzer_pb2.AnalyzeRequest(
            type=resource.type,
            properties=resource.inputs,
            urn=resource.urn,
            name=resource.name,
            options=_options(resource),
            provider=_provider(self.stack, self.project, self.region, resource),
        )
        self._pending.append((resource.urn, self._pool.submit(self.pack.call, "Analyze", request)))

    def finish(self, run: ProgramRun) -> AnalysisResult:
        """Collect the per-resource answers in registration order, then run `AnalyzeStack`."""
        collector = _Collector(self.effective)
        try:
            for urn, future in self._pending:
                collector.add(future.result(), urn)
        finally:
            self._pool.shutdown(wait=True, cancel_futures=True)
        stack_request = analyzer_pb2.AnalyzeStackRequest()
        for resource in run.resources:
            entry = stack_request.resources.add(
                type=resource.type,
                properties=resource.outputs if run.mode == "update" and resource.custom else resource.inputs,
                urn=resource.urn,
                name=resource.name,
                options=_options(resource),
                parent=resource.parent,
                dependencies=resource.dependencies,
            )
            if resource.custom:
                entry.provider.CopyFrom(_provider(run.stack, run.project, run.region, resource))
            for key, urns in resource.property_dependencies.items():
                entry.propertyDependencies[key].urns.extend(urns)
        collector.add(self.pack.call("AnalyzeStack", stack_request), "")
        return AnalysisResult(self.pack_name, self.effective, collector.violations, list(collector.not_run.values()))

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)

    def analyze(self, run: ProgramRun) -> AnalysisResult:
        """Every resource of a recorded run, then the stack; the pool is shut down whatever happens."""
        try:
            for resource in run.resources:
                self.submit(resource)
            return self.finish(run)
        finally:
            self.close()


def analyze(pack: PolicyPackProcess, run: ProgramRun, user_config: Mapping[str, Any]) -> AnalysisResult:
    """One full analysis of an already recorded program run; the pack may be reused for the next run."""
    return AnalysisSession(pack, user_config, run.stack, run.project, run.region).analyze(run)


def _custom(resources: Iterable[RecordedResource]) -> list[RecordedResource]:
    return [r for r in resources if r.custom and r.type != STACK_TYPE and not r.type.startswith("pulumi:providers:")]


__all__ = [
    "AnalysisResult",
    "NotRun",
    "PolicyPackError",
    "PolicyPackProcess",
    "Violation",
    "analyze",
    "load_policy_config",
]
