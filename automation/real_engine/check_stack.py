"""A throwaway world for one check under the real Pulumi CLI: nothing of the user's Pulumi state is read or written.

- A private scratch directory (0700) holds a local `file://` backend, a `PULUMI_HOME` whose plugin cache has the
  offline provider registered under the exact versions the program's packages request (offline_provider/plugins.py),
  the engine's gRPC log (check_log.py) and the stack's config file; it is deleted afterwards.
- A fresh passphrase per check (`PULUMI_CONFIG_PASSPHRASE`; a `PULUMI_CONFIG_PASSPHRASE_FILE` of the user's is
  blanked) encrypts the secure config values.
- Plugins are never downloaded (`PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION`). Where the engine looks for a
  provider (sdk/go/common/workspace/plugins.go getPluginInfoAndPath): a `pulumi-resource-<name>` on PATH first
  ("ambient"), then one bundled next to the CLI, then the plugin cache. The bundled one matters: the CLI ships
  `pulumi-resource-pulumi-python`, the provider of Pulumi *dynamic* resources, which runs the program's own provider
  code (this repository's Hyperplane-EIP association calls EC2 and Lambda in `create`). So a scratch `bin` directory
  goes first on PATH with the offline provider's launcher under the name of every package the program requests and
  of `pulumi-python`: nothing the program uses reaches a network or a user's own plugin. The engine warns that it
  uses an ambient plugin in place of the bundled one (AMBIENT_WARNING): our doing, not the program's.

The stack config: the secure values of `Pulumi.<stack>.yaml` are encrypted with a key we do not have, so, as in the
offline check, each becomes a placeholder (offline/stack_config.py SECRET_PLACEHOLDER) set as a secret with the
throwaway passphrase; every other value is copied as it is written (structured values stay structured); `--config`
pairs are set as `pulumi preview -c` sets them (plain strings).

The CLI never runs in the program's directory: `pulumi up` writes the passphrase's `encryptionsalt` into the
`Pulumi.<stack>.yaml` of its working directory even when `--config-file` names another file (seen with v3.274.0:
the user's stack file gained an `encryptionsalt` line; the next run failed with "decrypting secrets: incorrect
passphrase"). So the CLI works in a scratch project directory: a copy of Pulumi.yaml, the throwaway stack file,
and a symlink to every other entry of the program directory (relative asset paths, a `main` subdirectory, files the
program reads resolve as they would there). The program itself is served from its own directory (program_host.py).
"""

from __future__ import annotations

import secrets
import shutil
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from pulumi import automation as auto

from ..offline.files import load_yaml_mapping
from ..offline.stack_config import ProgramLoadError, StackConfig, parse_key
from ..offline_provider.plugins import (
    DYNAMIC_VERSION,
    PluginError,
    install_offline_plugins,
    launcher_text,
    required_packages,
)
from ..offline_provider.server import FIXTURES_ENV
from ..provider_model.planned_state import DYNAMIC_PACKAGE
from .tools import policy_pack_executable, real_engine_env

AMBIENT_WARNING = "from $PATH at"  # "using pulumi-resource-<name> from $PATH at <path> expected <bundled>"


class SandboxError(Exception):
    """The throwaway world could not be set up (plugins, stack, config); one line saying what failed."""


@dataclass
class Sandbox:
    root: Path
    home: Path
    env: dict[str, str]  # for every CLI call of this check
    engine_log: Path
    pack: Path | None  # the policy pack as the executable analyzer the CLI launches
    cli: Path  # the CLI as this check runs it (a link beside the offline provider's launchers)


@contextmanager
def sandbox(cli: Path, program_python: str, pack_dir: Path | None, fixtures: Path | None) -> Iterator[Sandbox]:
    """The scratch world (see the module docstring); always deleted on the way out."""
    root = Path(tempfile.mkdtemp(prefix="netkit-engine-"))
    try:
        home, state = root / "home", root / "state"
        home.mkdir()
        state.mkdir()
        try:
            packages = required_packages(program_python)
            # The provider runs on the program's interpreter, as the offline engine's shim does: the SDKs of the
            # program's packages (whose types say which outputs a provider computes) are installed there.
            install_offline_plugins(home, packages, program_python)
        except PluginError as exc:
            raise SandboxError(f"cannot register the offline provider: {exc}") from None
        ambient = root / "bin"
        ambient.mkdir()
        for name, version in [*packages, (DYNAMIC_PACKAGE, DYNAMIC_VERSION)]:
            launcher = ambient / f"pulumi-resource-{name}"
            launcher.write_text(launcher_text(name, version, program_python), encoding="utf-8")
            launcher.chmod(0o755)
        # The CLI is run through a link in the same directory: whoever starts it puts the CLI's directory first on
        # PATH (the Automation API's _fixup_path, driver/command.py), and that must be this one, not .tools/bin with
        # its bundled pulumi-resource-pulumi-python. The CLI still finds its own bundled plugins by its resolved
        # executable (os.Executable + EvalSymlinks in getPluginInfoAndPath).
        (ambient / "pulumi").symlink_to(cli.resolve())
        env = real_engine_env(home, state, ambient / "pulumi", secrets.token_urlsafe(24))
        engine_log = root / "engine-grpc.jsonl"
        env.update(
            {
                "PULUMI_DEBUG_GRPC": str(engine_log),
                "PULUMI_DISABLE_AUTOMATIC_PLUGIN_ACQUISITION": "true",
                "PULUMI_CONFIG_PASSPHRASE_FILE": "",
                # The state is thrown away: only the final one is saved, not a checkpoint per step (which
                # rewrites the whole state file each time: O(n^2) in an update; sdk/go/common/env/env.go).
                "PULUMI_SKIP_CHECKPOINTS": "true",
                FIXTURES_ENV: str(fixtures.resolve()) if fixtures is not None else "",
            }
        )
        pack = policy_pack_executable(pack_dir, root / "packs") if pack_dir is not None else None
        yield Sandbox(root, home, env, engine_log, pack, ambient / "pulumi")
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _written_config(program_dir: Path, stack: str) -> dict[str, Any]:
    """The `config:` of Pulumi.<stack>.yaml as written (load_stack_config validated the file already)."""
    stack_file = program_dir / f"Pulumi.{stack}.yaml"
    if not stack_file.is_file():
        return {}
    config = load_yaml_mapping(stack_file, ProgramLoadError).get("config") or {}
    return dict(config) if isinstance(config, dict) else {}


def _mirror(program_dir: Path, project_dir: Path) -> None:
    """Symlinks in `project_dir` to every entry of `program_dir` but the project and stack files."""
    for entry in program_dir.iterdir():
        name = entry.name
        if name == "Pulumi.yaml" or (name.startswith("Pulumi.") and name.endswith((".yaml", ".yml"))):
            continue
        (project_dir / name).symlink_to(entry, target_is_directory=entry.is_dir())


def create_stack(
    box: Sandbox,
    command: auto.PulumiCommand,
    program_dir: Path,
    stack: str,
    config: StackConfig,
    overrides: Mapping[str, str],
) -> Path:
    """Create the stack in the scratch backend with the program's config, in the scratch project directory (see
    the module docstring), and return that directory: the CLI's working directory for this check."""
    project_dir = box.root / "project"
    project_dir.mkdir()
    project_file = program_dir / "Pulumi.yaml"
    if project_file.is_file():
        shutil.copyfile(project_file, project_dir / "Pulumi.yaml")
    else:  # load_stack_config allows a directory without Pulumi.yaml (the project is named after it)
        (project_dir / "Pulumi.yaml").write_text(
            yaml.safe_dump({"name": config.project, "runtime": "python"}), encoding="utf-8"
        )
    _mirror(program_dir, project_dir)
    workspace = auto.LocalWorkspace(
        work_dir=str(project_dir), pulumi_command=command, env_vars=box.env, pulumi_home=str(box.home)
    )
    try:
        workspace.create_stack(stack)  # also selects it for this project directory (in the scratch PULUMI_HOME)
    except auto.errors.CommandError as exc:
        raise SandboxError(f"cannot create the throwaway stack {stack!r}: {_first_error(exc)}") from None
    config_file = project_dir / f"Pulumi.{stack}.yaml"
    document = load_yaml_mapping(config_file, SandboxError) if config_file.is_file() else {}
    secret = set(config.secret_keys)
    written = {
        key: value
        for key, value in _written_config(program_dir, stack).items()
        if parse_key(key, config.project, config_file.name) not in secret
    }
    # `--config` pairs are plain strings, as `pulumi config set` stores them (yaml.safe_dump quotes "true", "2").
    written.update({key: str(value) for key, value in overrides.items()})
    given = {parse_key(key, config.project, config_file.name) for key in written}
    if "aws:region" not in given:
        # load_stack_config assumes the default region when none is set and says so; the engine must see the same.
        written["aws:region"] = config.region
    document["config"] = written
    config_file.write_text(yaml.safe_dump(document, sort_keys=False), encoding="utf-8")
    # A secure value (or a structured one with secure parts) as the offline check has it: the placeholder.
    secrets = {key: auto.ConfigValue(config.values[key], secret=True) for key in config.secret_keys}
    if secrets:  # encrypted by the CLI with the throwaway passphrase
        try:
            workspace.set_all_config(stack, secrets)
        except auto.errors.CommandError as exc:
            raise SandboxError(f"cannot set the stack's secure config: {_first_error(exc)}") from None
    return project_dir


def _first_error(exc: auto.errors.CommandError) -> str:
    """The CLI's first `error:` line (never its whole output: it may echo a command line)."""
    text = str(getattr(exc, "stderr", "") or exc)
    for line in text.splitlines():
        if line.strip().startswith("error:"):
            return line.strip()[len("error:") :].strip()
    return text.strip().splitlines()[0] if text.strip() else "the Pulumi CLI failed"
