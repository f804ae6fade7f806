"""Find the Python SDK class of a resource type token in the interpreter running the offline provider.

A generated Pulumi Python SDK registers its resource modules in its package `__init__.py`
(`_utilities.register(resource_modules=<JSON string>)`, entries like
`{"fqn": "pulumi_aws.ec2", "classes": {"aws:ec2/vpc:Vpc": "Vpc"}}`);
reading that table finds the module of a token without importing every module of the SDK. Packages whose SDK is
not installed here (random, tls, ... when netkit does not depend on them) have no type information: the provider
then echoes inputs (see server.py).
"""

from __future__ import annotations

import functools
import importlib
import importlib.util
import json
import re
from pathlib import Path

from ..provider_model.sdk_types import args_class, input_shapes, output_shapes

_TABLE = re.compile(r'resource_modules="""(.*?)"""', re.DOTALL)


@functools.cache
def _classes(package: str) -> dict[str, tuple[str, str]]:
    """{type token: (module, class name)} of a package's installed Python SDK; {} when there is none."""
    try:
        spec = importlib.util.find_spec(f"pulumi_{package.replace('-', '_')}")
    except (ImportError, ValueError):
        return {}
    if spec is None or spec.origin is None:
        return {}
    try:
        match = _TABLE.search(Path(spec.origin).read_text(encoding="utf-8"))
        entries = json.loads(match.group(1)) if match else []
    except (OSError, ValueError):
        return {}
    return {
        token: (str(entry["fqn"]), str(name))
        for entry in entries
        if isinstance(entry, dict) and "fqn" in entry
        for token, name in (entry.get("classes") or {}).items()
    }


@functools.cache
def resource_class(type_token: str) -> type | None:
    found = _classes(type_token.split(":")[0]).get(type_token)
    if found is None:
        return None
    try:
        cls = getattr(importlib.import_module(found[0]), found[1], None)
    except Exception:  # noqa: BLE001 - an SDK module that fails to import gives no type information
        return None
    return cls if isinstance(cls, type) else None


@functools.cache
def type_info(type_token: str) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """(inputs, always-present outputs, all outputs) of a type, as shapes by wire name (sdk_types)."""
    cls = resource_class(type_token)
    required, every = output_shapes(cls)
    return input_shapes(args_class(cls)), required, every
