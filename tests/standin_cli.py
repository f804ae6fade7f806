"""A STAND-IN for the `pulumi` executable, for testing the driver's own logic through `pulumi.automation`.

It is not Pulumi: it deploys nothing. It records every invocation (arguments, working directory, which
environment variables were set, never their values) to `calls.jsonl`, keeps a tiny stack list and config in
`state.json`, and answers the commands the Automation API issues the way the CLI does (exit codes, JSON shapes,
error texts, the event log's summary event). `behavior.json` scripts failures per command: `ok`, `fail`,
`policy`, `transient-once`, `hang`. The real CLI is exercised by the `live` tests.
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


def _dir() -> Path:
    return Path(os.environ["NETKIT_STANDIN_DIR"])


def _load(name: str, default: Any) -> Any:
    path = _dir() / name
    return json.loads(path.read_text()) if path.exists() else default


def _save(name: str, value: Any) -> None:
    (_dir() / name).write_text(json.dumps(value, indent=2))


def _flag(args: list[str], name: str) -> str | None:
    return args[args.index(name) + 1] if name in args and args.index(name) + 1 < len(args) else None


def _fail(message: str, code: int = 255) -> None:
    sys.stderr.write(message + "\n")
    sys.exit(code)


def _summary_event(args: list[str], changes: dict[str, int]) -> None:
    log = _flag(args, "--event-log")
    if log:
        event = {
            "sequence": 1,
            "timestamp": int(time.time()),
            "summaryEvent": {
                "maybeCorrupt": False,
                "durationSeconds": 1,
                "resourceChanges": changes,
                "policyPacks": {},
            },
        }
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(json.dumps(event) + "\n")


def _behave(command: str, args: list[str]) -> None:
    behavior = _load("behavior.json", {}).get(command, "ok")
    if behavior == "fail":
        _fail(
            f"error: {command} failed: creating aws:lambda/function:Function: InvalidParameterValueException: "
            "The runtime parameter of python2.7 is no longer supported"
        )
    if behavior == "policy":
        sys.stdout.write("Policy Violations:\n    [mandatory]  lambda-netkit v0.1.0  lambda-vpc-egress-path\n")
        _fail(f"error: {command} failed: mandatory policy violation", 255)
    if behavior == "transient-once":
        marker = _dir() / f"{command}.transient-done"
        if not marker.exists():
            marker.write_text("1")
            _fail("error: creating EC2 NAT Gateway: RequestLimitExceeded: Request limit exceeded.")
    if behavior == "hang":
        cancel = _dir() / "cancel-requested"
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if cancel.exists():
                _fail("error: the update was canceled")
            time.sleep(0.05)
        _fail("error: stand-in hang was never cancelled")


def main() -> None:
    args = sys.argv[1:]
    with open(_dir() / "calls.jsonl", "a", encoding="utf-8") as handle:
        handle.write(
            json.dumps(
                {
                    "args": args,
                    "cwd": os.getcwd(),
                    "backend": os.environ.get("PULUMI_BACKEND_URL", ""),
                    "passphrase_set": bool(os.environ.get("PULUMI_CONFIG_PASSPHRASE")),
                }
            )
            + "\n"
        )
    state = _load("state.json", {"stacks": {}})
    stacks: dict[str, Any] = state["stacks"]
    stack = _flag(args, "--stack") or ""
    words = [a for a in args if not a.startswith("-")]
    head = " ".join(words[:2])
    if args[:1] == ["version"]:
        print(STANDIN_VERSION)
    elif head == "stack init":
        name = words[2]
        if name in stacks:
            _fail(f"error: stack '{name}' already exists")
        stacks[name] = {"config": {}, "tags": {}, "outputs": {}, "history": []}
    elif head == "stack select":
        if stack not in stacks:
            _fail(f"error: no stack named '{stack}' found")
    elif head == "stack ls":
        print(
            json.dumps(
                [
                    {"name": n, "current": False, "updateInProgress": False, "resourceCount": len(s["outputs"])}
                    for n, s in stacks.items()
                ]
            )
        )
    elif head == "stack rm":
        name = words[-1]
        if name not in stacks:
            _fail(f"error: no stack named '{name}' found")
        del stacks[name]
    elif head == "stack tag":
        if words[2] == "set":
            stacks[stack]["tags"][words[3]] = words[4]
        else:
            print(json.dumps(stacks[stack]["tags"]))
    elif head == "config set-all":
        for flag, value in itertools.pairwise(args):
            if flag in ("--plaintext", "--secret"):
                key, _, val = value.partition("=")
                stacks[stack]["config"][key] = val
    elif head == "stack output":
        print(json.dumps(stacks[stack]["outputs"]))
    elif head == "stack history":
        print(json.dumps(stacks[stack]["history"][-1:]))
    elif words[:1] == ["preview"]:
        _behave("preview", args)
        _summary_event(args, {"create": 3})
        print("Previewing update (stand-in)")
    elif words[:1] in (["up"], ["destroy"]):
        command = words[0]
        _behave(command, args)
        stacks[stack]["outputs"] = _load("behavior.json", {}).get("outputs", {}) if command == "up" else {}
        stacks[stack]["history"].append(
            {
                "version": len(stacks[stack]["history"]) + 1,
                "kind": "update" if command == "up" else "destroy",
                "startTime": "2026-11-23T00:00:00.000Z",
                "endTime": "2026-11-23T00:00:01.000Z",
                "message": "",
                "environment": {},
                "config": {},
                "result": "succeeded",
                "resourceChanges": {"create": 3},
            }
        )
        _summary_event(args, {"create": 3})
        print(f"{command} complete (stand-in)")
    elif words[:1] == ["cancel"]:
        (_dir() / "cancel-requested").write_text("1")
    _save("state.json", state)


if __name__ == "__main__":
    main()
