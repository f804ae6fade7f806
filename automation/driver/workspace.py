"""Where a run happens: the backend, the passphrase, the CLI's environment, and private copies of the program.

- A stack of a real environment runs in the program directory itself (its stack file, with the encryption salt the
  team commits, lives there). Every run with a stand-in for AWS (`--offline`, `--emulator`) and every ephemeral stack
  runs in a private copy under `<state dir>/workspaces/`, because `pulumi stack init` writes `encryptionsalt` into
  `Pulumi.<stack>.yaml` and the driver writes stack config: nothing lands in the user's checkout.
- Offline and emulator runs have a stack name of their own (`<env>-offline`, `<env>-emu`) on a `file://` backend of
  their own under the state dir, so they can never touch the state of the real environment.
- In CI the backend must be named (`--backend` / PULUMI_BACKEND_URL): an empty one is an error, never a state file
  on a runner that disappears with the job.
"""

from __future__ import annotations

import json
import secrets
import shutil
from collections.abc import Mapping
from pathlib import Path

import yaml

from .errors import DriverError
from .settings import EngineSettings

COPY_IGNORE = shutil.ignore_patterns(
    ".venv", ".git", ".netkit", ".tools", "tests", "benchmarks", "__pycache__", ".*cache", "Pulumi.*.yaml"
)
OFFLINE_SUFFIX, EMULATOR_SUFFIX = "-offline", "-emu"
EMULATED_SERVICES = (
    "apigatewayv2",
    "cloudwatch",
    "cloudwatchlogs",
    "ec2",
    "elbv2",
    "globalaccelerator",
    "iam",
    "kms",
    "lambda",
    "logs",
    "secretsmanager",
    "sqs",
    "ssm",
    "sts",
)


def in_ci(env: Mapping[str, str]) -> bool:
    return env.get("CI", "").lower() in ("1", "true", "yes")


def stand_in_stack(settings: EngineSettings, stack: str) -> str:
    """`dev` -> `dev-offline` / `dev-emu`: a stand-in run never shares a stack name with the real environment."""
    suffix = OFFLINE_SUFFIX if settings.offline else EMULATOR_SUFFIX if settings.emulator_url else ""
    return stack if not suffix or stack.endswith(suffix) else f"{stack}{suffix}"


def backend_url(settings: EngineSettings, env: Mapping[str, str]) -> str:
    """The backend of this run. Stand-in runs: their own `file://` backend under the state dir, always."""
    if settings.offline:
        return f"file://{(settings.state_dir / 'offline' / 'state').resolve()}"
    if settings.emulator_url:
        return f"file://{(settings.state_dir / 'emulator' / 'state').resolve()}"
    url = (settings.backend_url or "").strip() or env.get("PULUMI_BACKEND_URL") or ""
    if url.strip():
        return url.strip()
    if in_ci(env):
        raise DriverError(
            "no backend in CI: pass --backend or set PULUMI_BACKEND_URL (an s3:// bucket or Pulumi Cloud). A state "
            "file on the runner would vanish with the job and leave its resources untracked"
        )
    return f"file://{(settings.state_dir / 'state').resolve()}"


def passphrase(settings: EngineSettings, env: Mapping[str, str]) -> str:
    """The passphrase secrets provider's key: from the environment; in CI it must be set (stand-in runs excepted:
    their state is thrown away)."""
    if settings.passphrase:
        return settings.passphrase
    if env.get("PULUMI_CONFIG_PASSPHRASE") is not None:
        return env["PULUMI_CONFIG_PASSPHRASE"]
    if in_ci(env) and not settings.offline:
        raise DriverError(
            "PULUMI_CONFIG_PASSPHRASE is not set. In CI, store it as a secret and expose it to this job; without it "
            "the stack's secrets cannot be encrypted or read"
        )
    key_file = settings.state_dir / "passphrase"
    if not key_file.exists():
        settings.state_dir.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(24))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def emulator_config(url: str) -> dict[str, str]:
    """AWS provider settings for LocalStack or a moto server, as pulumi-local sets them. No credentials: those go
    into the CLI's environment only (`emulator_env`), never into a stack file."""
    endpoints = [{service: url} for service in EMULATED_SERVICES]
    return {
        "aws:endpoints": json.dumps(endpoints),
        "aws:skipCredentialsValidation": "true",
        "aws:skipRequestingAccountId": "true",
        "aws:skipMetadataApiCheck": "true",
        "aws:s3UsePathStyle": "true",
    }


def emulator_env(url: str) -> dict[str, str]:
    """What reaches every process the engine starts: the AWS provider reads the credentials from here, and every
    boto3 client (the Hyperplane-EIP dynamic provider's too, which passes `endpoint_url=None` unless told otherwise)
    takes `AWS_ENDPOINT_URL`, which botocore honours natively since 1.31 (botocore/configprovider.py)."""
    return {
        "AWS_ENDPOINT_URL": url,
        "AWS_ACCESS_KEY_ID": "test",
        "AWS_SECRET_ACCESS_KEY": "test",  # the emulators' documented dummy key
        "AWS_EC2_METADATA_DISABLED": "true",
    }


def engine_env(settings: EngineSettings, backend: str, env: Mapping[str, str], extra: Mapping[str, str]) -> dict:
    values = {
        "PULUMI_BACKEND_URL": backend,
        "PULUMI_CONFIG_PASSPHRASE": passphrase(settings, env),
        "PULUMI_SKIP_UPDATE_CHECK": "true",
        "PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK": env.get("PULUMI_AUTOMATION_API_SKIP_VERSION_CHECK", ""),
    }
    if settings.emulator_url:
        values.update(emulator_env(settings.emulator_url))
    values.update(extra)
    return values


def workspaces_root(settings: EngineSettings) -> Path:
    return settings.state_dir / "workspaces"


def _absolute_virtualenv(program_dir: Path, target: Path) -> None:
    """The copy uses the program's own virtualenv (a relative `virtualenv` option would point into the copy)."""
    project = yaml.safe_load((target / "Pulumi.yaml").read_text()) or {}
    runtime = project.get("runtime")
    if not isinstance(runtime, dict):
        return
    options = runtime.get("options")
    venv = options.get("virtualenv") if isinstance(options, dict) else None
    if isinstance(venv, str) and venv and not Path(venv).is_absolute():
        options["virtualenv"] = str((program_dir / venv).resolve())  # type: ignore[index]
        (target / "Pulumi.yaml").write_text(yaml.safe_dump(project, sort_keys=False))


def prepare_workspace(
    settings: EngineSettings, program_dir: Path, directory: str, stack_file: Path | None, stack_name: str
) -> Path:
    """A private copy of the program for one stack: parallel jobs never share workspace files, and nothing a run
    writes (salt, stack config, emulator settings) lands in the program directory. `stack_file` None: no stack
    file (a stack that only needs destroying)."""
    target = workspaces_root(settings) / directory
    if target.exists():
        raise DriverError(f"workspace {target} already exists; destroy that stack first or pick another name")
    if stack_file is not None and not stack_file.is_file():
        raise DriverError(f"no stack file {stack_file}: --from must name an existing stack file")
    state = settings.state_dir.resolve()

    def ignore(directory_name: str, names: list[str]) -> set[str]:
        skipped = set(COPY_IGNORE(directory_name, names))
        return skipped | {n for n in names if (Path(directory_name) / n).resolve() == state}

    shutil.copytree(program_dir, target, ignore=ignore)
    _absolute_virtualenv(program_dir, target)
    if stack_file is not None:
        shutil.copyfile(stack_file, target / f"Pulumi.{stack_name}.yaml")
    return target


def drop_workspace(settings: EngineSettings, work_dir: Path) -> None:
    """Only ever a per-stack copy under the state dir, never the program directory."""
    if work_dir.resolve().is_relative_to(workspaces_root(settings).resolve()):
        shutil.rmtree(work_dir, ignore_errors=True)


def is_private_copy(settings: EngineSettings, work_dir: Path) -> bool:
    return work_dir.resolve().is_relative_to(workspaces_root(settings).resolve())


def ensure_dir(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


def offline_home(settings: EngineSettings) -> Path:
    return settings.state_dir / "offline" / "home"


def install_offline_provider(settings: EngineSettings, program_python: str) -> list[tuple[str, str]]:
    """The offline provider registered, in the offline runs' own PULUMI_HOME, under every (package, version) the
    program's interpreter has installed (automation/offline_provider: the real CLI then loads it in place of
    pulumi-resource-aws and the rest)."""
    from ..offline_provider import PluginError, install_offline_plugins, required_packages

    try:
        packages = required_packages(program_python)
        install_offline_plugins(ensure_dir(offline_home(settings)), packages)
    except PluginError as exc:
        raise DriverError(f"--offline: {exc}") from exc
    return packages


def offline_env(settings: EngineSettings) -> dict[str, str]:
    """Faults and fixtures for the offline provider (DESIGN.md section 9), and a PULUMI_HOME of its own."""
    values = {"PULUMI_HOME": str(ensure_dir(offline_home(settings))), "PULUMI_DIY_BACKEND_NO_LEGACY_WARNING": "true"}
    if settings.offline_faults:
        values["NETKIT_OFFLINE_FAULTS"] = json.dumps(settings.offline_faults)
    if settings.offline_fixtures is not None:
        values["NETKIT_OFFLINE_FIXTURES"] = str(settings.offline_fixtures)
    return values
