"""Pulumi.yaml checked as the Pulumi CLI checks it before it runs anything, so the offline check refuses what
`pulumi preview` refuses (one line naming the file, the key and what is expected; never a value).

Read from pulumi/pulumi:
- sdk/go/common/workspace/project.go `ValidateProject`: `name` present and a non-empty string; then the project
  JSON schema (project.json): `runtime` a non-empty string or a mapping of only `name` (non-empty string) and
  `options` (mapping); `main`, `description`, `author`, `website`, `license`, `stackConfigDir` strings; `options` a
  mapping whose only key is `refresh: always`; `backend` a mapping whose only key is `url` (string); `config` a
  mapping of values (string, integer, boolean, list) or type declarations (`type` string/integer/boolean/array/
  object, `items`, `description`, `secret`, `default`, `value`).
- project.go `Project.Validate`: a declaration has not both `default` and `value`; an `array` declares `items`; a
  `default` has its declared type (`ValidateConfigValue`); a key of another namespace (`aws:region`) has neither
  `type` nor `default`, only `value`.
- sdk/go/common/tokens/project.go `ValidateProjectName` (the backends refuse other names): at most 100
  characters of `A-Za-z0-9_.-`.
- The language host needs `runtime`: without it the CLI has no language plugin to start. The Python language host
  reads `runtime.options` in sdk/python/cmd/pulumi-language-python/main.go `parseOptions`: `virtualenv` a string,
  `typechecker` mypy or pyright, `toolchain` pip, poetry or uv.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .files import ProgramLoadError, kind_of

PROJECT_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
CONFIG_TYPES = ("string", "integer", "boolean", "array", "object")
_DECLARATION_KEYS = {"type", "items", "description", "secret", "default", "value"}
_STRING_KEYS = ("main", "description", "author", "website", "license", "stackConfigDir")
Fail = Callable[[str], Exception]
PYTHON_OPTIONS: dict[str, tuple[str, ...] | None] = {
    "virtualenv": None,
    "typechecker": ("mypy", "pyright"),
    "toolchain": ("pip", "poetry", "uv"),
}


class ProjectFileError(ProgramLoadError):
    """Pulumi.yaml is not one the Pulumi CLI would run; the message names the file and the key."""


@dataclass(frozen=True)
class ConfigDeclaration:
    """One entry of Pulumi.yaml `config`, after the CLI's shorthand rewrite (RewriteShorthandConfigValues)."""

    key: str  # as written (`azCount`, `netkit:azCount`, `aws:region`)
    type: str = ""  # "" = not typed
    items: Any = None
    secret: bool = False
    default: Any = None
    value: Any = None
    has_default: bool = False
    has_value: bool = False


@dataclass
class Project:
    name: str
    runtime: str
    options: dict[str, Any] = field(default_factory=dict)
    main: str = ""
    stack_config_dir: str = ""
    description: str = ""
    config: list[ConfigDeclaration] = field(default_factory=list)


def validate_project(data: dict[str, Any], path: Path) -> Project:
    """The project of a Pulumi.yaml already parsed to `data`; ProjectFileError for what the CLI refuses."""

    def fail(message: str) -> ProjectFileError:
        return ProjectFileError(f"{path}: {message}")

    if "name" not in data:
        raise fail("`name` is missing (the project name, e.g. `name: my-project`)")
    name = data["name"]
    if not isinstance(name, str) or not name:
        raise fail(f"`name` must be a non-empty string, not {kind_of(name)}")
    if not PROJECT_NAME.match(name):
        raise fail("`name` may only hold letters, digits, hyphens, underscores and periods (at most 100)")
    runtime, options = _runtime(data.get("runtime"), fail)
    for key in _STRING_KEYS:
        if data.get(key) is not None and not isinstance(data[key], str):
            raise fail(f"`{key}` must be a string, not {kind_of(data[key])}")
    _mapping_with(data.get("options"), "options", {"refresh": "always"}, fail)
    backend = data.get("backend")
    _mapping_with(backend, "backend", {"url": None}, fail)
    if isinstance(backend, dict) and "url" in backend and not isinstance(backend["url"], str):
        raise fail("`backend.url` must be a string")
    config = data.get("config")
    if isinstance(config, str) and data.get("stackConfigDir"):
        raise fail("use either `config` (deprecated) or `stackConfigDir` to name the stack config directory, not both")
    return Project(
        name=name,
        runtime=runtime,
        options=options,
        main=data.get("main") or "",
        stack_config_dir=data.get("stackConfigDir") or (config if isinstance(config, str) else ""),
        description=data.get("description") or "",
        config=_declarations(config, name, fail),
    )


def _runtime(runtime: Any, fail: Fail) -> tuple[str, dict[str, Any]]:
    if runtime is None:
        raise fail("`runtime` is missing (e.g. `runtime: python`); the Pulumi CLI cannot start a language host without")
    if isinstance(runtime, str):
        if not runtime:
            raise fail("`runtime` must not be empty (e.g. `runtime: python`)")
        return runtime, {}
    if not isinstance(runtime, dict):
        raise fail(f"`runtime` must be a name or a mapping with `name` and `options`, not {kind_of(runtime)}")
    extra = sorted(str(k) for k in runtime if k not in ("name", "options"))
    if extra:
        raise fail(f"`runtime` may only have `name` and `options` (not {', '.join(extra)})")
    name = runtime.get("name")
    if not isinstance(name, str) or not name:
        raise fail("`runtime.name` must be a non-empty string (e.g. python)")
    options = runtime.get("options")
    if options is None:
        return name, {}
    if not isinstance(options, dict):
        raise fail(f"`runtime.options` must be a mapping, not {kind_of(options)}")
    if name == "python":
        for option, allowed in PYTHON_OPTIONS.items():
            if option not in options:
                continue
            if not isinstance(options[option], str):
                raise fail(f"the runtime option `{option}` must be a string")
            if allowed is not None and options[option] not in allowed:
                # The name is echoed, as the language host does: an option name is no secret, and the typo shows.
                raise fail(f"unsupported {option} option {options[option]!r} (use {', '.join(allowed)})")
    return name, dict(options)


def _mapping_with(value: Any, key: str, allowed: dict[str, Any], fail: Fail) -> None:
    if value is None:
        return
    if not isinstance(value, dict):
        raise fail(f"`{key}` must be a mapping, not {kind_of(value)}")
    extra = sorted(str(k) for k in value if k not in allowed)
    if extra:
        raise fail(f"`{key}` may only have {', '.join(allowed)} (not {', '.join(extra)})")
    for name, only in allowed.items():
        if only is not None and name in value and value[name] != only:
            raise fail(f"`{key}.{name}` may only be {only}")


def namespaced_by_project(project: str, key: str) -> bool:
    """project.go configKeyIsNamespacedByProject."""
    return ":" not in key or key.startswith(project + ":")


def _declarations(config: Any, project: str, fail: Fail) -> list[ConfigDeclaration]:
    if config is None or isinstance(config, str):  # a string is the deprecated config directory
        return []
    if not isinstance(config, dict):
        raise fail(f"`config` must be a mapping of config keys, not {kind_of(config)}")
    found: list[ConfigDeclaration] = []
    for raw_key, spec in config.items():
        key = str(raw_key)
        where = f"config key {key}"
        ours = namespaced_by_project(project, key)
        if not isinstance(spec, dict):  # shorthand: a default for the project's keys, a value for others
            if not isinstance(spec, str | bool | int | list):
                raise fail(f"{where} must be a value or a declaration (type, default, value, ...)")
            shorthand = {"default": spec} if ours else {"value": spec}
            spec = shorthand
        extra = sorted(str(k) for k in spec if k not in _DECLARATION_KEYS)
        if extra:
            raise fail(f"{where}: unexpected {', '.join(extra)} (allowed: {', '.join(sorted(_DECLARATION_KEYS))})")
        declared = spec.get("type")
        if declared is not None and declared not in CONFIG_TYPES:
            raise fail(f"{where}: `type` must be one of {', '.join(CONFIG_TYPES)}")
        if "secret" in spec and not isinstance(spec["secret"], bool):
            raise fail(f"{where}: `secret` must be true or false")
        entry = ConfigDeclaration(
            key=key,
            type=declared or "",
            items=spec.get("items"),
            secret=bool(spec.get("secret", False)),
            default=spec.get("default"),
            value=spec.get("value"),
            has_default="default" in spec,
            has_value="value" in spec,
        )
        if entry.has_default and entry.has_value:
            raise fail(f"{where} cannot have both a `default` and a `value`")
        if ours:
            if entry.type == "array" and not isinstance(entry.items, dict):
                raise fail(f"{where} declares an array but not the type of its `items`")
            if entry.type and entry.has_default and not matches_type(entry.type, entry.items, entry.default):
                raise fail(f"{where}: the `default` is not of the declared type {full_type(entry.type, entry.items)}")
        else:
            if entry.type:
                raise fail(f"{where} is not namespaced by the project and must not declare a `type`")
            if entry.has_default:
                raise fail(f"{where} is not namespaced by the project: give it a `value`, not a `default`")
            if not entry.has_value:
                raise fail(f"{where} is namespaced and must have a `value`")
        found.append(entry)
    return found


def full_type(type_name: str, items: Any) -> str:
    """project.go InferFullTypeName: `array<array<string>>`."""
    if type_name == "array" and isinstance(items, dict):
        return f"array<{full_type(str(items.get('type', '')), items.get('items'))}>"
    return type_name


def matches_type(type_name: str, items: Any, value: Any) -> bool:
    """project.go ValidateConfigValue: strings for string; whole numbers or digit strings for integer; booleans or
    "true"/"false" for boolean; mappings for object; lists of the item type for array."""
    if type_name == "string":
        return isinstance(value, str)
    if type_name == "integer":
        if isinstance(value, bool):
            return False
        if isinstance(value, int):
            return True
        if isinstance(value, float):
            return math.isfinite(value) and value == math.trunc(value)
        return isinstance(value, str) and re.fullmatch(r"[+-]?\d+", value) is not None
    if type_name == "boolean":
        return isinstance(value, bool) or value in ("true", "false")
    if type_name == "object":
        return isinstance(value, dict)
    if not isinstance(value, list) or not isinstance(items, dict):
        return False
    return all(matches_type(str(items.get("type", "")), items.get("items"), item) for item in value)
