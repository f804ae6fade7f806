"""Check: the inputs a provider returns for a resource's inputs, as pulumi-aws (a bridged provider) answers.

pulumi/pulumi-terraform-bridge pkg/tfbridge/provider.go `Check`, in order:
1. the resource's PreCheckCallback: pulumi-aws `applyTags` (provider/tags.go), installed on every SDKv2 resource
   with non-computed `tags` and `tags_all` (provider/resources.go applyTagsPreCheckCallback), sets `tagsAll` to the
   provider's `defaultTags.tags` merged with the resource's `tags`, minus `ignoreTags` keys/prefixes; unknown when
   either holds an unknown; `{}` when empty;
2. makeTerraformInputs with defaults (pkg/tfbridge/schema.go applyDefaults): Pulumi-side defaults first (autonaming:
   pulumi-aws provider/autonaming.go gives every resource whose `name` is an input `AutoName("name", 255, "-")`:
   `<resource name>-<7 hex>`, skipped when a conflicting `namePrefix` is set), then the Terraform schema's
   `Default` values for properties left unset, except falsy ones (bridge #2618: false, 0 and "" are not
   synthesized), a default already recorded in the old inputs (`__defaults`) reused; the sorted names of the
   defaulted properties are returned under `__defaults`; custom transforms run on the way (documents.py);
3. the Terraform validation's failures as CheckFailures.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from .documents import DocumentError, transform_json_document
from .schema import TF_DEFAULTS
from .wire import UNKNOWN, contains_unknowns, digest, unwrap_secrets

DEFAULTS_KEY = "__defaults"  # sdk/go/common/resource/reservedkeys: resource property keys the bridge adds
AUTONAME_LENGTH = 7  # tfbridge.AutoName: resource.NewUniqueHex(name + "-", 7, maxlen)


@dataclass
class CheckResult:
    inputs: dict[str, Any]
    failures: list[tuple[str, str]] = field(default_factory=list)  # (property, reason)


def autoname(name: str, seed: str) -> str:
    """`<name>-<7 hex>`; the real provider draws the hex from the engine's random seed for the registration, this
    model from `seed` so that runs are reproducible."""
    return f"{name}-{digest('autoname', seed)[:AUTONAME_LENGTH]}"


def merged_tags(tags: Any, provider_config: Mapping[str, Any]) -> Any:
    """pulumi-aws provider/tags.go mergeTags: default tags, then the resource's, minus ignored keys and prefixes;
    unknown if anything is unknown; None when nothing is left."""
    default_tags = provider_config.get("defaultTags")
    ignore = provider_config.get("ignoreTags")
    if contains_unknowns(tags) or contains_unknowns(default_tags) or contains_unknowns(ignore):
        return UNKNOWN
    merged: dict[str, Any] = {}
    if isinstance(default_tags, Mapping) and isinstance(default_tags.get("tags"), Mapping):
        merged.update({str(k): unwrap_secrets(v) for k, v in default_tags["tags"].items()})
    if isinstance(tags, Mapping):
        merged.update({str(k): unwrap_secrets(v) for k, v in tags.items()})
    if isinstance(ignore, Mapping):
        keys = {str(k) for k in ignore.get("keys") or []}
        prefixes = [str(p) for p in ignore.get("keyPrefixes") or []]
        merged = {k: v for k, v in merged.items() if k not in keys and not any(k.startswith(p) for p in prefixes)}
    return {k: "" if v is None else str(v) for k, v in merged.items()} or None


def check(
    type_token: str,
    name: str,
    news: Mapping[str, Any],
    olds: Mapping[str, Any] | None = None,
    *,
    provider_config: Mapping[str, Any] | None = None,
    input_shapes: Mapping[str, str] | None = None,
    output_shapes: Mapping[str, str] | None = None,
    seed: str = "",
) -> CheckResult:
    """The checked inputs of a resource of `type_token` named `name` (the URN's name) with inputs `news` (wire
    form). `input_shapes` and `output_shapes` are the SDK's input types and all its outputs (sdk_types; empty
    when the SDK is not known: then only the transforms that need no type information run), `provider_config`
    the provider's configuration (Pulumi names: defaultTags, ignoreTags, region, ...), `seed` what makes the
    autoname reproducible (the URN)."""
    olds = olds or {}
    config = provider_config or {}
    shapes = input_shapes or {}
    bridged = type_token.startswith("aws:")
    if not bridged:  # no model of this provider's Check: its inputs as the engine sends them
        return CheckResult(dict(news))
    # The bridge unmarshals the new inputs with SkipNulls (provider.go Check).
    inputs = {k: v for k, v in news.items() if v is not None and not k.startswith("__")}
    failures: list[tuple[str, str]] = []

    if "tags" in shapes and "tagsAll" in (output_shapes or {}):
        all_tags = merged_tags(inputs.get("tags"), config)
        inputs["tagsAll"] = {} if all_tags is None else all_tags

    for prop, shape in shapes.items():
        if prop not in inputs:
            continue
        value = inputs[prop]
        if shape == "document":
            try:
                inputs[prop] = transform_json_document(value)
            except DocumentError as exc:
                failures.append((prop, f"{prop}: {exc}"))
        elif shape == "str" and isinstance(unwrap_secrets(value), dict | list) and not contains_unknowns(value):
            # A Terraform string attribute given an object: validation fails ("Inappropriate value for
            # attribute"); nothing serializes it for the program.
            failures.append((prop, f"{prop}: expected a string, got {type(unwrap_secrets(value)).__name__}"))

    defaults: list[str] = []
    old_defaults = olds.get(DEFAULTS_KEY)
    reuse = set(old_defaults) if isinstance(old_defaults, list) else None

    def default(prop: str, value: Any) -> None:
        if prop in olds and (reuse is None or prop in reuse):
            value = olds[prop]
        inputs[prop] = value
        defaults.append(prop)

    if shapes.get("name") is not None and "name" not in inputs and "namePrefix" not in inputs:
        default("name", autoname(name, seed or name))
    for prop, value in TF_DEFAULTS.get(type_token, {}).items():
        if prop not in inputs and value not in (False, 0, ""):
            default(prop, value)
    inputs[DEFAULTS_KEY] = sorted(defaults)
    return CheckResult(inputs, failures)
