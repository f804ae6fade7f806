"""JSON documents given as objects: the provider serializes them to strings in Check.

pulumi-aws declares its policy properties (`iam.Role.assumeRolePolicy`, `iam.Policy.policy`,
`iam.RolePolicy.policy`, `s3.BucketPolicy.policy`, `sqs.QueuePolicy.policy`, `ecr.LifecyclePolicy.policy`, ...) as
`string` with an alternative type `aws:iam/documents:PolicyDocument` (or `LifecyclePolicyDocument`) and
`Transform: tfbridge.TransformJSONDocument` (pulumi/pulumi-aws provider/resources.go). The bridge runs the transform
while it builds the Terraform inputs (pulumi/pulumi-terraform-bridge pkg/tfbridge/schema.go makeTerraformInput:
"If there is a custom transform for this value, run it before processing the value"), which Check does, and Check
returns those inputs converted back (pkg/tfbridge/provider.go Check -> MakeTerraformOutputs): so the checked
inputs, the state and everything a policy pack sees hold the JSON string.

TransformJSONDocument (pkg/tfbridge/transforms.go): a value containing unknowns becomes an unknown string; a string
passes as it is; an object or array becomes Go's `json.Marshal(v.Mappable())`: compact, map keys sorted, `<`, `>`,
`&`, U+2028 and U+2029 escaped, whole floats without a fraction; null becomes "".

Which properties carry the transform is read from the provider's Python SDK: exactly the ones typed
`Union[str, '<...>DocumentArgs']` (sdk_types.input_shapes marks them "document"). A plain `str` property given an
object is a type error in the real provider (Terraform validation of a string attribute): `check` reports it.
"""

from __future__ import annotations

import json
import math
from typing import Any

from .wire import UNKNOWN, contains_unknowns, unwrap_secrets


class DocumentError(ValueError):
    """A document property holds a value that is neither a string, an object, an array nor null."""


def _go_value(value: Any) -> Any:
    """Floats that Go prints without a fraction (`1` for 1.0) as ints, so json.dumps prints them as Go does."""
    if isinstance(value, float) and math.isfinite(value) and value == int(value) and abs(value) < 1e21:
        return int(value)
    if isinstance(value, dict):
        return {k: _go_value(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_go_value(v) for v in value]
    return value


def go_json_marshal(value: Any) -> str:
    """Go's encoding/json Marshal of a value from PropertyValue.Mappable(): keys sorted, no spaces, HTML-safe."""
    text = json.dumps(_go_value(value), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    for raw, escaped in (("<", "\\u003c"), (">", "\\u003e"), ("&", "\\u0026"), ("\u2028", "\\u2028")):
        text = text.replace(raw, escaped)
    return text.replace("\u2029", "\\u2029")


def transform_json_document(value: Any) -> Any:
    """tfbridge.TransformJSONDocument on a wire value (secrets never reach a provider that does not accept them:
    the engine strips them, and keeps the secret bit itself)."""
    if contains_unknowns(value):
        return UNKNOWN
    value = unwrap_secrets(value)
    if isinstance(value, str):
        return value
    if isinstance(value, dict | list):
        return go_json_marshal(value)
    if value is None:
        return ""
    raise DocumentError(f"expected string or JSON map; got {type(value).__name__}")
