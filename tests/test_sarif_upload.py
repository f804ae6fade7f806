"""SARIF as GitHub's upload-sarif action takes it, for any repository.

The action (github/codeql-action, read at f3f1edbedfb4a1d188d344570834df2996d45d39; nothing of its code is
copied) does four things with a third-party SARIF file before uploading it, mirrored here:
- `validateSarifFileSchema` (src/upload-lib.ts): the file must validate against its SARIF schema
  (tests/data/codeql_action, copied with its licence); `format` errors on URIs are only warnings.
- `resolveUriToFile` (src/fingerprints.ts): a location is used only when its URI, decoded and without `file://`,
  has no other scheme, is not an absolute path outside the checkout, and names a file that exists in it.
- `addFingerprints` / `locationUpdateCallback` (src/fingerprints.ts): `primaryLocationLineHash` is computed from
  the result's line and set only on a result that has none; one computed for two results on one line is one value.
- `populateRunAutomationDetails` (src/upload-lib.ts): the workflow's `category` becomes `automationDetails.id` only
  for a run that has none; `validateUniqueCategory` refuses a second upload of one id in a job.
"""

from __future__ import annotations

import json
import re
import urllib.parse
from pathlib import Path
from typing import Any

import jsonschema
import jsonschema.validators
import pytest

from automation.offline.analyzer import PolicyMeta, Violation
from automation.offline.report import Report, Source
from automation.offline.sarif import is_repository_path, render_sarif

SCHEMA = Path(__file__).parent / "data" / "codeql_action" / "sarif-schema-2.1.0.json"
URI_FORMATS = ("uri", "uri-reference")
SUBNETS = [f"urn:pulumi:dev::shop::netkit:network:LambdaNetwork$aws:ec2/subnet:Subnet::net-lambda-{i}" for i in (0, 1)]
FUNCTION = "urn:pulumi:dev::shop::netkit:function:VpcFunction$aws:lambda/function:Function::worker"


def upload_schema_errors(document: dict[str, Any]) -> list[str]:
    """What upload-sarif's schema validation rejects (URI format problems are warnings there)."""
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    validator = jsonschema.validators.validator_for(schema)(schema)
    return [
        error.message
        for error in validator.iter_errors(document)
        if not (error.validator == "format" and error.validator_value in URI_FORMATS)
    ]


def resolved_by_upload(uri: str, checkout: Path) -> Path | None:
    """The file upload-sarif resolves a location URI to (resolveUriToFile), or None when it ignores it."""
    path = urllib.parse.unquote(uri).removeprefix("file://")
    if "://" in path or (path.startswith("/") and not path.startswith(f"{checkout}/")):
        return None
    target = Path(path) if path.startswith("/") else checkout / path
    return target if target.is_file() else None


def fingerprints_after_upload(document: dict[str, Any]) -> list[str]:
    """primaryLocationLineHash of each result after addFingerprints: ours where present (the action only fills in
    missing ones); a result without one would get the hash of its line, the same for every result on that line."""
    hashes = []
    for run in document["runs"]:
        for result in run["results"]:
            location = result["locations"][0]["physicalLocation"]
            line_hash = f"line:{location['artifactLocation']['uri']}:{location['region']['startLine']}"
            hashes.append(result.get("partialFingerprints", {}).get("primaryLocationLineHash", line_hash))
    return hashes


def categories_after_upload(document: dict[str, Any], category: str | None) -> list[str | None]:
    """automationDetails.id of each run after populateRunAutomationDetails with the workflow's `category`."""
    wanted = None if category is None else category if category.endswith("/") else f"{category}/"
    return [run.get("automationDetails", {}).get("id", wanted) for run in document["runs"]]


def check_upload(document: dict[str, Any], checkout: Path) -> None:
    """Everything upload-sarif checks or relies on holds: schema, resolvable locations, one fingerprint each."""
    assert upload_schema_errors(document) == []
    for run in document["runs"]:
        for result in run["results"]:
            uri = result["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            assert is_repository_path(uri), uri
            assert resolved_by_upload(uri, checkout) is not None, f"upload-sarif would ignore {uri}"
    hashes = fingerprints_after_upload(document)
    assert len(set(hashes)) == len(hashes), "two findings would merge into one alert"


def report(violations: list[Violation], sources: dict[str, Source], **extra: Any) -> Report:
    rules = [
        PolicyMeta("nat-gateway-per-az", "Each Lambda AZ egresses through its own NAT.", "advisory", "high", "Fix."),
        PolicyMeta("lambda-env-no-secrets", "No secrets in env vars.", "mandatory", "critical", "Use ARNs."),
    ]
    return Report(
        stack="dev",
        mode="preview",
        resources=[{"urn": u, "type": "t", "name": u.rsplit("::", 1)[1]} for u in [*SUBNETS, FUNCTION]],
        violations=violations,
        sources=sources,
        rules=extra.pop("rules", rules),
        tool_version="0.1.0",
        entry_point=Source("__main__.py", 1),
        **extra,
    )


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    (tmp_path / "__main__.py").write_text("\n".join(f"line {i}" for i in range(1, 40)) + "\n")
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "net.py").write_text("x = 1\n" * 30)
    return tmp_path


def sarif(rep: Report, category: str | None = None) -> dict[str, Any]:
    return dict(json.loads(render_sarif(rep, category=category)))


def test_two_findings_on_one_line_stay_two_alerts(checkout: Path) -> None:
    """One component call creates both subnets: both findings point at that call's line."""
    at_call = {urn: Source("__main__.py", 11) for urn in SUBNETS}
    findings = [Violation("nat-gateway-per-az", "advisory", urn, "no NAT in its AZ") for urn in SUBNETS]
    document = sarif(report(findings, at_call))
    check_upload(document, checkout)
    without_ours = json.loads(json.dumps(document))
    for result in without_ours["runs"][0]["results"]:
        del result["partialFingerprints"]
    hashes = fingerprints_after_upload(without_ours)
    assert len(set(hashes)) == 1, "the check above can fail: the action's own line hash merges them"


def test_one_policy_twice_on_one_resource_is_numbered() -> None:
    findings = [
        Violation("lambda-env-no-secrets", "mandatory", FUNCTION, "variable A holds a secret"),
        Violation("lambda-env-no-secrets", "mandatory", FUNCTION, "variable B holds a secret"),
    ]
    document = sarif(report(findings, {FUNCTION: Source("__main__.py", 30)}))
    hashes = [r["partialFingerprints"]["primaryLocationLineHash"] for r in document["runs"][0]["results"]]
    assert hashes[0] != hashes[1] and {h.rsplit(":", 1)[1] for h in hashes} == {"1", "2"}
    reordered = sarif(report(findings[::-1], {FUNCTION: Source("__main__.py", 30)}))
    by_message = {r["message"]["text"]: r["partialFingerprints"] for r in reordered["runs"][0]["results"]}
    assert by_message == {r["message"]["text"]: r["partialFingerprints"] for r in document["runs"][0]["results"]}


def test_fingerprints_survive_moved_code() -> None:
    finding = [Violation("nat-gateway-per-az", "advisory", SUBNETS[0], "no NAT in its AZ")]
    before = sarif(report(finding, {SUBNETS[0]: Source("__main__.py", 11)}))
    after = sarif(report(finding, {SUBNETS[0]: Source("__main__.py", 25)}))
    assert fingerprints_after_upload(before) == fingerprints_after_upload(after)
    assert re.fullmatch(r"[0-9a-f]{32}:1", fingerprints_after_upload(before)[0])


def test_the_workflow_category_applies(checkout: Path) -> None:
    """Two programs with a stack of the same name, uploaded in one job under their own categories."""
    first = sarif(report([], {}))
    second = sarif(report([], {}))
    assert categories_after_upload(first, "netkit-api") == ["netkit-api/"]
    assert categories_after_upload(second, "netkit-worker") == ["netkit-worker/"]
    check_upload(first, checkout)
    named = sarif(report([], {}), category="lambda-netkit/prod")
    assert categories_after_upload(named, "ignored") == ["lambda-netkit/prod/"]  # --sarif-category wins


def test_levels_follow_the_enforcement_applied(checkout: Path) -> None:
    """An advisory policy made mandatory by the policy config (prod) is an error; advisory findings warn."""
    findings = [
        Violation("nat-gateway-per-az", "advisory", SUBNETS[0], "no NAT in its AZ"),
        Violation("lambda-env-no-secrets", "mandatory", FUNCTION, "variable A holds a secret"),
    ]
    dev = sarif(report(findings, {}))
    assert [r["level"] for r in dev["runs"][0]["results"]] == ["warning", "error"]
    rules = {r["id"]: r for r in dev["runs"][0]["tool"]["driver"]["rules"]}
    assert rules["nat-gateway-per-az"]["defaultConfiguration"]["level"] == "warning"
    assert rules["nat-gateway-per-az"]["properties"]["problem.severity"] == "warning"
    assert rules["nat-gateway-per-az"]["properties"]["security-severity"] == "8.0"  # its severity still ranks it
    prod_rules = [
        PolicyMeta("nat-gateway-per-az", "Each Lambda AZ egresses through its own NAT.", "mandatory", "high", "Fix."),
        PolicyMeta("lambda-env-no-secrets", "No secrets in env vars.", "mandatory", "critical", "Use ARNs."),
    ]
    prod_findings = [Violation("nat-gateway-per-az", "mandatory", SUBNETS[0], "no NAT in its AZ")]
    prod = sarif(report(prod_findings, {}, rules=prod_rules))
    assert prod["runs"][0]["results"][0]["level"] == "error"
    prod_rule = prod["runs"][0]["tool"]["driver"]["rules"][1]
    assert prod_rule["id"] == "nat-gateway-per-az" and prod_rule["defaultConfiguration"]["level"] == "error"
    check_upload(prod, checkout)


@pytest.mark.parametrize(
    "outside",
    [
        "/venv/lib/python3.12/site-packages/lambda_netkit/components/network.py",
        "../shared/network.py",
        "file:///opt/components/network.py",
        "C:\\\\work\\\\network.py",
    ],
)
def test_a_source_outside_the_repository_points_at_the_entry_file(outside: str, checkout: Path) -> None:
    finding = [Violation("nat-gateway-per-az", "advisory", SUBNETS[0], "no NAT in its AZ")]
    document = sarif(report(finding, {SUBNETS[0]: Source(outside, 220)}))
    location = document["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location == {"artifactLocation": {"uri": "__main__.py"}, "region": {"startLine": 1}}
    assert resolved_by_upload(outside, checkout) is None  # what the action would have done with it
    check_upload(document, checkout)


def test_a_source_inside_the_repository_is_kept(checkout: Path) -> None:
    finding = [Violation("nat-gateway-per-az", "advisory", SUBNETS[0], "no NAT in its AZ")]
    document = sarif(report(finding, {SUBNETS[0]: Source("infra/net.py", 7)}))
    location = document["runs"][0]["results"][0]["locations"][0]["physicalLocation"]
    assert location == {"artifactLocation": {"uri": "infra/net.py"}, "region": {"startLine": 7}}
    check_upload(document, checkout)


def test_the_upload_schema_check_can_fail() -> None:
    document = sarif(report([Violation("nat-gateway-per-az", "advisory", SUBNETS[0], "m")], {}))
    document["runs"][0]["results"][0]["level"] = "fatal"
    assert upload_schema_errors(document)
    del document["version"]
    assert any("version" in e for e in upload_schema_errors(document))
