"""Run a Pulumi Python program with no CLI and no cloud, as the Python language host would, and record what the
engine would hand a policy pack.

The program runs in its own process, with the interpreter of its Pulumi.yaml runtime options (interpreter.py), in
its own directory, under Pulumi's mock runtime driven by the engine shim (shim/run.py). The shim streams one record
per registration back over a pipe; `on_resource` is called in this process, in registration order, as records
arrive, so a checker can send `Analyze` while the program still runs. The program's stdout and stderr are kept
apart (ProgramRun.stdout/stderr). `preview` records the planned state of a first `pulumi preview` (inputs known,
computed outputs and ids unknown); `update` known ids and computed outputs with the provider's documented
defaults (automation/provider_model, the model the offline provider shares).
"""

from __future__ import annotations

import json
import os
import select
import signal
import sys
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from google.protobuf import json_format, struct_pb2

from ..provider_model import wire
from .fixtures import Fixtures
from .interpreter import resolve_interpreter
from .masking import LAMBDA_FUNCTION, Masker, lambda_environment_secrets
from .program_process import ProgramProcess, terminate_programs
from .stack_config import DYNAMIC_PROVIDER_PACKAGES, StackConfig, provider_config

Mode = Literal["preview", "update"]
ACCOUNT_ID = wire.ACCOUNT_ID
PARTITION = wire.PARTITION
STACK_TYPE = "pulumi:pulumi:Stack"
SHIM = Path(__file__).resolve().parent / "shim" / "run.py"
_SECRET_MARK = wire.SECRET_SIG.encode()  # a record holding a value marked secret holds this
DEFAULT_TIMEOUT = 600.0

__all__ = [
    "DEFAULT_TIMEOUT",
    "Mode",
    "ProgramError",
    "ProgramRun",
    "RecordedResource",
    "run_program",
    "terminate_programs",
]


class ProgramError(Exception):
    """The program failed, exited, timed out or logged an error; `program_traceback` holds its own traceback for
    the user ("" when there is none), `stdout`/`stderr` what it printed, `hint` what to add to the fixtures file
    (shown after the message)."""

    def __init__(
        self, message: str, program_traceback: str = "", stdout: str = "", stderr: str = "", hint: str = ""
    ) -> None:
        super().__init__(message)
        self.program_traceback = program_traceback
        self.stdout = stdout
        self.stderr = stderr
        self.hint = hint

    def __str__(self) -> str:
        message = super().__str__()
        return f"{message}\n{self.hint}" if self.hint else message


class RecordedResource:
    """One registration as the engine hands it to an analyzer.

    `inputs`: the checked inputs `Analyze` receives (references downgraded, `__` keys dropped); `outputs`: the
    planned (preview) or final (update) state `AnalyzeStack` receives, for components what they registered with
    register_outputs. Both are kept serialized (a fraction of a live Struct's memory, which matters at thousands
    of resources), deflated when that makes them smaller (a planned state repeats the unknown sentinel for every
    computed output), and each read returns a fresh Struct.
    """

    __slots__ = (
        "_inputs",
        "_outputs",
        "custom",
        "dependencies",
        "id",
        "name",
        "options",
        "parent",
        "property_dependencies",
        "provider",
        "read",
        "remote",
        "source_file",
        "source_line",
        "type",
        "urn",
    )

    def __init__(
        self,
        urn: str,
        type: str,
        name: str,
        custom: bool,
        parent: str,
        provider: str,
        dependencies: list[str],
        property_dependencies: dict[str, list[str]],
        inputs: struct_pb2.Struct,
        outputs: struct_pb2.Struct,
        id: str = "",
        source_file: str = "",
        source_line: int = 0,
        remote: bool = False,
        read: bool = False,
        options: dict[str, Any] | None = None,
    ) -> None:
        self.urn, self.type, self.name, self.custom = urn, type, name, custom
        self.parent, self.provider = parent, provider
        self.dependencies, self.property_dependencies = dependencies, property_dependencies
        self.inputs, self.outputs = inputs, outputs
        self.id = id
        self.source_file = source_file  # absolute path of the declaring file (SDK sourcePosition), "" unknown
        self.source_line = source_line  # 0 when unknown
        self.remote = remote  # a multi-language component whose children a provider plugin creates
        self.read = read  # a read (`get`, StackReference): in AnalyzeStack's state, never sent to Analyze
        # The resource options an analyzer gets (AnalyzerResourceOptions as JSON, without `parent`): protect,
        # ignoreChanges, deleteBeforeReplace(Defined), additionalSecretOutputs, customTimeouts (seconds).
        self.options = options or {}

    @property
    def inputs(self) -> struct_pb2.Struct:
        return _parse(self._inputs)

    @inputs.setter
    def inputs(self, value: struct_pb2.Struct) -> None:
        self._inputs = _pack(value)

    @property
    def outputs(self) -> struct_pb2.Struct:
        return _parse(self._outputs)

    @outputs.setter
    def outputs(self, value: struct_pb2.Struct) -> None:
        self._outputs = _pack(value)

    def _key(self) -> tuple[Any, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RecordedResource) and self._key() == other._key()

    __hash__ = None  # type: ignore[assignment]  # mutable, as the dataclass it replaces

    def __repr__(self) -> str:
        return f"RecordedResource(urn={self.urn!r}, type={self.type!r}, custom={self.custom!r})"


_DEFLATED = b"\x00"  # never the first byte of a serialized Struct (a field tag is never 0)
_DEFLATE_FROM = 192  # bytes; smaller messages rarely shrink


def _pack(value: struct_pb2.Struct) -> bytes:
    data = value.SerializeToString(deterministic=True)
    if len(data) >= _DEFLATE_FROM:
        deflated = zlib.compress(data, 1)
        if len(deflated) + 1 < len(data):
            return _DEFLATED + deflated
    return data


def _parse(data: bytes) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.ParseFromString(zlib.decompress(data[1:]) if data[:1] == _DEFLATED else data)
    return message


def _shared(text: str) -> str:
    """URNs, types and paths that recur in every record (parent, provider, dependencies) are kept once."""
    return sys.intern(text)


@dataclass
class ProgramRun:
    project: str
    stack: str
    mode: Mode
    region: str
    resources: list[RecordedResource] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    stdout: str = ""
    stderr: str = ""
    unknown_lookups: list[str] = field(default_factory=list)
    remote_components: list[str] = field(default_factory=list)
    interpreter: str = ""

    def exports(self) -> dict[str, Any]:
        """The root stack's outputs (what the program exported), as plain values."""
        stack = next((r for r in self.resources if r.type == STACK_TYPE), None)
        return json_format.MessageToDict(stack.outputs) if stack is not None else {}

    def analyzed(self) -> list[RecordedResource]:
        """The registrations the engine sends to `Analyze`: custom and component resources, the root stack and
        default providers; never reads."""
        return [r for r in self.resources if not r.read]


def _struct(values: dict[str, Any]) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(values)
    return message


def _resource(record: dict[str, Any]) -> RecordedResource:
    return RecordedResource(
        urn=record["urn"],
        type=_shared(record["type"]),
        name=record["name"],
        custom=bool(record["custom"]),
        parent=_shared(record.get("parent", "")),
        provider=_shared(record.get("provider", "")),
        dependencies=[_shared(u) for u in record.get("dependencies", [])],
        property_dependencies={
            _shared(k): [_shared(u) for u in v] for k, v in record.get("propertyDependencies", {}).items()
        },
        inputs=_struct(record.get("inputs") or {}),
        outputs=_struct(record.get("outputs") or {}),
        id=record.get("id", ""),
        source_file=_shared(record.get("sourceFile", "")),
        source_line=int(record.get("sourceLine", 0)),
        remote=bool(record.get("remote", False)),
        read=bool(record.get("read", False)),
        options=record.get("options") or {},
    )


def _job(
    program_dir: Path,
    stack: str,
    mode: Mode,
    config: StackConfig,
    fixtures: Fixtures | None,
    fd: int,
    source_root: Path | None = None,
) -> dict[str, Any]:
    providers = provider_config(config)
    for key in config.secret_keys:  # secrets reach the default provider marked secret, as the engine sends them
        package, _, setting = key.partition(":")
        for owner, name in ((package, setting), *((dynamic, key) for dynamic in DYNAMIC_PROVIDER_PACKAGES)):
            if name in providers.get(owner, {}):
                providers[owner][name] = {wire.SIG_KEY: wire.SECRET_SIG, "value": providers[owner][name]}
    main = config.main.resolve()
    return {
        "fd": fd,
        "project": config.project,
        "stack": stack,
        "mode": mode,
        "region": config.region,
        "root": str(program_dir.resolve()),
        "entry": str(main.parent if main.name == "__main__.py" else main),
        "fixtures": fixtures.to_job() if fixtures else {},
        "providerConfig": providers,
        "sourceRoot": str(source_root.resolve()) if source_root is not None else "",
    }


class _Collector:
    """Turns the shim's records into the ProgramRun, calling `on_resource` for each registration."""

    def __init__(
        self,
        run: ProgramRun,
        on_resource: Callable[[RecordedResource], None] | None,
        masker: Masker | None = None,
        allow_patterns: Sequence[str] = (),
    ) -> None:
        self.run, self.on_resource = run, on_resource
        self.masker, self.allow_patterns = masker, allow_patterns
        self.by_urn: dict[str, RecordedResource] = {}
        self.errors: list[dict[str, Any]] = []
        self.done = False

    def handle(self, line: bytes) -> None:
        record = json.loads(line)
        kind = record.get("kind")
        if self.masker is not None:
            self._learn_secrets(line, record)
        if kind == "resource":
            resource = _resource(record)
            self.run.resources.append(resource)
            self.by_urn[resource.urn] = resource
            if resource.remote:
                self.run.remote_components.append(resource.urn)
            if self.on_resource is not None:
                self.on_resource(resource)
        elif kind == "outputs" and record["urn"] in self.by_urn:
            self.by_urn[record["urn"]].outputs = _struct(record.get("outputs") or {})
        elif kind == "log":
            self.run.warnings.append(record["message"])
        elif kind == "lookup":
            self.run.unknown_lookups.append(record["token"])
        elif kind == "error":
            self.errors.append(record)
        elif kind == "done":
            self.done = True

    def _learn_secrets(self, line: bytes, record: dict[str, Any]) -> None:
        """Secrets the check must never print: invoke arguments marked secret (the shim reports them), values
        marked secret in inputs and outputs, and what lambda-env-no-secrets finds in a function's environment."""
        assert self.masker is not None
        kind = record.get("kind")
        if kind == "secrets":
            self.masker.add(record.get("values") or [])
            return
        if kind not in ("resource", "outputs"):
            return
        if _SECRET_MARK in line:
            self.masker.add_marked(record.get("inputs"))
            self.masker.add_marked(record.get("outputs"))
        if record.get("type") == LAMBDA_FUNCTION and isinstance(record.get("inputs"), dict):
            self.masker.add(lambda_environment_secrets(record["inputs"], self.allow_patterns))


def _describe_exit(code: int) -> str:
    if code == -signal.SIGINT:
        return "was stopped by SIGINT (Ctrl-C)"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        return f"was killed by {name}" + (" (out of memory?)" if code == -signal.SIGKILL else "")
    return f"ended the process with exit status {code} (os._exit, or a crash)"


def run_program(
    program_dir: Path,
    stack: str,
    mode: Mode,
    config: StackConfig,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    fixtures: Fixtures | None = None,
    on_resource: Callable[[RecordedResource], None] | None = None,
    source_root: Path | None = None,
    masker: Masker | None = None,
    allow_patterns: Sequence[str] = (),
) -> ProgramRun:
    """Run the program once in its own process and return what it registered, in registration order.

    Raises ProgramLoadError (no usable interpreter) or ProgramError (the program raised, exited, logged an error,
    called a lookup that cannot be answered in update mode, registered a duplicate URN, or did not finish within
    `timeout` seconds). The child process is always gone when this returns or raises. `source_root`: each
    resource's source is its first stack frame inside this directory (the scanned repository) that is not an
    installed package, else the SDK's source position."""
    program_dir = Path(program_dir)
    interpreter = resolve_interpreter(config.root.resolve(), program_dir.resolve(), config.runtime_options)
    run = ProgramRun(
        project=config.project,
        stack=stack,
        mode=mode,
        region=config.region,
        notes=list(config.notes),
        interpreter=interpreter.python,
    )
    collector = _Collector(run, on_resource, masker, allow_patterns)
    read_fd, write_fd = os.pipe()
    env = interpreter.environ(os.environ)
    env["PULUMI_CONFIG"] = json.dumps(config.values)
    env["PULUMI_CONFIG_SECRET_KEYS"] = json.dumps(config.secret_keys)
    env["PYTHONUNBUFFERED"] = "1"
    env["NETKIT_OFFLINE_PARENT"] = str(os.getpid())
    job = _job(program_dir, stack, mode, config, fixtures, write_fd, source_root)
    # The CLI runs the program in its program directory (Pulumi.yaml's `main` when that is a directory).
    cwd = Path(job["entry"]) if Path(job["entry"]).is_dir() else program_dir.resolve()
    try:
        # The job goes on stdin: it holds config values (secret ones too) that are never written to a file.
        stdin = json.dumps(job, default=str).encode()
        process = ProgramProcess([interpreter.python, "-u", str(SHIM)], cwd, env, (write_fd,), stdin=stdin)
    except OSError as exc:
        os.close(read_fd)
        raise ProgramError(f"cannot start the program's interpreter {interpreter.python}: {exc}") from None
    finally:
        os.close(write_fd)
    try:
        timed_out = _pump(read_fd, collector, time.monotonic() + timeout)
        if timed_out:
            process.kill()
            raise ProgramError(
                f"the program did not finish within the timeout of {timeout:g} seconds (--timeout) and was stopped",
                stdout=process.stdout(),
                stderr=process.stderr(),
            )
        code = process.wait(timeout=30)
    except ProgramError as exc:
        if masker is not None:
            masker.scrub(exc)  # in place: the error is printed, so it carries no secret
        raise
    except BaseException:
        process.kill()
        raise
    finally:
        os.close(read_fd)
    run.stdout, run.stderr = process.stdout(), process.stderr()
    try:
        _raise_for(collector, code, run, config)
    except ProgramError as exc:
        if masker is not None:
            masker.scrub(exc)  # in place: the error is printed, so it carries no secret
        raise
    return run


def _pump(read_fd: int, collector: _Collector, deadline: float) -> bool:
    """Read records until the shim closes the pipe; True when the deadline passed first."""
    buffer = b""
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return True
        ready, _, _ = select.select([read_fd], [], [], min(remaining, 1.0))
        if not ready:
            continue
        chunk = os.read(read_fd, 1 << 16)
        if not chunk:
            return False
        buffer += chunk
        *lines, buffer = buffer.split(b"\n")
        for line in lines:
            if line:
                collector.handle(line)


def _raise_for(collector: _Collector, code: int, run: ProgramRun, config: StackConfig) -> None:
    output = {"stdout": run.stdout, "stderr": run.stderr}
    if collector.errors:
        first = collector.errors[0]
        message = first["message"]
        if first.get("reason") == "log":
            message = f"the program logged an error (pulumi.log.error), which fails a real preview: {message}"
        key = first.get("configKey")
        if isinstance(key, str) and first.get("missing"):
            message += f" (set it in Pulumi.{run.stack}.yaml or with --config {key}=VALUE)"
        elif isinstance(key, str):
            message += f" (its value comes from {config.source_of(key)})"
        raise ProgramError(message, first.get("traceback", ""), hint=first.get("hint", ""), **output)
    if not collector.done:
        raise ProgramError(f"the program {_describe_exit(code)} before it finished", **output)
