"""`pip install .` gives a working `netkit` from any directory, with namespaced importable names.

The wheel is built from a clean export of the repository (as `pip install git+<repo>` does) and installed into a
fresh virtualenv. To keep the test fast its third-party dependencies come from the project's `.venv` through a
`.pth` path entry (a plain path entry: the project's editable-install hook in that directory is *not* activated,
so nothing of the repository leaks in); lambda-netkit itself is the real wheel.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import site
import subprocess
import sys
import textwrap
import tomllib
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from automation.cli import build_parser
from tests.conftest import write_program

REPO = Path(__file__).resolve().parent.parent
GENERIC_TOP_LEVEL = {"components", "policies", "automation", "app", "tests", "benchmarks"}


def _tracked_sources(*roots: str) -> set[str]:
    out = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", *roots],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {line for line in out.splitlines() if line.endswith(".py") and "/tests/" not in f"/{line}"}


def build_wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel of the working tree as `git archive` would export it (tracked and new, not ignored, files), built
    once per test session (test_user_project.py installs the same one)."""
    dist = tmp_path_factory.getbasetemp() / "netkit-wheel"
    built = sorted(dist.glob("lambda_netkit-*.whl"))
    if built:
        return built[0]
    source = tmp_path_factory.mktemp("source")
    files = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    for name in files:
        if (REPO / name).is_file():
            target = source / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, target)  # modes too: git archive keeps the executable bit
    staging = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(staging), str(source)],
        check=True,
        capture_output=True,
        text=True,
    )
    (wheel_file,) = staging.glob("lambda_netkit-*.whl")
    dist.mkdir(exist_ok=True)
    return Path(shutil.copy2(wheel_file, dist / wheel_file.name))


def install_wheel(wheel: Path, venv: Path) -> Path:
    """A fresh virtualenv at `venv` with the wheel installed; returns its site-packages. Third-party dependencies
    come from the project's `.venv` through a `.pth` path entry (a plain path entry: the project's editable-install
    hook there is *not* activated, so nothing of the repository leaks in)."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    purelib = subprocess.run(
        [str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    (Path(purelib) / "netkit_test_deps.pth").write_text("\n".join(site.getsitepackages()) + "\n")
    subprocess.run(
        [sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--quiet", str(wheel)],
        check=True,
        capture_output=True,
        text=True,
    )
    return Path(purelib)


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_wheel(tmp_path_factory)


def test_wheel_holds_every_module_under_namespaced_names(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
        top_level = {n.split("/")[0] for n in names if not n.endswith(".dist-info/") and "/" in n}
    assert not (top_level & GENERIC_TOP_LEVEL), top_level
    expected = set()
    for path in _tracked_sources("components", "automation"):
        expected.add(f"lambda_netkit/{path}")
    for path in _tracked_sources("policies/netkit_core"):
        expected.add(path.removeprefix("policies/"))
    missing = sorted(expected - names)
    assert not missing, f"modules missing from the wheel (add their package to pyproject.toml): {missing}"
    pack_files = {"PulumiPolicy.yaml", "requirements.txt", "__main__.py", "config/prod.json"}
    assert {f"lambda_netkit/policy_pack/{f}" for f in pack_files} <= names
    with zipfile.ZipFile(wheel) as archive:  # the CLI runs this script as the pack's analyzer plugin
        analyzer = archive.getinfo("lambda_netkit/automation/real_engine/pulumi-analyzer-policy-python")
    assert (analyzer.external_attr >> 16) & 0o111, "the analyzer script lost its executable bit"


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    venv = tmp_path_factory.mktemp("venv") / "env"
    install_wheel(wheel, venv)
    yield venv


def clean_env(venv: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    return env


def test_installed_netkit_runs_from_another_directory(installed: Path, tmp_path: Path) -> None:
    program = write_program(
        tmp_path / "user-program",
        """
        import pulumi
        import pulumi_aws as aws
        from components.naming import bucket_name  # the program's own `components` package, not ours

        aws.s3.Bucket("data", bucket=bucket_name())
        """,
    )
    (program / "components").unlink()  # write_program links ours; this program has its own
    (program / "components").mkdir()
    (program / "components" / "__init__.py").write_text("")
    (program / "components" / "naming.py").write_text(
        textwrap.dedent(
            """
            def bucket_name() -> str:
                return "user-data"
            """
        )
    )
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    env = clean_env(installed)
    result = subprocess.run(
        [str(installed / "bin" / "netkit"), "check", "test", "--program", str(program), "--format", "json"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        env=env,
        timeout=300,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["passed"] is True
    assert any(r["type"] == "aws:s3/bucket:Bucket" for r in report["resources"])
    imported = subprocess.run(
        [str(installed / "bin" / "python"), "-c", "import lambda_netkit.components.network, netkit_core.rules"],
        cwd=elsewhere,
        capture_output=True,
        text=True,
        env=env,
    )
    assert imported.returncode == 0, imported.stderr


def test_every_installed_module_imports_under_its_installed_name(installed: Path, wheel: Path, tmp_path: Path) -> None:
    """An absolute `import automation...` works in a checkout and nowhere else: every module of the wheel must import
    by its installed name in the installed environment, from a directory unrelated to the repository."""
    with zipfile.ZipFile(wheel) as archive:
        modules = sorted(
            name.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
            for name in archive.namelist()
            if name.endswith(".py") and "/shim/" not in name and not name.endswith("__main__.py")
        )
    script = "import importlib, sys\nfor name in sys.argv[1:]:\n    importlib.import_module(name)\n"
    result = subprocess.run(
        [str(installed / "bin" / "python"), "-c", script, *modules],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=clean_env(installed),
        timeout=300,
    )
    assert result.returncode == 0, result.stderr[-2000:]


def test_installed_netkit_help_and_version(installed: Path, tmp_path: Path) -> None:
    netkit = str(installed / "bin" / "netkit")
    result = subprocess.run([netkit, "--help"], cwd=tmp_path, capture_output=True, text=True, env=clean_env(installed))
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("usage: netkit ") and "check" in result.stdout and "ephemeral" in result.stdout
    assert "python -m automation" not in result.stdout
    version = subprocess.run([netkit, "--version"], capture_output=True, text=True, env=clean_env(installed))
    assert version.returncode == 0 and version.stdout.strip() == f"netkit {_pyproject()['project']['version']}"
    wrong = subprocess.run([netkit, "check", "--frobnicate"], capture_output=True, text=True, env=clean_env(installed))
    assert wrong.returncode == 2 and wrong.stderr.splitlines()[-1].endswith("(see netkit check --help)")


def _pyproject() -> dict[str, Any]:
    return tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))


def _subparsers(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for action in parser._actions:
        if isinstance(action, argparse._SubParsersAction):
            for name, child in action.choices.items():
                yield (*path, name)
                yield from _subparsers(child, (*path, name))


def _options(argv: tuple[str, ...]) -> dict[str, str]:
    """Option string -> help text of one (sub)command, as its --help lists them."""
    parser: argparse.ArgumentParser = build_parser()
    for name in argv:
        sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        parser = sub.choices[name]
    return {
        option: action.help or ""
        for action in parser._actions
        for option in action.option_strings
        if option.startswith("--") and option not in ("--help", "--version")
    }


def test_every_option_of_every_command_is_described() -> None:
    commands = list(_subparsers(build_parser()))
    assert ("check",) in commands and ("ephemeral", "run") in commands and ("aws", "cleanup") in commands
    for argv in commands:
        for option, text in _options(argv).items():
            assert len(text) > 10, f"netkit {' '.join(argv)} {option} has no description"


def test_each_command_lists_only_the_options_it_uses() -> None:
    program = {"--program"}
    policy = {"--policy-pack", "--policy-config"}
    teardown = {"--eni-timeout", "--parking-security-group", "--region"}
    assert program | policy | {"--sarif-category", "--fixtures"} <= set(_options(("check",)))
    assert not {"--backend", "--skip-gate", "--eni-timeout"} & set(_options(("check",)))
    assert program | policy <= set(_options(("preview",))) and not (teardown | {"--skip-gate"}) & set(
        _options(("preview",))
    )
    assert program | policy | {"--skip-gate"} <= set(_options(("up",))) and not teardown & set(_options(("up",)))
    assert program | teardown <= set(_options(("destroy",))) and not (policy | {"--skip-gate"}) & set(
        _options(("destroy",))
    )
    assert program | policy | teardown | {"--skip-gate"} <= set(_options(("ephemeral", "run")))
    assert not (policy | teardown) & set(_options(("ephemeral", "create")))
    assert program | teardown <= set(_options(("reap",))) and "--outputs-file" not in _options(("reap",))
    assert not program & set(_options(("aws", "verify")))  # boto3 on a deployed stack: no program involved


def test_the_pins_the_pack_relies_on_are_exact_where_users_install() -> None:
    """pip installs lambda-netkit's own dependencies, not policies/requirements.txt: the pack's exact pins must be
    the distribution's too (the pack subclasses pulumi-policy's private servicer)."""
    pack_pins = {}
    for line in (REPO / "policies" / "requirements.txt").read_text().splitlines():
        name, sep, pinned = line.partition("==")
        if sep:
            pack_pins[name.strip()] = pinned.strip()
    declared = {}
    for requirement in _pyproject()["project"]["dependencies"]:
        name, sep, pinned = requirement.partition("==")
        declared[name.strip()] = pinned.strip() if sep else None
    for name in ("pulumi-policy", "detect-secrets"):
        assert declared[name] == pack_pins[name], f"{name}: pyproject {declared[name]}, pack {pack_pins[name]}"
    assert _pyproject()["project"]["license"] == "Apache-2.0"
    assert "Apache License" in (REPO / "LICENSE").read_text() and "Version 2.0" in (REPO / "LICENSE").read_text()
