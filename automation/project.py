"""Where a user's project keeps what netkit needs: the program, the policy pack, the policy config and the state.

netkit is installed into the user's environment (`pip install lambda-netkit`) and run from the user's own project,
so nothing here may assume this repository: the program is the current directory unless `--program` names another,
the pack is the one shipped with netkit unless `--policy-pack` names another, and everything netkit writes (the
local state backend, its passphrase, per-stack workspace copies, a CLI it installs) goes under the program's own
`.netkit/` directory, never into the installed package (which may be read-only, is shared by every project, and is
replaced by the next `pip install`). Pure: no Pulumi import.
"""

from __future__ import annotations

import sysconfig
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

PROJECT_FILES = ("Pulumi.yaml", "Pulumi.yml")
STATE_DIRNAME = ".netkit"
CONFIG_DIRNAME = "config"  # <pack>/config/<name>.json: the policy configs a pack ships (dev, staging, prod)


class ProjectError(ValueError):
    """A program, pack or policy config that cannot be used; one line saying what to pass instead."""


def program_dir(given: Path | None) -> Path:
    """The Pulumi program directory: `--program`, else the current directory (as `pulumi` itself works on the
    project in the current directory). Must hold a Pulumi.yaml."""
    directory = (given if given is not None else Path.cwd()).resolve()
    if not directory.is_dir():
        raise ProjectError(f"program directory {directory} does not exist; pass --program DIR")
    if not any((directory / name).is_file() for name in PROJECT_FILES):
        hint = "run netkit from your Pulumi project's directory or pass --program DIR"
        raise ProjectError(f"no Pulumi project in {directory} (no Pulumi.yaml): {hint}")
    return directory


def shipped_config_names(pack_dir: Path) -> list[str]:
    """The policy configs the pack ships, by name (`dev`, `staging`, `prod` for netkit's own pack)."""
    folder = pack_dir / CONFIG_DIRNAME
    return sorted(p.stem for p in folder.glob("*.json")) if folder.is_dir() else []


def policy_config_path(choice: str | Path | None, pack_dir: Path, environment: str) -> Path | None:
    """The policy config file for a run.

    `choice` is what `--policy-config` got: the name of a config the pack ships (`dev`, `staging`, `prod`:
    `<pack>/config/<name>.json`), or a path to a JSON file (`./prod` for a file that has a shipped name). None:
    the config of the stack's environment (`netkit:environment`, else the stack name) when the pack ships one, else
    no file (the pack's defaults apply, and the report says so). A config given that does not exist is an error,
    never silently dropped."""
    if choice is None:
        candidate = pack_dir / CONFIG_DIRNAME / f"{environment}.json"
        return candidate if candidate.is_file() else None
    text = str(choice)
    if text in shipped_config_names(pack_dir):
        return pack_dir / CONFIG_DIRNAME / f"{text}.json"
    path = Path(text).expanduser()
    if path.is_file():
        return path
    if "/" in text or "\\" in text or path.suffix:
        raise ProjectError(f"policy config {text} does not exist (a config given is never silently dropped)")
    names = ", ".join(shipped_config_names(pack_dir)) or "none"
    raise ProjectError(
        f"policy config {text} is neither a file nor a config the pack ships ({names}); "
        "pass --policy-config NAME or --policy-config FILE"
    )


def installed_package_dirs() -> list[Path]:
    """Where installed packages live for this interpreter (site-packages and the standard library)."""
    paths = sysconfig.get_paths()
    return [Path(paths[key]).resolve() for key in ("purelib", "platlib", "stdlib") if key in paths]


def _inside(path: Path, roots: list[Path]) -> bool:
    resolved = path.resolve()
    return any(resolved.is_relative_to(root) for root in roots)


@dataclass(frozen=True)
class Project:
    """The user's project as the driver commands see it."""

    program: Path
    policy_pack: Path | None = None  # None: the pack shipped with netkit (or policies/ in this repository)
    policy_config: str | None = None  # --policy-config as given: a shipped name or a file; None: by environment

    @property
    def state_dir(self) -> Path:
        """`<program>/.netkit`: the local backend (`state/`), its passphrase, workspace copies, an installed CLI."""
        return self.program / STATE_DIRNAME

    @property
    def default_backend(self) -> str:
        return f"file://{self.state_dir / 'state'}"

    def check_writable_places(self) -> None:
        """Refuse a program inside an installed package: state written there would be lost on the next install and
        shared by every user of the environment."""
        if _inside(self.program, installed_package_dirs()):
            raise ProjectError(
                f"{self.program} is inside the Python installation (site-packages); netkit keeps state in the "
                "program's .netkit/ directory: run it from your own project or pass --program DIR"
            )


def project_from(program: Path | None, policy_pack: Path | None = None, policy_config: str | None = None) -> Project:
    """The Project for `--program`, `--policy-pack` and `--policy-config` (validated: exit 2 on a bad one)."""
    project = Project(program_dir(program), policy_pack.resolve() if policy_pack else None, policy_config)
    project.check_writable_places()
    if project.policy_pack is not None and not project.policy_pack.is_dir():
        raise ProjectError(f"policy pack {project.policy_pack} is not a directory; pass --policy-pack DIR")
    return project


def netkit_pack_dir() -> Path | None:
    """netkit's own pack, to read from and never write to: `policies/` in a checkout, else the copy shipped in the
    distribution; None when neither is there."""
    from .check import DEFAULT_PACK, in_repository, shipped_pack  # check.py imports this module

    return DEFAULT_PACK if in_repository() else shipped_pack()


@contextmanager
def pack_for_run(project: Project) -> Iterator[Path]:
    """The policy pack directory for the duration of a run: `--policy-pack`, else netkit's own pack: `policies/` in
    a checkout, or the pack shipped in the distribution, copied into a temporary directory whose PulumiPolicy.yaml
    names the running environment as its virtualenv (the shipped manifest's `../.venv` points into site-packages,
    where no virtualenv is; the copy is deleted afterwards, nothing is written into the package)."""
    if project.policy_pack is not None:
        yield project.policy_pack
        return
    from .check import default_pack  # check.py imports this module: import at call time

    with default_pack() as pack_dir:
        yield pack_dir


def required_policy_config(project: Project, pack_dir: Path, environment: str) -> Path:
    """The policy config a gated run must have: `--policy-config`, else the pack's config for the environment. A
    stack of any name runs, but never silently with the pack's defaults: without a config the run stops here."""
    found = policy_config_path(project.policy_config, pack_dir, environment)
    if found is None:
        names = "|".join(shipped_config_names(pack_dir)) or "NAME"
        raise ProjectError(
            f"no policy config for environment {environment!r} (stack config netkit:environment, else the stack "
            f"name) in {pack_dir / CONFIG_DIRNAME}; pass --policy-config {names}|FILE"
        )
    return found
