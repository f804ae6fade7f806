"""Read a Pulumi project's `Pulumi.yaml` and `Pulumi.<stack>.yaml` the way the CLI hands config to a program.

Keys are namespaced (`aws:region`, `netkit:azCount`); a key without a namespace belongs to the project. Strings
are passed as they are and structured values as JSON, as the CLI does. `secure:` values cannot be decrypted
offline: they become a placeholder marked secret, and the caller is told which keys those are. `--config KEY=VALUE`
pairs are applied last, as `pulumi preview -c` does. Any file that cannot be read, is not UTF-8 or has the wrong
shape is a ProgramLoadError with one line that names the file.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

SECRET_PLACEHOLDER = "offline-secret-placeholder"
DYNAMIC_PROVIDER_PACKAGES = ("pulumi-python", "pulumi-nodejs")  # pkg/resource/deploy/target.go isDynamicProvider
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
    root: Path = Path(".")  # the directory holding Pulumi.yaml
    runtime_options: dict[str, Any] = field(default_factory=dict)  # Pulumi.yaml runtime.options

    @property
    def region(self) -> str:
        return self.values.get("aws:region") or DEFAULT_REGION

    def get(self, key: str) -> str | None:
        return self.values.get(key)


def read_text(path: Path) -> str:
    """A UTF-8 text file, or one clear ProgramLoadError."""
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise ProgramLoadError(f"{path} is not UTF-8 text") from None
    except OSError as exc:
        raise ProgramLoadError(f"{path} cannot be read: {exc.strerror or exc}") from None


def load_yaml(path: Path) -> dict[str, Any]:
    """A YAML file holding a mapping (empty file: empty mapping), or one clear ProgramLoadError."""
    try:
        data = yaml.safe_load(read_text(path)) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise ProgramLoadError(f"{path} is not valid YAML{where}") from None
    if not isinstance(data, dict):
        raise ProgramLoadError(f"{path} must hold a mapping at the top level")
    return data


def _mapping(value: Any, what: str) -> dict[str, Any]:
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ProgramLoadError(f"{what} must be a mapping")
    return value


def go_json(value: Any) -> str:
    """JSON as Go's json.Marshal writes it: compact, object keys sorted, `<`, `>`, `&`, U+2028 and U+2029 escaped."""
    text = json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False)
    for char, escaped in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escaped)
    return text


def _encode(value: Any) -> str:
    """A config value as the program and the pack get it: strings as they are, anything else as the JSON text the
    CLI produces (sdk/go/common/resource/config/plaintext.go marshalText: json.Marshal)."""
    return value if isinstance(value, str) else go_json(value)


def _runtime_options(project: dict[str, Any], project_file: Path) -> dict[str, Any]:
    runtime = project.get("runtime")
    if runtime is None or isinstance(runtime, str):
        return {}
    if not isinstance(runtime, dict):
        raise ProgramLoadError(f"{project_file}: `runtime` must be a name or a mapping with `name` and `options`")
    return _mapping(runtime.get("options"), f"{project_file}: runtime.options")


def load_stack_config(
    program_dir: Path,
    stack: str,
    overrides: Mapping[str, str] | None = None,
    stack_named: bool = False,
) -> StackConfig:
    """Project name, entry point, runtime options and the stack's config plus `overrides` (--config pairs).

    A missing stack file means empty config, unless the stack was named on the command line (`stack_named`) and no
    overrides were given: then it is most likely a typo, and an error naming the file (DESIGN.md section 3)."""
    if not program_dir.is_dir():
        raise ProgramLoadError(f"program directory {program_dir} does not exist; pass --program DIR")
    project_file = program_dir / "Pulumi.yaml"
    project: dict[str, Any] = load_yaml(project_file) if project_file.is_file() else {}
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
    config = StackConfig(
        project=name, main=main, root=program_dir, runtime_options=_runtime_options(project, project_file)
    )
    for key, spec in _mapping(project.get("config"), f"{project_file}: config").items():
        if isinstance(spec, dict) and "value" in spec:
            config.values[_qualify(name, key)] = _encode(spec["value"])
        elif isinstance(spec, dict) and "default" in spec:
            config.values[_qualify(name, key)] = _encode(spec["default"])
    stack_file = program_dir / f"Pulumi.{stack}.yaml"
    if stack_file.is_file():
        stack_config = _mapping(load_yaml(stack_file).get("config"), f"{stack_file}: config")
        for key, value in stack_config.items():
            qualified = _qualify(name, key)
            if isinstance(value, dict) and set(value) == {"secure"}:
                config.values[qualified] = SECRET_PLACEHOLDER
                config.secret_keys.append(qualified)
                config.notes.append(
                    f"{qualified} is a secure value that cannot be decrypted offline; the program saw a placeholder"
                )
            else:
                config.values[qualified] = _encode(value)
    elif stack_named and not overrides:
        raise ProgramLoadError(
            f"stack {stack!r} has no config file {stack_file}; check the stack name, create the file, or pass "
            "--config KEY=VALUE"
        )
    elif overrides:
        config.notes.append(f"no {stack_file.name}: the stack runs with the --config values only")
    else:
        config.notes.append(f"no {stack_file.name}: the stack runs with empty config")
    for key, value in (overrides or {}).items():
        qualified = _qualify(name, str(key))
        config.values[qualified] = str(value)
        if qualified in config.secret_keys:
            config.secret_keys.remove(qualified)
    if "aws:region" not in config.values:
        # The real AWS provider needs a region (config, or AWS_REGION in the environment); offline we assume the
        # default one and say so, so the program, its default provider and the pack all see the same region.
        config.values["aws:region"] = DEFAULT_REGION
        config.notes.append(f"aws:region is not set: the offline check assumes {DEFAULT_REGION} (set aws:region)")
    return config


def provider_config(config: StackConfig) -> dict[str, dict[str, Any]]:
    """Per package, the config keys the engine hands its default provider (`aws:region` -> aws {region: ...}), as the
    strings the engine gives (pkg/resource/deploy/target.go GetPackageConfig: `c.Value(decrypter)`, so a structured
    value is its JSON text; the provider decodes it itself). The dynamic-provider packages (`pulumi-python`,
    `pulumi-nodejs`) get the whole stack config under its namespaced keys, as GetPackageConfig gives them."""
    providers: dict[str, dict[str, Any]] = {}
    for key, value in config.values.items():
        package, _, setting = key.partition(":")
        if not setting or package == config.project:
            continue
        providers.setdefault(package, {})[setting] = value
    for package in DYNAMIC_PROVIDER_PACKAGES:
        providers[package] = dict(config.values)
    return providers


def _qualify(project: str, key: str) -> str:
    return key if ":" in key else f"{project}:{key}"
