"""netkit in a user's own project: the wheel installed into a fresh virtualenv inside a temporary project of its own
(not this repository), driven by the commands the README gives.

The project's files and the commands are read from the README's `<!-- user-project: NAME -->` blocks, so what the
README shows is what runs here. Nothing may be written under the virtualenv's site-packages (state, workspaces,
records, a materialized pack): the installed package is shared and replaced by the next install.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests.test_packaging import REPO, build_wheel, clean_env, install_wheel
from tests.test_sarif_upload import check_upload

README = REPO / "README.md"
PROJECT_FILES = ("Pulumi.yaml", "Pulumi.dev.yaml", "__main__.py")
TIMEOUT = 300


def readme_blocks() -> dict[str, str]:
    pattern = re.compile(r"<!-- user-project: (\S+) -->\n```\w*\n(.*?)```", re.S)
    return {m.group(1): m.group(2) for m in pattern.finditer(README.read_text(encoding="utf-8"))}


def readme_commands(block: str) -> list[list[str]]:
    """The command lines of a README block (comments dropped)."""
    return [argv for line in readme_blocks()[block].splitlines() if (argv := shlex.split(line, comments=True))]


@dataclass
class UserProject:
    root: Path
    venv: Path
    site_packages: Path

    def run(self, argv: list[str], **env: str) -> subprocess.CompletedProcess[str]:
        environment = {**clean_env(self.venv), **env}
        return subprocess.run(
            argv, cwd=self.root, capture_output=True, text=True, env=environment, timeout=TIMEOUT, check=False
        )


def files_under(directory: Path) -> dict[str, tuple[int, int]]:
    """Every file below `directory` with its size and modification time."""
    return {
        str(path.relative_to(directory)): (path.stat().st_size, path.stat().st_mtime_ns)
        for path in directory.rglob("*")
        if path.is_file()
    }


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> UserProject:
    root = tmp_path_factory.mktemp("my-service")
    blocks = readme_blocks()
    for name in PROJECT_FILES:
        (root / name).write_text(blocks[name], encoding="utf-8")
    venv = root / "venv"  # inside the project, as the README's Pulumi.yaml names it
    site_packages = install_wheel(build_wheel(tmp_path_factory), venv)
    return UserProject(root, venv, site_packages)


def variant(project: UserProject, tmp_path: Path, old: str, new: str) -> UserProject:
    """The README's program with one change, in a project of its own that shares the installed virtualenv."""
    root = tmp_path / "variant"
    root.mkdir()
    for name in PROJECT_FILES:
        (root / name).write_text((project.root / name).read_text())
    (root / "venv").symlink_to(project.venv)
    main = root / "__main__.py"
    assert old in main.read_text()
    main.write_text(main.read_text().replace(old, new))
    return UserProject(root, project.venv, project.site_packages)


def test_the_readme_project_is_this_tests_project() -> None:
    blocks = readme_blocks()
    assert set(PROJECT_FILES) | {"check", "deploy"} <= set(blocks)
    assert "from lambda_netkit.components.network import LambdaNetwork" in blocks["__main__.py"]
    assert not any("--program" in argv for argv in readme_commands("check")), "the README runs from the project"


def test_the_readme_checks_run_in_the_users_project(project: UserProject) -> None:
    """`netkit check` with no --program, then with --policy-config prod, then with a SARIF file: all pass, and the
    installed package is left exactly as pip wrote it."""
    before = files_under(project.site_packages)
    outputs = []
    for argv in readme_commands("check"):
        result = project.run(argv)
        assert result.returncode == 0, f"{shlex.join(argv)}: {result.stderr}"
        outputs.append(result.stdout)
    assert "stack dev (preview)" in outputs[0] and "PASSED" in outputs[0]
    assert "PASSED" in outputs[1]
    assert files_under(project.site_packages) == before, "netkit wrote into the installed package"
    assert not (project.root / ".netkit").exists()  # the offline check keeps no state
    document = json.loads((project.root / "netkit.sarif").read_text())
    check_upload(document, project.root)


def test_prod_judges_what_dev_only_reports_with_locations_in_the_users_code(
    project: UserProject, tmp_path: Path
) -> None:
    """Two more functions in one AZ, made on one line: `lambda-multi-az` reports each function `VpcFunction`
    creates in site-packages. Both findings point at that line of the user's program, stay two alerts, warn with
    the dev config and fail with prod's."""
    batch = (
        "batch = [VpcFunction(f'batch-{i}', VpcFunctionArgs(vpc_id=network.vpc_id, "
        "subnet_ids=network.lambda_subnet_ids[:1], code=pulumi.AssetArchive({'handler.py': handler}), "
        "reserved_concurrency=5)) for i in range(2)]\n"
    )
    one_az = variant(project, tmp_path, "pulumi.export(", f"{batch}pulumi.export(")
    call_line = 1 + (one_az.root / "__main__.py").read_text().splitlines().index(batch.rstrip("\n"))
    runs = {}
    for config in ("dev", "prod"):
        argv = [
            "venv/bin/netkit",
            "check",
            "--policy-config",
            config,
            "--format",
            "sarif",
            "--output",
            f"{config}.sarif",
        ]
        result = one_az.run(argv)
        assert result.returncode == (0 if config == "dev" else 1), result.stderr
        runs[config] = json.loads((one_az.root / f"{config}.sarif").read_text())
        check_upload(runs[config], one_az.root)
    results = {c: [r for r in d["runs"][0]["results"] if r["ruleId"] == "lambda-multi-az"] for c, d in runs.items()}
    assert len(results["dev"]) == len(results["prod"]) == 2
    for result in results["dev"] + results["prod"]:
        location = result["locations"][0]["physicalLocation"]
        assert location == {"artifactLocation": {"uri": "__main__.py"}, "region": {"startLine": call_line}}
    assert {r["level"] for r in results["dev"]} == {"warning"} and {r["level"] for r in results["prod"]} == {"error"}
    text = one_az.run(["venv/bin/netkit", "check", "--policy-config", "prod"])
    assert f"__main__.py:{call_line}" in text.stdout and "site-packages" not in text.stdout


def test_a_policy_config_that_does_not_exist_is_one_clear_error(project: UserProject) -> None:
    result = project.run(["venv/bin/netkit", "check", "--policy-config", "production"])
    assert result.returncode == 2
    assert result.stderr.strip().splitlines()[-1].startswith("error: policy config production is neither a file")
    assert "dev, prod, staging" in result.stderr


def test_check_outside_a_project_says_where_to_run(project: UserProject, tmp_path: Path) -> None:
    result = subprocess.run(
        [str(project.venv / "bin" / "netkit"), "check"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        env=clean_env(project.venv),
        timeout=TIMEOUT,
    )
    assert result.returncode == 2 and len(result.stderr.splitlines()) == 1
    assert (
        f"no Pulumi program in the current directory {tmp_path}" in result.stderr and "--program DIR" in result.stderr
    )


def test_engine_commands_never_write_into_the_package(project: UserProject, tmp_path: Path) -> None:
    """Without a Pulumi CLI an engine command stops with one line, having written nothing, in the package least."""
    before = files_under(project.site_packages)
    empty = tmp_path / "empty-bin"
    empty.mkdir()
    result = project.run([str(project.venv / "bin" / "netkit"), "preview", "dev"], PATH=str(empty))
    assert result.returncode == 2 and result.stderr.startswith("error: ") and len(result.stderr.splitlines()) == 1
    assert files_under(project.site_packages) == before


def _pulumi_cli() -> str | None:
    built = REPO / ".tools" / "bin" / "pulumi"
    return str(built) if built.is_file() else shutil.which("pulumi")


def test_the_readme_deploy_commands_run_offline(project: UserProject) -> None:
    """`netkit preview dev --offline` and `netkit up dev --offline`: the real CLI with the offline provider, the pack
    shipped with netkit, state in the project's .netkit/, nothing in site-packages."""
    usage = project.run(["venv/bin/netkit", "up", "--help"])
    if "--offline" not in usage.stdout:
        pytest.skip("the installed driver has no --offline yet (the driver's offline lifecycle, branch h/driver)")
    cli = _pulumi_cli()
    if cli is None:
        pytest.skip("no Pulumi CLI: `make pulumi-cli` builds it into .tools/bin")
    before = files_under(project.site_packages)
    env: dict[str, Any] = {
        "PATH": f"{Path(cli).parent}{os.pathsep}{clean_env(project.venv)['PATH']}",
        "PULUMI_CONFIG_PASSPHRASE": "user-project-test",
    }
    said = {}
    for argv in readme_commands("deploy"):
        result = project.run(argv, **env)
        assert result.returncode == 0, f"{shlex.join(argv)}:\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        said[argv[1]] = result.stdout
    assert re.search(r"lambda-netkit@v\S+ \(local: ", said["preview"]), "the shipped pack was attached"
    assert "gate" in said["up"] and re.search(r"\+ \d+ created", said["up"]), said["up"][-2000:]
    assert files_under(project.site_packages) == before, "netkit wrote into the installed package"
    assert (project.root / ".netkit").is_dir(), "the state lives in the project"


# Documents the README links to that other work writes; each must exist once its branch is merged.
PENDING_DOCS = {"docs/engine-fidelity.md"}


def test_readme_links_resolve() -> None:
    text = README.read_text(encoding="utf-8")
    anchors = {
        re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")
        for heading in re.findall(r"^#+ (.+)$", text, re.M)
    }
    assert {a for a in re.findall(r"\]\(#([^)]+)\)", text)} <= anchors
    files = set(re.findall(r"\]\(((?:docs/|LICENSE)[^)#]*)\)", text))
    assert "docs/offline-check.md" in files
    missing = {f for f in files if not (REPO / f).exists()} - PENDING_DOCS
    assert not missing, f"README links to files that do not exist: {sorted(missing)}"
    assert not re.search(r"DESIGN\.md|\bseeds?\b|\bissue \d", text, re.I), "a reference a user's clone cannot follow"


# --- where a run's program, pack, config and state come from (automation/project.py), in process ----------------
def test_the_program_is_the_current_directory_and_state_stays_in_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from automation.project import ProjectError, project_from

    (tmp_path / "Pulumi.yaml").write_text("name: p\nruntime: python\n")
    monkeypatch.chdir(tmp_path)
    project = project_from(None)
    assert project.program == tmp_path.resolve()
    assert project.state_dir == tmp_path.resolve() / ".netkit"
    assert project.default_backend == f"file://{tmp_path.resolve()}/.netkit/state"
    elsewhere = tmp_path / "sub"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    with pytest.raises(ProjectError, match=r"no Pulumi project in .*--program DIR"):
        project_from(None)
    assert project_from(tmp_path).program == tmp_path.resolve()
    with pytest.raises(ProjectError, match=r"policy pack .* is not a directory"):
        project_from(tmp_path, policy_pack=tmp_path / "nope")


def test_a_program_inside_site_packages_is_refused(tmp_path: Path) -> None:
    import sysconfig

    from automation.project import Project, ProjectError

    inside = Project(Path(sysconfig.get_paths()["purelib"]) / "lambda_netkit")
    with pytest.raises(ProjectError, match="inside the Python installation"):
        inside.check_writable_places()
    Project(tmp_path).check_writable_places()


def test_policy_config_names_files_and_the_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from automation.project import Project, ProjectError, policy_config_path, required_policy_config

    pack = REPO / "policies"
    assert policy_config_path("prod", pack, "dev") == pack / "config" / "prod.json"
    assert policy_config_path(None, pack, "staging") == pack / "config" / "staging.json"
    assert policy_config_path(None, pack, "feature-42") is None  # check: the pack's defaults, said in the report
    own = tmp_path / "strict.json"
    own.write_text("{}")
    assert policy_config_path(str(own), pack, "dev") == own
    monkeypatch.chdir(tmp_path)
    (tmp_path / "prod").write_text("{}")
    assert policy_config_path("prod", pack, "dev") == pack / "config" / "prod.json"  # a shipped name wins
    assert policy_config_path("./prod", pack, "dev") == Path("./prod")
    with pytest.raises(ProjectError, match=r"neither a file nor a config the pack ships \(dev, prod, staging\)"):
        policy_config_path("production", pack, "dev")
    with pytest.raises(ProjectError, match=r"no policy config for environment 'feature-42'.*--policy-config"):
        required_policy_config(Project(tmp_path), pack, "feature-42")
    assert required_policy_config(Project(tmp_path, None, "prod"), pack, "feature-42") == pack / "config" / "prod.json"


def test_the_pack_for_a_run_is_never_written_into_the_package(tmp_path: Path) -> None:
    from automation.project import Project, pack_for_run

    with pack_for_run(Project(tmp_path, policy_pack=tmp_path)) as chosen:
        assert chosen == tmp_path
    with pack_for_run(Project(tmp_path)) as default:
        assert (default / "PulumiPolicy.yaml").is_file()  # in a checkout: policies/
