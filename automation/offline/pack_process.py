"""Start a Python policy pack exactly as the Pulumi CLI does, and stop it whatever happens.

What the CLI does (pulumi/pulumi, read for this module):
- `pkg/resource/plugin/analyzer_plugin.go` (NewPolicyAnalyzer) loads `PulumiPolicy.yaml` and, since a `python`
  language plugin exists, runs the pack through the language host's `RunPlugin`; right after start it calls
  `ConfigureStack` (stack, project, organization, dry_run, config, config_secret_keys, tags).
- `sdk/python/cmd/pulumi-language-python/main.go` (RunPlugin, kind analyzer): the interpreter comes from the
  runtime options (`parseOptions`: `virtualenv`, `toolchain`; no default `venv` for analyzers), the command line is
  `<python> -u -m pulumi.policy <engine address> <pack dir>`, the working directory is the pack directory, and a
  `PolicyProxy` (`sdk/policy_proxy.go`) waits for `ConfigureStack` before it starts the pack so it can set
  `PULUMI_ORGANIZATION`, `PULUMI_PROJECT`, `PULUMI_STACK`, `PULUMI_DRY_RUN` and `PULUMI_CONFIG` (the stack's
  decrypted config as a JSON object of strings) in the pack's environment; then it forwards `ConfigureStack`.
- `sdk/python/toolchain/pip.go`: a relative `virtualenv` is joined to the pack directory; without one the command is
  `PULUMI_PYTHON_CMD`, else `python3`, else `python` from PATH; a virtualenv is "activated" (`toolchain.go`
  ActivateVirtualEnv: its bin first on PATH, `VIRTUAL_ENV` set, `PYTHONHOME` dropped); a missing one is the error
  of `NewVirtualEnvError` with the commands that create it. `uv.go`: without `virtualenv`, `.venv` next to the
  nearest `uv.lock`/`pyproject.toml` (or `UV_PROJECT_ENVIRONMENT`). `poetry.go`: `poetry env info --path`.

We are engine and proxy at once: the stack is known before the start, so the environment is set at launch and
`ConfigureStack` is the first call. The pack runs in its own process group with a parent-death signal, so neither a
crash of ours nor a signal leaves it running.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import subprocess
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import grpc

from ..parent_death import with_parent_death_signal
from .files import parse_yaml, read_text
from .protos import analyzer_pb2, analyzer_pb2_grpc

MANIFEST = "PulumiPolicy.yaml"
ENGINE_ADDRESS = "127.0.0.1:0"  # pulumi-policy parses the engine address but never dials it
_MAX_MESSAGE = 1024 * 1024 * 400


class PolicyPackError(Exception):
    """The pack could not be started, configured or run; the message says why (with its stderr)."""


@dataclass(frozen=True)
class StackInfo:
    """What the CLI hands a pack about the stack: the environment variables and the `ConfigureStack` request."""

    project: str
    stack: str
    dry_run: bool
    config: Mapping[str, str] = field(default_factory=dict)
    secret_keys: tuple[str, ...] = ()
    tags: Mapping[str, str] = field(default_factory=dict)
    organization: str = "organization"  # what a DIY backend reports

    def environment(self) -> dict[str, str]:
        """As RunPlugin's `maybeAppendEnv`: only non-empty values, PULUMI_CONFIG as a JSON object of strings."""
        import json

        values = {
            "PULUMI_ORGANIZATION": self.organization,
            "PULUMI_PROJECT": self.project,
            "PULUMI_STACK": self.stack,
            "PULUMI_DRY_RUN": "true" if self.dry_run else "false",
            "PULUMI_CONFIG": json.dumps(dict(self.config), sort_keys=True),
        }
        return {k: v for k, v in values.items() if v}

    def configure_request(self) -> Any:
        return analyzer_pb2.AnalyzerStackConfigureRequest(
            stack=self.stack,
            project=self.project,
            organization=self.organization,
            dry_run=self.dry_run,
            config=dict(self.config),
            config_secret_keys=list(self.secret_keys),
            tags=dict(self.tags),
        )


@dataclass(frozen=True)
class PackLaunch:
    """How the CLI would start the pack in `pack_dir`: interpreter, environment changes, version."""

    pack_dir: Path
    python: str
    version: str
    description: str
    virtualenv: Path | None = None

    def argv(self, engine_address: str = ENGINE_ADDRESS) -> list[str]:
        return [self.python, "-u", "-m", "pulumi.policy", engine_address, str(self.pack_dir)]

    def environment(self, base: Mapping[str, str], stack: StackInfo | None) -> dict[str, str]:
        env = dict(base)
        if self.virtualenv is not None:  # toolchain.ActivateVirtualEnv
            env.pop("PYTHONHOME", None)
            env["PATH"] = os.pathsep.join(p for p in (str(self.virtualenv / "bin"), env.get("PATH", "")) if p)
            env["VIRTUAL_ENV"] = str(self.virtualenv)
        for key in ("PULUMI_CONFIG", "PULUMI_ORGANIZATION", "PULUMI_PROJECT", "PULUMI_STACK", "PULUMI_DRY_RUN"):
            env.pop(key, None)
        if stack is not None:
            env.update(stack.environment())
        return env


def read_manifest(pack_dir: Path) -> dict[str, Any]:
    """PulumiPolicy.yaml as a mapping; any problem with it is one clear PolicyPackError."""
    manifest = pack_dir / MANIFEST
    if pack_dir.exists() and not pack_dir.is_dir():
        raise PolicyPackError(f"policy pack {pack_dir} is a file; pass the directory holding {MANIFEST}")
    if not pack_dir.is_dir():
        raise PolicyPackError(f"policy pack directory {pack_dir} does not exist")
    if not manifest.is_file():
        raise PolicyPackError(f"no policy pack in {pack_dir}: {MANIFEST} is missing")
    data = parse_yaml(read_text(manifest, PolicyPackError), str(manifest), PolicyPackError)  # line and column
    if not isinstance(data, dict):
        raise PolicyPackError(f"{manifest} must hold a mapping (runtime, version, description)")
    return data


def runtime_options(manifest: Mapping[str, Any], where: Path) -> dict[str, Any]:
    """`runtime: python` or `runtime: {name: python, options: {...}}`, as workspace.ProjectRuntimeInfo reads it."""
    runtime = manifest.get("runtime")
    name: Any
    options: Any
    if isinstance(runtime, str):
        name, options = runtime, {}
    elif isinstance(runtime, dict):
        name, options = runtime.get("name"), runtime.get("options") or {}
    else:
        raise PolicyPackError(f"{where}: `runtime` must be `python` or a mapping with `name` and `options`")
    if name != "python":
        raise PolicyPackError(f"{where}: runtime {name!r} is not supported by the offline check (python only)")
    if not isinstance(options, dict):
        raise PolicyPackError(f"{where}: `runtime.options` must be a mapping")
    for key in ("virtualenv", "toolchain"):
        if key in options and not isinstance(options[key], str):
            raise PolicyPackError(f"{where}: the {key} option must be a string")  # parseOptions' own message
    if options.get("toolchain", "pip") not in ("pip", "poetry", "uv"):
        raise PolicyPackError(f"{where}: unsupported toolchain option (pip, poetry or uv)")
    return options


def _is_virtualenv(path: Path) -> bool:
    return (path / "bin" / "python").is_file()  # toolchain.IsVirtualEnv


def _missing_virtualenv(option: str, path: Path, pack_dir: Path) -> PolicyPackError:
    """toolchain.NewVirtualEnvError, with the commands that create it (never a silent fallback)."""
    state = "does not exist" if not path.exists() else "is not a virtual environment"
    python = path / "bin" / "python"
    requirements = pack_dir / "requirements.txt"
    return PolicyPackError(
        f"the policy pack's {MANIFEST} names virtualenv {option!r}, but {path} {state}; create it with: "
        f"python3 -m venv {path} && {python} -m pip install -r {requirements}"
    )


def _search_up(start: Path, names: tuple[str, ...]) -> Path | None:
    for directory in (start, *start.parents):
        if any((directory / n).exists() for n in names):
            return directory
    return None


def resolve_launch(pack_dir: Path, environ: Mapping[str, str] | None = None) -> PackLaunch:
    """The interpreter the CLI would start the pack with (see the module docstring for the sources)."""
    environ = os.environ if environ is None else environ
    pack_dir = pack_dir.resolve()
    manifest = read_manifest(pack_dir)
    where = pack_dir / MANIFEST
    options = runtime_options(manifest, where)
    version = str(manifest.get("version") or "")
    description = str(manifest.get("description") or "")
    toolchain = options.get("toolchain", "pip")
    option = options.get("virtualenv")
    if toolchain == "poetry":
        poetry = shutil.which("poetry", path=environ.get("PATH"))
        if poetry is None:
            raise PolicyPackError(f"{where} uses the poetry toolchain, but `poetry` is not on PATH")
        found = subprocess.run(
            [poetry, "env", "info", "--path"], cwd=pack_dir, capture_output=True, text=True, timeout=60, check=False
        )
        venv = Path(found.stdout.strip()) if found.returncode == 0 and found.stdout.strip() else None
        if venv is None or not _is_virtualenv(venv):
            raise PolicyPackError(f"{where} uses the poetry toolchain, but it has no environment; run `poetry install`")
        return PackLaunch(pack_dir, str(venv / "bin" / "python"), version, description, venv)
    if toolchain == "uv" and not option:
        project = _search_up(pack_dir, ("uv.lock", "pyproject.toml")) or pack_dir
        uv_env = environ.get("UV_PROJECT_ENVIRONMENT")
        venv = (project / uv_env) if uv_env else project / ".venv"
        if not _is_virtualenv(venv):
            raise PolicyPackError(f"{where} uses the uv toolchain, but {venv} is not a virtualenv; run `uv sync`")
        return PackLaunch(pack_dir, str(venv / "bin" / "python"), version, description, venv)
    if option:
        # filepath.Join cleans lexically; symlinks are not resolved (bin/python must stay inside the venv).
        venv = Path(os.path.normpath(option if Path(option).is_absolute() else pack_dir / option))
        if not _is_virtualenv(venv):
            raise _missing_virtualenv(option, venv, pack_dir)
        return PackLaunch(pack_dir, str(venv / "bin" / "python"), version, description, venv)
    names = [environ["PULUMI_PYTHON_CMD"]] if environ.get("PULUMI_PYTHON_CMD") else ["python3", "python"]
    for name in names:
        found_python = shutil.which(name, path=environ.get("PATH"))
        if found_python:
            return PackLaunch(pack_dir, found_python, version, description)
    raise PolicyPackError(f"{where} names no virtualenv and no {' or '.join(names)} is on PATH")


def stop_process_group(process: subprocess.Popen[Any], grace: float = 5.0) -> None:
    """SIGTERM to the whole group, then SIGKILL; the pack never outlives the check."""
    if process.poll() is not None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)  # stray grandchildren of a pack that exited
        return
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(process.pid, signal.SIGKILL)
        process.wait()


class PolicyPackProcess:
    """A running policy pack and a gRPC stub to it. Use as a context manager: the process always stops.

    `stack` given: the environment is set as RunPlugin sets it and `ConfigureStack` is sent before anything else.
    """

    def __init__(
        self,
        pack_dir: Path,
        stack: StackInfo | None = None,
        start_timeout: float = 60.0,
        call_timeout: float = 120.0,
        launch: PackLaunch | None = None,
    ) -> None:
        self.launch = launch or resolve_launch(Path(pack_dir))
        self.pack_dir = self.launch.pack_dir
        self.start_timeout, self.call_timeout = start_timeout, call_timeout
        self.stack = stack
        self._stderr: list[str] = []
        self._stdout: list[str] = []
        self.channel: grpc.Channel | None = None
        try:
            self.process = subprocess.Popen(
                with_parent_death_signal(self.launch.python, self.launch.argv()),
                cwd=self.pack_dir,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                stdin=subprocess.DEVNULL,
                env=self.launch.environment(os.environ, stack),
                text=True,
                errors="replace",
                process_group=0,  # its own group, as cmdutil.RegisterProcessGroup does for plugins
            )
        except OSError as exc:
            raise PolicyPackError(f"cannot start the policy pack with {self.launch.python}: {exc.strerror}") from None
        self._drainers = [
            threading.Thread(target=self._drain, args=(self.process.stderr, self._stderr), daemon=True),
        ]
        self._drainers[0].start()
        try:
            port = self._read_port()
            out = threading.Thread(target=self._drain, args=(self.process.stdout, self._stdout), daemon=True)
            out.start()
            self._drainers.append(out)
            self.channel = grpc.insecure_channel(
                f"127.0.0.1:{port}",
                options=[
                    ("grpc.max_receive_message_length", _MAX_MESSAGE),
                    ("grpc.max_send_message_length", _MAX_MESSAGE),
                ],
            )
            try:
                grpc.channel_ready_future(self.channel).result(timeout=self.start_timeout)
            except grpc.FutureTimeoutError:
                raise PolicyPackError(
                    f"policy pack {self.pack_dir} printed port {port} but serves nothing there "
                    f"(no gRPC within {self.start_timeout:.0f}s)"
                ) from None
            self.stub = analyzer_pb2_grpc.AnalyzerStub(self.channel)
            if stack is not None:
                self.configure_stack(stack)
        except BaseException:
            self.close()
            raise

    @staticmethod
    def _drain(stream: Any, sink: list[str]) -> None:
        try:
            for line in stream:
                sink.append(line)
                del sink[:-200]
        except (ValueError, OSError):  # closed while reading: the process is gone
            return

    def stderr(self) -> str:
        return "".join(self._stderr[-40:]).strip()

    def _with_stderr(self, message: str) -> str:
        tail = self.stderr()
        return f"{message}\n{tail}" if tail else message

    def _read_port(self) -> int:
        result: list[str] = []
        assert self.process.stdout is not None
        stdout = self.process.stdout
        reader = threading.Thread(target=lambda: result.append(stdout.readline()), daemon=True)
        reader.start()
        reader.join(self.start_timeout)
        if not result:
            raise PolicyPackError(
                self._with_stderr(
                    f"policy pack {self.pack_dir} printed no port within {self.start_timeout:.0f}s; it hangs while "
                    "starting"
                )
            )
        line = result[0].strip()
        if line.isdigit() and 0 < int(line) < 65536:
            return int(line)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(timeout=2)
        if self.process.poll() is not None:
            self._drainers[0].join(timeout=5)  # all of its stderr, before we quote it
        if not line:
            status = self.process.poll()
            return_code = "still running" if status is None else f"exit {status}"
            raise PolicyPackError(self._with_stderr(f"policy pack {self.pack_dir} failed to start ({return_code})"))
        shown = line[:80] + ("..." if len(line) > 80 else "")
        raise PolicyPackError(
            self._with_stderr(f"policy pack {self.pack_dir} printed {shown!r} where the CLI expects its port number")
        )

    def call(self, method: str, request: Any) -> Any:
        try:
            return getattr(self.stub, method)(request, timeout=self.call_timeout)
        except grpc.RpcError as exc:
            detail = exc.details() if hasattr(exc, "details") else str(exc)
            code = exc.code().name if hasattr(exc, "code") else "UNKNOWN"
            if code == "DEADLINE_EXCEEDED":
                detail = f"no answer within {self.call_timeout:.0f}s (the pack hangs)"
            elif code == "UNAVAILABLE" and self.process.poll() is not None:
                self._drainers[0].join(timeout=5)
                detail = f"the pack exited ({self.process.returncode})"
            raise PolicyPackError(self._with_stderr(f"policy pack {method} failed ({code}): {detail}")) from None

    def configure_stack(self, stack: StackInfo) -> None:
        """First call, as the PolicyProxy forwards it; an analyzer without it (Unimplemented) is fine."""
        try:
            self.stub.ConfigureStack(stack.configure_request(), timeout=self.call_timeout)
        except grpc.RpcError as exc:
            if hasattr(exc, "code") and exc.code() == grpc.StatusCode.UNIMPLEMENTED:
                return
            raise PolicyPackError(
                self._with_stderr(
                    f"policy pack ConfigureStack failed: {exc.details() if hasattr(exc, 'details') else exc}"
                )
            ) from None

    def close(self) -> None:
        if self.channel is not None:
            self.channel.close()
            self.channel = None
        stop_process_group(self.process)
        for drainer in self._drainers:
            drainer.join(timeout=5)
        for stream in (self.process.stdout, self.process.stderr):
            if stream is not None:
                with contextlib.suppress(OSError, ValueError):
                    stream.close()

    def __enter__(self) -> PolicyPackProcess:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
