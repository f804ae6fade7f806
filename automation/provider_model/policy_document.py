"""`aws.iam.getPolicyDocument` answered exactly, the way the provider builds the document: pure computation, no AWS.

Follows terraform-provider-aws internal/service/iam/policy_document_data_source.go and policy_model.go (which
pulumi-aws bridges): version defaults to 2012-10-17; source documents are merged first, then the statements of the
call, then the override documents, a statement with a Sid replacing the earlier one with the same Sid; a set of
actions/resources/identifiers with one element becomes a plain string, more become a reverse-sorted list
(policyDecodeConfigStringList); principals of one type are merged, `*`/[`*`] becomes "*"; conditions are grouped by
test then variable; `&{` becomes `${` (policy variables); the JSON is Go's `json.MarshalIndent(doc, "", "  ")` (HTML
characters escaped as Go does) and the id is its CRC-32 (StringHashcode).
"""

from __future__ import annotations

import json
import zlib
from typing import Any

DEFAULT_VERSION = "2012-10-17"


def _string_set(values: Any) -> Any:
    items = sorted({str(v) for v in (values or [])}, reverse=True)
    return items[0] if len(items) == 1 else items


def _vars(value: Any) -> Any:
    if isinstance(value, list):
        return [v.replace("&{", "${") for v in value]
    return value.replace("&{", "${") if isinstance(value, str) else value


def _principals(items: list[dict[str, Any]]) -> Any:
    merged: dict[str, list[str]] = {}
    for item in items:
        ids = _vars(_string_set(item.get("identifiers")))
        merged.setdefault(str(item.get("type", "")), []).extend(ids if isinstance(ids, list) else [ids])
    if set(merged) == {"*"} and merged["*"] == ["*"]:
        return "*"
    return {kind: (ids[0] if len(ids) == 1 else ids) for kind, ids in merged.items()}


def _conditions(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for item in items:
        values = [str(v) for v in item.get("values") or []]
        value: Any = values[0] if len(values) == 1 else values
        out.setdefault(str(item.get("test", "")), {})[str(item.get("variable", ""))] = _vars(value)
    return out


def statement(spec: dict[str, Any]) -> dict[str, Any]:
    """One statement in the provider's key order (Sid, Effect, Action, NotAction, Resource, NotResource,
    Principal, NotPrincipal, Condition), empty parts omitted."""
    out: dict[str, Any] = {"Sid": str(spec.get("sid") or ""), "Effect": str(spec.get("effect") or "Allow")}
    for key, name, variables in (
        ("actions", "Action", False),
        ("notActions", "NotAction", False),
        ("resources", "Resource", True),
        ("notResources", "NotResource", True),
    ):
        if spec.get(key):
            value = _string_set(spec[key])
            out[name] = _vars(value) if variables else value
    if spec.get("principals"):
        out["Principal"] = _principals(spec["principals"])
    if spec.get("notPrincipals"):
        out["NotPrincipal"] = _principals(spec["notPrincipals"])
    if spec.get("conditions"):
        out["Condition"] = _conditions(spec["conditions"])
    return out


def _merge(doc: dict[str, Any], new: dict[str, Any]) -> None:
    """IAMPolicyDoc.Merge: adopt the Id, upgrade the Version, replace statements by Sid, append the rest."""
    if new.get("Id"):
        doc["Id"] = new["Id"]
    if str(new.get("Version", "")) > str(doc.get("Version", "")):
        doc["Version"] = new["Version"]
    statements = doc.setdefault("Statement", [])
    for stmt in new.get("Statement") or []:
        sid = stmt.get("Sid") or ""
        index = next((i for i, old in enumerate(statements) if sid and old.get("Sid") == sid), None)
        if index is None:
            statements.append(stmt)
        else:
            statements[index] = stmt


def _document(text: str) -> dict[str, Any]:
    doc = json.loads(text)
    if not isinstance(doc, dict):
        raise ValueError("a policy document must be a JSON object")
    statements = doc.get("Statement") or []
    doc["Statement"] = [statements] if isinstance(statements, dict) else list(statements)
    return doc


def _go_json(doc: dict[str, Any], indent: int | None) -> str:
    ordered: dict[str, Any] = {}
    if doc.get("Version"):
        ordered["Version"] = doc["Version"]
    if doc.get("Id"):
        ordered["Id"] = doc["Id"]
    ordered["Statement"] = doc.get("Statement") or None
    separators = (",", ": ") if indent else (",", ":")
    text = json.dumps(ordered, indent=indent, separators=separators, ensure_ascii=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def get_policy_document(args: dict[str, Any]) -> dict[str, Any]:
    """The result of `aws:iam/getPolicyDocument:getPolicyDocument` for the call's arguments (wire names)."""
    merged: dict[str, Any] = {}
    for source in args.get("sourcePolicyDocuments") or []:
        _merge(merged, _document(source))
    current: dict[str, Any] = {"Version": str(args.get("version") or DEFAULT_VERSION)}
    if args.get("policyId"):
        current["Id"] = str(args["policyId"])
    current["Statement"] = [statement(s) for s in args.get("statements") or []]
    _merge(merged, current)
    for override in args.get("overridePolicyDocuments") or []:
        _merge(merged, _document(override))
    text = _go_json(merged, 2)
    result = dict(args)
    result.update(
        {
            "id": str(zlib.crc32(text.encode())),
            "json": text,
            "minifiedJson": _go_json(merged, None),
            "version": merged.get("Version", DEFAULT_VERSION),
        }
    )
    return result
