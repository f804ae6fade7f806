"""`pip install .` gives a working `netkit` from any directory, with namespaced importable names.

The wheel is built from a clean export of the repository (as `pip install git+<repo>` does) and installed into a
fresh virtualenv. To keep the test fast its third-party dependencies come from the project's `.venv` through a
`.pth` path entry (a plain path entry: the project's editable-install hook in that directory is *not* activated,
so nothing of the repository leaks in); lambda-netkit itself is the real wheel.
"""

from __future__ import annotations

import json
import os
import site
import subprocess
import sys
import textwrap
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

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


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The wheel of the working tree as `git archive` would export it (tracked and new, not ignored, files)."""
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
            target.write_bytes((REPO / name).read_bytes())
    dist = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(dist), str(source)],
        check=True,
        capture_output=True,
        text=True,
    )
    (built,) = dist.glob("lambda_netkit-*.whl")
    return built


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


@pytest.fixture(scope="module")
def installed(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    venv = tmp_path_factory.mktemp("venv") / "env"
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
    yield venv


def _clean_env(venv: Path) -> dict[str, str]:
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
    env = _clean_env(installed)
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


def test_installed_netkit_help(installed: Path, tmp_path: Path) -> None:
    result = subprocess.run(
        [str(installed / "bin" / "netkit"), "--help"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=_clean_env(installed),
    )
    assert result.returncode == 0, result.stderr
    assert "check" in result.stdout and "ephemeral" in result.stdout
