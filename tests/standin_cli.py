"""A STAND-IN for the `pulumi` executable, for testing the driver's own logic through `pulumi.automation`.

It is not Pulumi: it deploys nothing itself. It records every invocation (arguments, working directory, its pid,
which environment variables were set, never secret values) to `calls.jsonl`, keeps a tiny stack list, config and
exported state in `state.json`, and behaves like the real CLI where the driver depends on it (each point read in
pulumi/pulumi):
- `up` (the Automation API always passes `--skip-preview`) applies its changes first and only then runs the stack
  policies (pkg/resource/deploy/deployment_executor.go, `AnalyzeResources` after the steps): every applied change
  is appended to `changes.jsonl`.
- `preview` reports policy violations as `policyEvent`s in the event log, with the enforcement level the
  `--policy-pack-config` file gives the policy (its own entry, else `all`, else advisory), and fails on mandatory
  ones.
- `up`/`destroy` hold a DIY lock file `<backend>/.pulumi/locks/organization/<project>/<stack>/<id>.json` with their
  pid and hostname (pkg/backend/diy/lock.go) and refuse to start while another lock exists.
- `cancel` only deletes the lock files (pkg/backend/diy/backend.go `CancelCurrentUpdate`): the running update goes on.
- SIGINT (pkg/backend/cancellation_scope.go): the first cancels gracefully (the in-flight operation finishes, the
  lock is released, its plugin child is stopped), a second terminates at once (lock left behind).
- It starts a "plugin" child in its own process group, as the CLI starts plugins (cmdutil.RegisterProcessGroup).
- `destroy` against an emulator (AWS_ENDPOINT_URL, honoured by botocore) deletes the exported functions and
  security groups with boto3, and fails with AWS's DependencyViolation while a Lambda ENI still holds a group.

`behavior.json` scripts each command: `ok`, `fail`, `policy`, `transient-once`, `hang` (graceful on SIGINT),
`hang-stubborn` (ignores the first SIGINT), `hang-unkillable` (ignores SIGINT), `policy-after-apply` (up),
`dependency-violation-once` (destroy);
`violations` (preview), `outputs`, `deployment` (what `up` leaves in the state).
"""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

STANDIN_VERSION = "v3.200.0"  # <= 3.205: the Automation API then uses a file event log
SIGINTS: list[int] = []


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


def alive(pid: int) -> bool:
    """Running and not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rfind(")") + 2 :].split()[0] != "Z"


def _running_others() -> list[int]:
    """Pids of other stand-in engine processes and their plugins that are still alive."""
    running = _dir() / "running"
    return sorted(int(p.name) for p in running.glob("*") if p.name.isdigit() and alive(int(p.name)))


def _register(pid: int) -> None:
    (_dir() / "running").mkdir(exist_ok=True)
    (_dir() / "running" / str(pid)).write_text("")


# --- DIY lock files (pkg/backend/diy/lock.go) -------------------------------------------------------------------
def _lock_dir(stack: str) -> Path | None:
    backend = os.environ.get("PULUMI_BACKEND_URL", "")
    if not backend.startswith("file://"):
        return None
    return Path(backend[len("file://") :]) / ".pulumi" / "locks" / "organization" / "lambda-netkit" / stack


def _acquire_lock(stack: str) -> Path | None:
    directory = _lock_dir(stack)
    if directory is None:
        return None
    existing = list(directory.glob("*.json")) if directory.is_dir() else []
    if existing:
        _fail(
            f"error: the stack is currently locked by {len(existing)} lock(s). Either wait for the other "
            "process(es) to end or delete the lock file with `pulumi cancel`."
        )
    directory.mkdir(parents=True, exist_ok=True)
    lock = directory / f"{uuid.uuid4()}.json"
    content = {"pid": os.getpid(), "username": "standin", "hostname": socket.gethostname(), "timestamp": "now"}
    lock.write_text(json.dumps(content))
    return lock


def _release_lock(lock: Path | None) -> None:
    if lock is not None:
        lock.unlink(missing_ok=True)


def _cancel(stack: str) -> None:
    directory = _lock_dir(stack)
    for lock in directory.glob("*.json") if directory and directory.is_dir() else []:
        lock.unlink(missing_ok=True)
    print(f"The currently running update for '{stack}' has been canceled!")


# --- engine operations ----------------------------------------------------------------------------------------
def _start_plugin() -> subprocess.Popen[bytes]:
    """A child in its own process group, like the language host and providers the CLI starts."""
    plugin = subprocess.Popen(
        [sys.executable, "-c", "import time\nwhile True: time.sleep(1)"], process_group=0, close_fds=True
    )
    _register(plugin.pid)
    return plugin


def _summary_event(args: list[str], changes: dict[str, int]) -> None:
    _event(args, {"summaryEvent": {"maybeCorrupt": False, "durationSeconds": 1, "resourceChanges": changes}})


def _event(args: list[str], payload: dict[str, Any]) -> None:
    log = _flag(args, "--event-log")
    if log:
        with open(log, "a", encoding="utf-8") as handle:
            handle.write(json.dumps({"sequence": 1, "timestamp": int(time.time()), **payload}) + "\n")


def _enforcement(args: list[str], policy: str) -> str:
    """The level the policy config gives `policy`, as the engine reconciles it (own entry, `all`, default)."""
    path = _flag(args, "--policy-pack-config")
    config = json.loads(Path(path).read_text()) if path and Path(path).is_file() else {}
    for key in (policy, "all"):
        value = config.get(key)
        if isinstance(value, str):
            return value
        if isinstance(value, dict) and isinstance(value.get("enforcementLevel"), str):
            return str(value["enforcementLevel"])
    return "advisory"


def _report_violations(command: str, args: list[str], violations: list[dict[str, str]]) -> None:
    mandatory = []
    for violation in violations:
        level = _enforcement(args, violation["policy"])
        _event(
            args,
            {
                "policyEvent": {
                    "resourceUrn": violation.get("urn", ""),
                    "message": violation.get("message", "violation"),
                    "color": "never",
                    "policyName": violation["policy"],
                    "policyPackName": "lambda-netkit",
                    "policyPackVersion": "0.1.0",
                    "policyPackVersionTag": "0.1.0",
                    "enforcementLevel": level,
                }
            },
        )
        if level == "mandatory":
            mandatory.append(violation["policy"])
    if mandatory:
        sys.stdout.write("Policy Violations:\n" + "".join(f"    [mandatory]  lambda-netkit {p}\n" for p in mandatory))
        _fail(f"error: {command} failed: mandatory policy violation")


def _on_sigint(_signum: int, _frame: Any) -> None:
    SIGINTS.append(1)


def _hang(command: str, behavior: str, stack: str, lock: Path | None, plugin: subprocess.Popen[bytes]) -> None:
    """A long update that handles SIGINT the way the CLI's cancellation scope does."""
    if behavior != "hang-unkillable":
        signal.signal(signal.SIGINT, _on_sigint)
    else:
        signal.signal(signal.SIGINT, signal.SIG_IGN)
    deadline = time.monotonic() + 120
    step = 0
    announced = False
    while time.monotonic() < deadline:
        if SIGINTS and not announced:
            announced = True
            print("^C received; cancelling. If you would like to terminate immediately, press ^C again.", flush=True)
        if len(SIGINTS) >= 2:
            print("^C received; terminating", flush=True)
            os._exit(255)  # terminate: no cleanup, the lock and the plugin stay behind
        if SIGINTS and behavior == "hang":
            time.sleep(0.2)  # the in-flight operation finishes
            plugin.kill()
            plugin.wait()
            _release_lock(lock)
            _fail(f"error: {command} canceled")
        step += 1
        change = {"command": command, "stack": stack, "change": f"step {step}", "pid": os.getpid(), "time": time.time()}
        _append("changes.jsonl", change)
        time.sleep(0.1)
    _fail("error: stand-in hang was never stopped")


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
        group = enis[0]["Groups"][0]["GroupId"]
        seen["error"] = (
            f"error: deleting EC2 Security Group ({group}): operation error EC2: DeleteSecurityGroup, "
            f"api error DependencyViolation: resource {group} has a dependent object"
        )
        return seen
    for group in groups:
        ec2.delete_security_group(GroupId=group)
    return seen


def _behave(command: str, args: list[str], stack: str) -> str:
    behavior = str(_load("behavior.json", {}).get(command, "ok"))
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
    if behavior == "dependency-violation-once":  # AWS is eventually consistent: a group freed a moment ago
        marker = _dir() / f"{command}.dv-done"
        if not marker.exists():
            marker.write_text("1")
            _fail(
                "error: deleting EC2 Security Group (sg-0123): operation error EC2: DeleteSecurityGroup, "
                "api error DependencyViolation: resource sg-0123 has a dependent object"
            )
    return behavior


def _engine_operation(command: str, args: list[str], stack: str, stacks: dict[str, Any]) -> None:
    behavior = _behave(command, args, stack)
    lock = _acquire_lock(stack)
    plugin = _start_plugin()
    _register(os.getpid())
    _append("started.jsonl", {"command": command, "pid": os.getpid(), "plugin_pid": plugin.pid})
    try:
        if behavior.startswith("hang"):
            _hang(command, behavior, stack, lock, plugin)
        scripted = _load("behavior.json", {})
        if command == "destroy" and os.environ.get("AWS_ENDPOINT_URL"):
            seen = _aws_destroy(stacks[stack].get("deployment", {}))
            _append("destroys.jsonl", seen)
            if "error" in seen:
                _fail(seen["error"])
        if command == "up":
            change = {"command": "up", "stack": stack, "change": "applied", "pid": os.getpid(), "time": time.time()}
            _append("changes.jsonl", change)
            stacks[stack]["outputs"] = scripted.get("outputs", {})
            stacks[stack]["deployment"] = scripted.get("deployment", {"resources": []})
            if behavior == "policy-after-apply":  # stack policies run after the steps were applied
                _save("state.json", {"stacks": stacks})
                sys.stdout.write("Policy Violations:\n    [mandatory]  lambda-netkit lambda-vpc-egress-path\n")
                _fail("error: update failed: mandatory policy violation")
        else:
            stacks[stack]["outputs"] = {}
            stacks[stack]["deployment"] = {"resources": []}
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
    finally:
        with contextlib.suppress(ProcessLookupError):
            plugin.kill()
        plugin.wait()
        _release_lock(lock)


def main() -> None:
    args = sys.argv[1:]
    call = {
        "args": args,
        "cwd": os.getcwd(),
        "pid": os.getpid(),
        "backend": os.environ.get("PULUMI_BACKEND_URL", ""),
        "passphrase_set": bool(os.environ.get("PULUMI_CONFIG_PASSPHRASE")),
        "aws_env": sorted(k for k in os.environ if k.startswith("AWS_")),
        "endpoint_url": os.environ.get("AWS_ENDPOINT_URL", ""),
        "alive_engine_processes": _running_others() if (_dir() / "running").is_dir() else [],
        "time": time.time(),
    }
    _append("calls.jsonl", call)
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
    elif head == "stack export":
        print(json.dumps({"version": 3, "deployment": stacks[stack].get("deployment", {"resources": []})}))
    elif head == "config set-all":
        for flag, value in itertools.pairwise(args):
            if flag in ("--plaintext", "--secret"):
                key, _, val = value.partition("=")
                stacks[stack]["config"][key] = val
        # the real CLI writes the values into the stack's settings file in the working directory
        import yaml

        settings_file = Path(os.getcwd(), f"Pulumi.{stack}.yaml")
        settings = (yaml.safe_load(settings_file.read_text()) if settings_file.exists() else None) or {}
        settings.setdefault("config", {}).update(stacks[stack]["config"])
        settings_file.write_text(yaml.safe_dump(settings))
    elif head == "config get":
        key = words[2]
        if key not in stacks[stack]["config"]:
            _fail(f"error: configuration key '{key}' not found for stack '{stack}'")
        print(json.dumps({"value": stacks[stack]["config"][key], "secret": False}))
    elif head == "stack output":
        print(json.dumps(stacks[stack]["outputs"]))
    elif head == "stack history":
        print(json.dumps(stacks[stack]["history"][-1:]))
    elif words[:1] == ["preview"]:
        _behave("preview", args, stack)
        _report_violations("preview", args, _load("behavior.json", {}).get("violations", []))
        _summary_event(args, {"create": 3})
        print("Previewing update (stand-in)")
    elif words[:1] in (["up"], ["destroy"]):
        _engine_operation(words[0], args, stack, stacks)
        state = {"stacks": {**_load("state.json", {"stacks": {}})["stacks"], stack: stacks[stack]}}
    elif words[:1] == ["cancel"]:
        _cancel(stack)
        return  # touches only the lock files, never the state
    _save("state.json", state)


if __name__ == "__main__":
    main()
