"""Which Python runs a Pulumi program: the one the Python language host would pick from Pulumi.yaml's runtime options.

pulumi/pulumi sdk/python/cmd/pulumi-language-python/main.go `parseOptions` reads `virtualenv` (a string) and
`toolchain` (pip, poetry or uv); sdk/python/toolchain/toolchain.go `ResolveToolchain` picks the toolchain (no
`toolchain` option: uv when a uv.lock is found searching up from the program directory, poetry when a poetry.lock
is, else pip). pip: `virtualenv` resolved against the project root (pip.go resolveVirtualEnvironmentPath), its
`bin/python`; no virtualenv means `PULUMI_PYTHON_CMD`, else `python3`, else `python`, looked up on PATH, with the
environment left as it is (pip.go `Command` -> toolchain.go `CommandPath`): never the interpreter running the check
(a program whose Pulumi.yaml names no virtualenv must find its packages where the CLI would look). uv: the
`virtualenv` option, else `.venv` (or $UV_PROJECT_ENVIRONMENT) next to the nearest uv.lock / pyproject.toml
(uv.go newUv). poetry: `poetry env info --path` (poetry.go). The environment is activated as ActivateVirtualEnv does
(bin first on PATH, VIRTUAL_ENV set, PYTHONHOME removed). Offline, nothing is installed or synced: a missing
environment is an error that says how to create it.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .stack_config import ProgramLoadError

TOOLCHAINS = ("pip", "poetry", "uv")


@dataclass(frozen=True)
class Interpreter:
    python: str
    virtualenv: str = ""  # the activated environment, "" for the ambient interpreter

    def environ(self, base: Mapping[str, str]) -> dict[str, str]:
        """`base` with the virtualenv activated (toolchain.go ActivateVirtualEnv)."""
        env = {k: v for k, v in base.items() if k not in ("PYTHONHOME", "VIRTUAL_ENV")}
        if self.virtualenv:
            env["PATH"] = os.pathsep.join(filter(None, [str(Path(self.virtualenv) / "bin"), env.get("PATH", "")]))
            env["VIRTUAL_ENV"] = self.virtualenv
        return env


def _search_up(start: Path, name: str) -> Path | None:
    for directory in (start, *start.parents):
        if (directory / name).exists():
            return directory
    return None


def _venv(path: Path, option: str, how: str) -> Interpreter:
    python = path / "bin" / "python"
    if not python.exists():
        raise ProgramLoadError(
            f"the virtualenv {option!r} of Pulumi.yaml ({path}) is not a virtual environment (no bin/python); {how}"
        )
    return Interpreter(str(python), str(path))


def ambient_python(environ: Mapping[str, str]) -> Interpreter:
    """The interpreter the language host runs for a project without a virtualenv (toolchain.go CommandPath):
    PULUMI_PYTHON_CMD if set, else `python3`, else `python`, on PATH."""
    names = [environ["PULUMI_PYTHON_CMD"]] if environ.get("PULUMI_PYTHON_CMD") else ["python3", "python"]
    for name in names:
        found = shutil.which(name, path=environ.get("PATH", os.defpath))
        if found:
            return Interpreter(found)
    raise ProgramLoadError(
        f"Pulumi.yaml names no virtualenv and none of {', '.join(names)} is on PATH (the Pulumi CLI would fail "
        "the same way); set runtime.options.virtualenv or PULUMI_PYTHON_CMD"
    )


def resolve_interpreter(root: Path, program_dir: Path, options: Mapping[str, Any]) -> Interpreter:
    """The program's interpreter from Pulumi.yaml `runtime.options`; ProgramLoadError when it cannot be used."""
    virtualenv = options.get("virtualenv", "")
    if not isinstance(virtualenv, str):
        raise ProgramLoadError("Pulumi.yaml: the runtime option `virtualenv` must be a string")
    toolchain = options.get("toolchain", "")
    if toolchain and toolchain not in TOOLCHAINS:
        raise ProgramLoadError(f"Pulumi.yaml: unsupported toolchain option {toolchain!r} (pip, poetry or uv)")
    if not toolchain:
        if _search_up(program_dir, "uv.lock"):
            toolchain = "uv"
        elif _search_up(program_dir, "poetry.lock"):
            toolchain = "poetry"
        else:
            toolchain = "pip"
    if toolchain == "pip":
        if not virtualenv:
            return ambient_python(os.environ)
        path = Path(virtualenv) if os.path.isabs(virtualenv) else root / virtualenv
        return _venv(
            path,
            virtualenv,
            f"create it: python3 -m venv {virtualenv} && {virtualenv}/bin/pip install -r requirements.txt",
        )
    if toolchain == "uv":
        if virtualenv:
            path = Path(virtualenv) if os.path.isabs(virtualenv) else root / virtualenv
        else:
            base = _search_up(program_dir, "uv.lock") or _search_up(program_dir, "pyproject.toml") or root
            path = base / os.environ.get("UV_PROJECT_ENVIRONMENT", ".venv")
        return _venv(path, virtualenv or ".venv", "create it with `uv sync`")
    return _poetry(program_dir)


def _poetry(program_dir: Path) -> Interpreter:
    in_project = program_dir / ".venv"
    if (in_project / "bin" / "python").exists():
        return Interpreter(str(in_project / "bin" / "python"), str(in_project))
    poetry = shutil.which("poetry")
    if poetry is None:
        raise ProgramLoadError(
            "Pulumi.yaml uses the poetry toolchain, but `poetry` is not on PATH (run `poetry install`)"
        )
    try:
        found = subprocess.run(
            [poetry, "env", "info", "--path"], cwd=program_dir, capture_output=True, text=True, timeout=60, check=True
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError) as exc:
        raise ProgramLoadError(f"`poetry env info --path` failed in {program_dir}: {exc}") from None
    return _venv(Path(found), found, "run `poetry install`")
