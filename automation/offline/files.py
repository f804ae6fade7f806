"""Reading the user's input files (Pulumi.yaml, stack config, fixtures, policy config, PulumiPolicy.yaml) the way the
Pulumi CLI reads them, with one-line errors a new user can act on: the file, the line and column, what is wrong.

- Text: UTF-8, a leading byte-order mark dropped (pulumi/pulumi sdk/go/common/workspace/loaders.go
  readFileStripUTF8BOM).
- YAML: the CLI decodes with gopkg.in/yaml.v3 (sdk/go/common/encoding/marshal.go), which follows YAML 1.2: only
  `true`/`false` are booleans (`yes`, `no`, `on`, `off` stay strings), and a key given twice in one mapping is an
  error ("mapping key already defined"). PyYAML follows YAML 1.1 and keeps the last duplicate silently, so the loader
  here is PyYAML's safe loader with those two YAML 1.2 rules.
- JSON: the line and column of the first syntax error.

No message quotes the file's content: a config file may hold credentials.
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import yaml


class ProgramLoadError(Exception):
    """The program directory or its config cannot be used; the message says what to fix."""


class _Yaml12Loader(yaml.SafeLoader):
    """PyYAML's safe loader with YAML 1.2 booleans and duplicate keys refused (as yaml.v3)."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        seen: dict[Any, Any] = {}
        for key_node, _ in node.value:
            key = self.construct_object(key_node, deep=deep)
            try:
                first = seen.get(key)
            except TypeError:  # an unhashable key: PyYAML's own error follows
                continue
            if first is not None:
                mark = key_node.start_mark
                raise yaml.constructor.ConstructorError(
                    None,
                    None,
                    f"key {key} is given twice (first on line {first.line + 1})",
                    mark,
                )
            seen[key] = key_node.start_mark
        return super().construct_mapping(node, deep=deep)


_TIMESTAMP = "tag:yaml.org,2002:timestamp"  # a date stays a string, as the CLI passes it on
_YAML12_BOOL = re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$")
_Yaml12Loader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag not in ("tag:yaml.org,2002:bool", _TIMESTAMP)]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Yaml12Loader.add_implicit_resolver("tag:yaml.org,2002:bool", _YAML12_BOOL, list("tTfF"))


def read_text(path: Path, error: type[Exception], what: str = "") -> str:
    """A UTF-8 text file (a byte-order mark dropped), or `error` with one line naming the file."""
    name = f"{what} {path}" if what else str(path)
    try:
        return path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise error(f"{name} is not UTF-8 text") from None
    except FileNotFoundError:
        raise error(f"{name} does not exist") from None
    except IsADirectoryError:
        raise error(f"{name} is a directory, not a file") from None
    except OSError as exc:
        raise error(f"{name} cannot be read: {exc.strerror or type(exc).__name__}") from None


def parse_yaml(text: str, name: str, error: type[Exception]) -> Any:
    """YAML as the CLI reads it; a syntax error is `error` naming `name`, the line and the column."""
    try:
        return yaml.load(text, Loader=_Yaml12Loader)  # a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        where = f"line {mark.line + 1}, column {mark.column + 1}" if mark is not None else "unknown position"
        problem = getattr(exc, "problem", None) or type(exc).__name__
        raise error(f"{name} is not valid YAML ({where}: {problem})") from None


def load_yaml_mapping(path: Path, error: type[Exception], what: str = "") -> dict[str, Any]:
    """A YAML file holding a mapping (an empty file: an empty mapping), or `error` with one line."""
    name = f"{what} {path}" if what else str(path)
    data = parse_yaml(read_text(path, error, what), name, error)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise error(f"{name} must hold a mapping at the top level")
    return data


def parse_json(text: str, name: str, error: type[Exception]) -> Any:
    """JSON; a syntax error is `error` naming `name`, the line and the column."""
    try:
        return json.loads(text)
    except json.JSONDecodeError as exc:
        raise error(f"{name} is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None


def kind_of(value: Any) -> str:
    """The kind of a value for a message (never the value itself)."""
    if value is None:
        return "nothing (null)"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    return f"a {type(value).__name__}"
