"""Read a Pulumi project's `Pulumi.yaml` and `Pulumi.<stack>.yaml` the way the CLI hands config to a program.

Keys are namespaced (`aws:region`, `netkit:azCount`); a key without a namespace belongs to the project. Strings
are passed as they are and structured values as JSON, as the CLI does. `secure:` values cannot be decrypted
offline: they become a placeholder marked secret, and the caller is told which keys those are.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SECRET_PLACEHOLDER = "offline-secret-placeholder"
DEFAULT_REGION = "us-east-1"


class ProgramLoadError(Exception):
    """The program directory or its config cannot be used; the message says what to fix."""


@dataclass
class StackConfig:
    project: str
    main: Path
    values: dict[str, str] = field(default_factory=dict)
    secret_keys: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def region(self) -> str:
        return self.values.get("aws:region") or DEFAULT_REGION

    def get(self, key: str) -> str | None:
        return self.values.get(key)


def _load_yaml(path: Path) -> dict[str, Any]:
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        raise ProgramLoadError(f"{path} is not valid YAML: {exc}") from None
    if not isinstance(data, dict):
        raise ProgramLoadError(f"{path} must hold a mapping at the top level")
    return data


def _encode(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def load_stack_config(program_dir: Path, stack: str) -> StackConfig:
    """Project name, entry point and the stack's config (a missing stack file means empty config)."""
    if not program_dir.is_dir():
        raise ProgramLoadError(f"program directory {program_dir} does not exist; pass --program DIR")
    project_file = program_dir / "Pulumi.yaml"
    project: dict[str, Any] = _load_yaml(project_file) if project_file.is_file() else {}
    name = str(project.get("name") or program_dir.resolve().name)
    main_value = project.get("main")
    main = program_dir / str(main_value) if main_value else program_dir
    if main.is_dir():
        main = main / "__main__.py"
    if not main.is_file():
        expected = main.relative_to(program_dir) if main.is_relative_to(program_dir) else main
        raise ProgramLoadError(
            f"no Pulumi program in {program_dir}: expected {expected} (a __main__.py, or the `main` of Pulumi.yaml)"
        )
    config = StackConfig(project=name, main=main)
    for key, spec in (project.get("config") or {}).items():
        if isinstance(spec, dict) and "value" in spec:
            config.values[_qualify(name, key)] = _encode(spec["value"])
        elif isinstance(spec, dict) and "default" in spec:
            config.values[_qualify(name, key)] = _encode(spec["default"])
    stack_file = program_dir / f"Pulumi.{stack}.yaml"
    if stack_file.is_file():
        for key, value in (_load_yaml(stack_file).get("config") or {}).items():
            qualified = _qualify(name, key)
            if isinstance(value, dict) and set(value) == {"secure"}:
                config.values[qualified] = SECRET_PLACEHOLDER
                config.secret_keys.append(qualified)
                config.notes.append(
                    f"{qualified} is a secure value that cannot be decrypted offline; the program saw a placeholder"
                )
            else:
                config.values[qualified] = _encode(value)
    else:
        config.notes.append(f"no {stack_file.name}: the stack runs with empty config")
    return config


def _qualify(project: str, key: str) -> str:
    return key if ":" in key else f"{project}:{key}"
