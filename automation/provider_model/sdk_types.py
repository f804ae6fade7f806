"""What a provider's Python SDK declares about a resource type: its outputs (and which of them the provider always
sets) and its inputs (and which accept a JSON document given as an object).

Both engines read the same generated classes: the in-process shim the classes the program itself instantiates, the
offline provider the classes of the SDK installed beside netkit. Pulumi's Python codegen types an output the schema
marks required (the provider always sets it: computed or required) as `pulumi.Output[T]` and an optional one as
`pulumi.Output[Optional[T]]`; input types live on the `<Resource>Args` class, and a property with an alternative
document type (pulumi-aws `AltTypes: PolicyDocument`) as `Union[str, 'PolicyDocumentArgs']`.
"""

from __future__ import annotations

import collections.abc
import sys
import typing
from typing import Any

_OUTPUTS: dict[type, tuple[dict[str, str], dict[str, str]]] = {}
_INPUTS: dict[type, dict[str, str]] = {}


def shape_of(annotation: Any) -> tuple[bool, str]:
    """(optional, shape) of a getter's return annotation `pulumi.Output[T]` (or a result type's `T`); shapes: str,
    bool, int, float, list[str], list, map, object."""
    inner: Any
    if isinstance(annotation, str):
        text = annotation.replace(" ", "")
        inner = text[text.index("[") + 1 : -1] if text.split("[")[0].endswith("Output") else text
        optional = inner.startswith("Optional[")
        inner = inner[len("Optional[") : -1] if optional else inner
        for marker, shape in (("Sequence[", "list"), ("List[", "list"), ("list[", "list"), ("Mapping[", "map")):
            if inner.startswith(marker):
                item = inner[len(marker) : -1].split(".")[-1]
                return optional, "list[str]" if shape == "list" and item == "str" else shape
        base = inner.split(".")[-1]
        return optional, base if base in ("str", "bool", "int", "float") else "object"
    wrapper = typing.get_origin(annotation)
    if getattr(wrapper, "__name__", "") == "Output":  # resource getters: pulumi.Output[T]; result types: T
        args = typing.get_args(annotation)
        inner = args[0] if args else Any
    else:
        inner = annotation
    optional = False
    if typing.get_origin(inner) is typing.Union and type(None) in typing.get_args(inner):
        optional = True
        rest = [a for a in typing.get_args(inner) if a is not type(None)]
        inner = rest[0] if len(rest) == 1 else Any
    origin = typing.get_origin(inner)
    if origin in (list, collections.abc.Sequence):
        elements = typing.get_args(inner)
        return optional, "list[str]" if elements and elements[0] is str else "list"
    if origin in (dict, collections.abc.Mapping):
        return optional, "map"
    if isinstance(inner, type) and inner.__name__ in ("str", "bool", "int", "float"):
        return optional, inner.__name__
    return optional, "object"


def _getters(cls: type) -> typing.Iterator[tuple[str, str, Any]]:
    """(python name, wire name, return annotation) of every `@pulumi.getter` property of a class and its bases."""
    for base in reversed(cls.__mro__):
        for python_name, attr in base.__dict__.items():
            getter = getattr(attr, "fget", None)
            name = getattr(getter, "_pulumi_name", None)
            if isinstance(name, str):
                yield python_name, name, getattr(getter, "__annotations__", {}).get("return")


def output_shapes(cls: type | None) -> tuple[dict[str, str], dict[str, str]]:
    """(always-present outputs, all outputs) of a resource class: {wire name: shape}; `id` and `urn` left out."""
    if cls is None:
        return {}, {}
    if cls in _OUTPUTS:
        return _OUTPUTS[cls]
    required: dict[str, str] = {}
    every: dict[str, str] = {}
    for _, name, annotation in _getters(cls):
        if name in ("id", "urn"):
            continue
        try:
            optional, shape = shape_of(annotation)
        except Exception:  # noqa: BLE001 - an annotation we cannot read counts as optional
            optional, shape = True, "object"
        every[name] = shape
        if not optional:
            required[name] = shape
    _OUTPUTS[cls] = (required, every)
    return required, every


def input_shapes(args_cls: type | None) -> dict[str, str]:
    """{wire name: shape} of a resource's inputs (its `<Resource>Args` class): "document" for a string that also
    accepts a JSON document object; str, bool, int, float for scalars; "other" for the rest."""
    if args_cls is None:
        return {}
    if args_cls in _INPUTS:
        return _INPUTS[args_cls]
    shapes: dict[str, str] = {}
    for _, name, annotation in _getters(args_cls):
        text = annotation if isinstance(annotation, str) else repr(annotation)
        members = typing.get_args(annotation) if not isinstance(annotation, str) else ()
        if "DocumentArgs" in text and (str in members or "str" in text):
            shapes[name] = "document"
        elif members and isinstance(members[0], type) and members[0].__name__ in ("str", "bool", "int", "float"):
            shapes[name] = members[0].__name__
        else:
            shapes[name] = "other"
    _INPUTS[args_cls] = shapes
    return shapes


def args_class(cls: type | None) -> type | None:
    """The `<Resource>Args` class generated beside a resource class, if any."""
    if cls is None:
        return None
    module = sys.modules.get(cls.__module__)
    found = getattr(module, f"{cls.__name__}Args", None)
    return found if isinstance(found, type) else None
