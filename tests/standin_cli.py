"""A STAND-IN for the `pulumi` executable, kept for ONE thing the real CLI cannot play here: a `destroy` that meets
AWS (a moto server) the way the AWS provider would, for the ENI-aware teardown tests in tests/test_driver.py.

Why not the real CLI there: the AWS provider (pulumi-resource-aws) cannot be built in this test bed, and the
offline provider that stands in for it keeps no objects in AWS, so no real destroy can meet a Lambda ENI holding a
security group in moto. Everything else the driver does (gate, plans, signals, pending operations, locks, offline
runs) is tested against the real CLI in tests/test_driver_real.py.

It deploys nothing itself. It records every invocation (arguments, working directory, time, which environment
variables were set, never secret values) to `calls.jsonl`, keeps a tiny stack list, config and exported state in
`state.json`, and behaves like the real CLI where those tests depend on it:
- `destroy` against an emulator (AWS_ENDPOINT_URL, honoured by botocore) deletes the exported functions and
  security groups with boto3, and fails with AWS's DependencyViolation while a Lambda ENI still holds a group,
  reporting it, as the engine does, as an error diagnostic event on the resource's URN (`--event-log`).

`behavior.json` scripts each command: `ok`, `fail` (a permanent error on one resource), `fail-mixed` (a dependency
violation AND a permanent error), `dependency-violation-once` (destroy); `deployment` (what `up` leaves in the state).
"""

from __future__ import annotations

import itertools
import json
import os
import sys
import time
from pathlib import Path
from typing import Any

STANDIN_VERSION = "v3.200.0"  # <= 3.205: the Automation API then uses a file event log
SG_URN = "urn:pulumi:s::p::aws:ec2/securityGroup:SecurityGroup::own"
FN_URN = "urn:pulumi:s::p::aws:lambda/function:Function::worker"
DEPENDENCY_VIOLATION = (
    "deleting EC2 Security Group ({group}): operation error EC2: DeleteSecurityGroup, api error "
    "DependencyViolation: resource {group} has a dependent object"
)
PERMANENT = "deleting Lambda Function: AccessDeniedException: not authorized to perform lambda:DeleteFunction"


def _dir() -> Path:
    return Path(os.environ["NETKIT_STANDIN_DIR"])


def _load(name: str, default: Any) -> Any:
    path = _dir() / name
    return json.loads(path.read_text()) if path.exists() else default


def _save(name: str, value: Any) -> None:
    (_dir() / name).write_text(json.dumps(value, indent=2))


def _append(name: str, value: Any) -> None:
    with open(_dir() / name, "a", encoding="utf-8") as handle:
        handle.write(json.dumps(value) + "\n")


def _flag(args: list[str], name: str) -> str | None:
    return args[args.index(name) + 1] if name in args and args.index(name) + 1 < len(args) else None


def _fail(message: str, code: int = 255) -> None:
    sys.stderr.write(message + "\n")
    sys.exit(code)


def _event(args: list[str], payload: dict[str, Any]) -> None:
    log = _flag(args, "--event-log")
    if log:
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"sequence": 1, "timestamp": int(time.time()), **payload}) + "\n")


def _resource_errors(args: list[str], errors: list[tuple[str, str]]) -> None:
    """Each error as the engine reports it (an error diagnostic on the URN), then the CLI's failure."""
    for urn, message in errors:
        _event(args, {"diagnosticEvent": {"urn": urn, "message": message, "color": "never", "severity": "error"}})
    _fail("error: destroy failed: " + "; ".join(message for _, message in errors))


def _aws_destroy(deployment: dict[str, Any]) -> dict[str, Any]:
    """What the AWS provider's deletes would meet in the emulator: functions first, then security groups."""
    import boto3

    resources = deployment.get("resources", [])
    seen: dict[str, Any] = {"functions_at_destroy": {}, "enis_at_destroy": []}
    if not resources:
        return seen
    region = os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION") or "us-east-1"
    lam = boto3.client("lambda", region_name=region)
    ec2 = boto3.client("ec2", region_name=region)
    for resource in resources:
        if resource.get("type") == "aws:lambda/function:Function":
            name = resource["outputs"]["name"]
            config = lam.get_function_configuration(FunctionName=name)
            seen["functions_at_destroy"][name] = config.get("VpcConfig") or {}
    groups = [r["id"] for r in resources if r.get("type") == "aws:ec2/securityGroup:SecurityGroup"]
    filters = [{"Name": "group-id", "Values": groups}]
    enis = ec2.describe_network_interfaces(Filters=filters)["NetworkInterfaces"] if groups else []
    seen["enis_at_destroy"] = sorted(e["NetworkInterfaceId"] for e in enis)
    for name in seen["functions_at_destroy"]:
        lam.delete_function(FunctionName=name)
    if enis:
        seen["error"] = DEPENDENCY_VIOLATION.format(group=enis[0]["Groups"][0]["GroupId"])
        return seen
    for group in groups:
        ec2.delete_security_group(GroupId=group)
    return seen


def _destroy(args: list[str], stack: str, stacks: dict[str, Any]) -> None:
    behavior = str(_load("behavior.json", {}).get("destroy", "ok"))
    if behavior == "fail":
        _resource_errors(args, [(FN_URN, PERMANENT)])
    if behavior == "fail-mixed":
        _resource_errors(args, [(SG_URN, DEPENDENCY_VIOLATION.format(group="sg-0123")), (FN_URN, PERMANENT)])
    if behavior == "dependency-violation-once":  # AWS is eventually consistent: a group freed a moment ago
        marker = _dir() / "destroy.dv-done"
        if not marker.exists():
            marker.write_text("1")
            _resource_errors(args, [(SG_URN, DEPENDENCY_VIOLATION.format(group="sg-0123"))])
    if os.environ.get("AWS_ENDPOINT_URL"):
        seen = _aws_destroy(stacks[stack].get("deployment", {}))
        _append("destroys.jsonl", seen)
        if "error" in seen:
            _save("state.json", {"stacks": stacks})
            _resource_errors(args, [(SG_URN, seen["error"])])
    stacks[stack]["outputs"] = {}
    stacks[stack]["deployment"] = {"resources": []}


def main() -> None:
    args = sys.argv[1:]
    _append(
        "calls.jsonl",
        {
            "args": args,
            "cwd": os.getcwd(),
            "backend": os.environ.get("PULUMI_BACKEND_URL", ""),
            "passphrase_set": bool(os.environ.get("PULUMI_CONFIG_PASSPHRASE")),
            "aws_env": sorted(k for k in os.environ if k.startswith("AWS_")),
            "endpoint_url": os.environ.get("AWS_ENDPOINT_URL", ""),
            "time": time.time(),
        },
    )
    state = _load("state.json", {"stacks": {}})
    stacks: dict[str, Any] = state["stacks"]
    stack = _flag(args, "--stack") or ""
    words = [a for a in args if not a.startswith("-")]
    head = " ".join(words[:2])
    if args[:1] == ["version"]:
        print(STANDIN_VERSION)
    elif head == "stack init":
        stacks.setdefault(words[2], {"config": {}, "tags": {}, "outputs": {}})
    elif head == "stack select":
        if stack not in stacks:
            _fail(f"error: no stack named '{stack}' found")
    elif head == "stack rm":
        stacks.pop(words[-1], None)
    elif head == "stack tag":
        if words[2] == "set":
            stacks[stack]["tags"][words[3]] = words[4]
        else:
            print(json.dumps(stacks[stack]["tags"]))
    elif head == "stack export":
        print(json.dumps({"version": 3, "deployment": stacks[stack].get("deployment", {"resources": []})}))
    elif head == "config set-all":
        for flag, value in itertools.pairwise(args):
            if flag in ("--plaintext", "--secret"):
                key, _, val = value.partition("=")
                stacks[stack]["config"][key] = val
    elif head == "config get":
        key = words[2]
        if key not in stacks[stack]["config"]:
            _fail(f"error: configuration key '{key}' not found for stack '{stack}'")
        print(json.dumps({"value": stacks[stack]["config"][key], "secret": False}))
    elif head == "stack output":
        print(json.dumps(stacks[stack]["outputs"]))
    elif head == "stack history":  # what `Stack.up()` reads for its summary after the CLI returned
        entry = {
            "version": 1,
            "kind": "update",
            "startTime": "2026-11-23T00:00:00.000Z",
            "message": "",
            "endTime": "2026-11-23T00:00:01.000Z",
            "environment": {},
            "config": {},
            "result": "succeeded",
        }
        print(json.dumps([entry]))
    elif words[:1] == ["preview"]:
        _event(args, {"summaryEvent": {"maybeCorrupt": False, "durationSeconds": 1, "resourceChanges": {}}})
    elif words[:1] == ["up"]:
        stacks[stack]["deployment"] = _load("behavior.json", {}).get("deployment", {"resources": []})
    elif words[:1] == ["destroy"]:
        _destroy(args, stack, stacks)
    _save("state.json", {"stacks": stacks})


if __name__ == "__main__":
    main()
