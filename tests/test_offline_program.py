"""The offline engine on third-party-shaped programs: own process and interpreter, planned state of a first preview,
lookups and fixtures, stack references, remote components, misbehaving programs, timeouts and signals."""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from google.protobuf import json_format

from automation.offline.engine import Mode, ProgramError, ProgramRun, RecordedResource, run_program
from automation.offline.fixtures import load_fixtures
from automation.offline.program_process import running_programs
from automation.offline.stack_config import ProgramLoadError, load_stack_config
from automation.provider_model.policy_document import get_policy_document
from automation.provider_model.wire import SECRET_SIG, SIG_KEY, UNKNOWN
from tests.conftest import FIXTURES, write_program

PROGRAMS = FIXTURES / "programs"
REPO = Path(__file__).resolve().parent.parent


def run(program: Path, mode: Mode = "preview", stack: str = "dev", **kwargs: Any) -> ProgramRun:
    overrides = kwargs.pop("overrides", None)
    return run_program(program, stack, mode, load_stack_config(program, stack, overrides), **kwargs)


def props(struct: Any) -> dict[str, Any]:
    return json_format.MessageToDict(struct)


def named(result: ProgramRun, name: str) -> RecordedResource:
    return next(r for r in result.resources if r.name == name)


def alive(pid: int) -> bool:
    """True while `pid` exists and is not a zombie."""
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, IndexError):
        return False
    return state != "Z"


def misbehaving(tmp_path: Path, what: str) -> Path:
    """A copy of the misbehaving program whose stack `dev` selects `what` (and records its pid)."""
    target = tmp_path / "misbehaving"
    target.mkdir()
    for name in ("Pulumi.yaml", "__main__.py"):
        (target / name).write_text((PROGRAMS / "misbehaving" / name).read_text())
    (target / "Pulumi.dev.yaml").write_text(
        f"config:\n  misbehaving:what: {what}\n  misbehaving:pidFile: {tmp_path / 'program.pid'}\n"
    )
    return target


# --- own process, own interpreter ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def random_provider_program(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The random_provider program with its own virtualenv `venv`: the Pulumi SDK shared from the checker's
    environment through a .pth path entry (no editable finders, so none of our packages), pulumi-random installed
    from PyPI into it. Built once per session."""
    target = tmp_path_factory.mktemp("programs") / "random_provider"
    target.mkdir()
    for name in ("Pulumi.yaml", "__main__.py", "requirements.txt"):
        (target / name).write_text((PROGRAMS / "random_provider" / name).read_text())
    venv = target / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    site = next((venv / "lib").glob("python*/site-packages"))
    shared = next(p for p in sys.path if p.endswith("site-packages") and Path(p, "pulumi").is_dir())
    (site / "shared_sdk.pth").write_text(shared + "\n")
    installed = subprocess.run(
        [str(venv / "bin" / "python"), "-m", "pip", "install", "--quiet", "--no-deps", "-r", "requirements.txt"],
        cwd=target,
        capture_output=True,
        text=True,
        timeout=300,
    )
    if installed.returncode != 0:
        pytest.skip(f"pulumi-random could not be installed from PyPI: {installed.stderr[-300:]}")
    return target


def test_program_with_another_provider_runs_in_its_own_virtualenv(random_provider_program: Path) -> None:
    assert importlib.util.find_spec("pulumi_random") is None, "the checker's environment must not have it"
    result = run(random_provider_program)
    assert result.interpreter == str(random_provider_program / "venv" / "bin" / "python")
    password = named(result, "db-password")
    assert password.type == "random:index/randomPassword:RandomPassword"
    assert props(password.inputs) == {"length": 24, "special": False}
    # Computed by the provider, omitted by the program; secret, since the SDK lists `result` among the resource's
    # additional secret outputs and the engine marks those in the new state.
    assert props(password.outputs)["result"] == {SIG_KEY: SECRET_SIG, "value": UNKNOWN}
    assert props(result.resources[0].outputs)["ours_importable"] == []
    assert any(r.type == "pulumi:providers:random" and r.name.startswith("default_4_") for r in result.resources)


def test_missing_virtualenv_is_a_load_error(tmp_path: Path) -> None:
    program = write_program(tmp_path, "import pulumi\n")
    (program / "Pulumi.yaml").write_text("name: p\nruntime:\n  name: python\n  options:\n    virtualenv: venv\n")
    with pytest.raises(ProgramLoadError, match=r"virtualenv 'venv'.*not a virtual environment"):
        run(program, stack="test")
    (program / "Pulumi.yaml").write_text("name: p\nruntime:\n  name: python\n  options:\n    toolchain: conda\n")
    with pytest.raises(ProgramLoadError, match="unsupported toolchain option 'conda'"):
        run(program, stack="test")


def test_own_components_package_is_imported_not_ours() -> None:
    result = run(PROGRAMS / "own_components", "update")
    site = named(result, "web")
    assert site.type == "acme:site:Site" and not site.custom
    assert named(result, "web-bucket").parent == site.urn
    assert props(site.outputs)["bucketName"]  # what the component registered with register_outputs
    assert props(result.resources[0].outputs)["ours_importable"] == []


def test_program_output_is_kept_apart(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    result = run(misbehaving(tmp_path, "print"))
    assert result.stdout == '{"not": "the report"}\n'
    assert "a warning of the program's own" in result.stderr
    seen = capfd.readouterr()
    assert "the report" not in seen.out and "warning of the program" not in seen.err


def test_source_positions_are_recorded() -> None:
    result = run(PROGRAMS / "planned_state")
    vpc = named(result, "vpc")
    assert vpc.source_file == str((PROGRAMS / "planned_state" / "__main__.py").resolve())
    assert vpc.source_line == 25
    table = named(result, "private-rt")
    assert table.source_line == 21  # inside the component: the line that declared the child


# --- misbehaving programs ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("what", "message"),
    [
        ("exit", r"exited by itself with sys.exit\(3\)"),
        ("os_exit", "exit status 4"),
        ("log_error", r"pulumi.log.error.*refuses this configuration"),
        ("duplicate", r"Duplicate resource URN 'urn:pulumi:dev::misbehaving::aws:ec2/vpc:Vpc::vpc'"),
        ("raise", "ValueError: no subnets configured"),
    ],
)
def test_misbehaving_programs_are_program_errors(tmp_path: Path, what: str, message: str) -> None:
    with pytest.raises(ProgramError, match=message) as info:
        run(misbehaving(tmp_path, what))
    if what == "raise":
        assert "__main__.py" in info.value.program_traceback and "run.py" not in info.value.program_traceback
    pid = int((tmp_path / "program.pid").read_text())
    assert not alive(pid) and pid not in running_programs()


def test_hanging_program_times_out_and_is_gone(tmp_path: Path) -> None:
    started = time.monotonic()
    with pytest.raises(ProgramError, match="did not finish within the timeout of 3 seconds"):
        run(misbehaving(tmp_path, "hang"), timeout=3)
    assert time.monotonic() - started < 20
    pid = int((tmp_path / "program.pid").read_text())
    assert not alive(pid) and running_programs() == []


RUNNER = """
import sys
from pathlib import Path
from automation.offline.engine import run_program
from automation.offline.stack_config import load_stack_config
program = Path(sys.argv[1])
run_program(program, "dev", "preview", load_stack_config(program, "dev"))
"""


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL, signal.SIGINT])
def test_a_killed_checker_leaves_no_program_running(tmp_path: Path, sig: signal.Signals) -> None:
    program = misbehaving(tmp_path, "hang")
    checker = subprocess.Popen(
        [sys.executable, "-c", RUNNER, str(program)],
        cwd=REPO,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    pid_file = tmp_path / "program.pid"
    deadline = time.monotonic() + 60
    while not pid_file.exists() or not pid_file.read_text():
        assert time.monotonic() < deadline and checker.poll() is None, checker.communicate()
        time.sleep(0.1)
    pid = int(pid_file.read_text())
    assert alive(pid)
    checker.send_signal(sig)
    _, stderr = checker.communicate(timeout=30)
    deadline = time.monotonic() + 10
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(pid)
    assert "Exception ignored" not in stderr


# --- planned state -----------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def planned() -> Iterator[dict[str, ProgramRun]]:
    yield {mode: run(PROGRAMS / "planned_state", mode) for mode in ("preview", "update")}


def test_preview_computed_outputs_the_program_omitted_are_unknown(planned: dict[str, ProgramRun]) -> None:
    preview = planned["preview"]
    vpc, table, endpoint = named(preview, "vpc"), named(preview, "private-rt"), named(preview, "sqs")
    # inputs: what the program set, plus what the provider's Check adds (Terraform defaults, tagsAll)
    assert props(vpc.inputs) == {
        "cidrBlock": "10.0.0.0/16",
        "enableDnsSupport": True,
        "instanceTenancy": "default",
        "tagsAll": {},
    }
    assert props(vpc.outputs)["cidrBlock"] == "10.0.0.0/16"
    assert props(vpc.outputs)["enableDnsHostnames"] == UNKNOWN
    assert props(table.outputs)["routes"] == UNKNOWN
    assert props(endpoint.outputs)["privateDnsEnabled"] == UNKNOWN
    assert props(endpoint.outputs)["vpcEndpointType"] == "Interface"  # set by the program: known
    assert "tags" not in props(vpc.outputs)  # optional and not computed: absent, as in the provider's plan
    for resource in (vpc, table, endpoint):
        assert resource.id == "" and props(resource.outputs)["id"] == UNKNOWN


def test_update_fills_computed_outputs_with_documented_defaults(planned: dict[str, ProgramRun]) -> None:
    update = planned["update"]
    vpc, table, endpoint = named(update, "vpc"), named(update, "private-rt"), named(update, "sqs")
    assert props(vpc.outputs)["enableDnsHostnames"] is False and props(vpc.outputs)["enableDnsSupport"] is True
    assert props(table.outputs)["routes"] == []
    assert props(endpoint.outputs)["privateDnsEnabled"] is False
    assert vpc.id.startswith("vpc-") and table.id.startswith("rtb-") and endpoint.id.startswith("vpce-")
    assert props(vpc.outputs)["mainRouteTableId"].startswith("rtb-")
    assert props(vpc.outputs)["arn"].startswith("arn:aws:ec2:us-east-1:123456789012:")


def test_references_are_downgraded_and_internal_keys_stripped(planned: dict[str, ProgramRun]) -> None:
    for mode, result in planned.items():
        vpc, tier = named(result, "vpc"), named(result, "private")
        endpoint, tag = props(named(result, "sqs").inputs), props(named(result, "tier-tag").inputs)
        assert endpoint["vpcId"] == (UNKNOWN if mode == "preview" else vpc.id)  # a custom resource: its id
        assert tag["resourceId"] == tier.urn  # a component: its URN
        dynamic = props(named(result, "dynamic").inputs)
        assert dynamic["size"] == 3 and not [k for k in dynamic if k.startswith("__")]
        assert props(tier.outputs)["kind"] == "private"  # component outputs: its register_outputs


def test_analyzed_registrations_and_order(planned: dict[str, ProgramRun]) -> None:
    preview = planned["preview"]
    types = [r.type for r in preview.analyzed()]
    assert types[0] == "pulumi:pulumi:Stack"
    assert types[1] == "pulumi:providers:aws" and preview.resources[1].name == "default_7_51_1"
    assert named(preview, "vpc").provider.startswith(preview.resources[1].urn + "::")
    again = run(PROGRAMS / "planned_state")
    assert [r.urn for r in again.resources] == [r.urn for r in preview.resources]


def test_remote_component_is_recorded_and_never_crashes_update() -> None:
    for mode in ("preview", "update"):
        result = run(PROGRAMS / "remote_component", mode)
        vpc = named(result, "main")
        assert vpc.remote and result.remote_components == [vpc.urn]
        assert props(named(result, "fn").inputs)["vpcId"] == UNKNOWN
        assert any(r.type == "pulumi:providers:awsx" for r in result.resources)


# --- lookups, fixtures, stack references ---------------------------------------------------------------------------


def test_lookups_without_fixtures_are_unknown_in_preview() -> None:
    result = run(PROGRAMS / "lookups")
    assert result.unknown_lookups == [
        "aws:ec2/getVpc:getVpc",
        "aws:ec2/getAmi:getAmi",
        "pulumi:pulumi:StackReference(acme/network/prod)",
    ]
    assert props(named(result, "fn-sg").inputs)["vpcId"] == UNKNOWN
    assert props(named(result, "extra").inputs)["vpcId"] == UNKNOWN
    exports = props(result.resources[0].outputs)
    # Not a fact: AZ ids map to names differently in every account, so the offline engine does not invent them
    # (issue 17; tests/test_offline_zones.py); a getAvailabilityZones fixture answers them.
    assert exports.get("zone_ids") is None
    assert "ami" not in exports or exports["ami"] == UNKNOWN


def test_lookups_with_fixtures_are_answered() -> None:
    fixtures = load_fixtures(PROGRAMS / "lookups" / "fixtures.yaml")
    for mode in ("preview", "update"):
        result = run(PROGRAMS / "lookups", mode, fixtures=fixtures)
        assert result.unknown_lookups == []
        assert props(named(result, "fn-sg").inputs)["vpcId"] == "vpc-0abc1234"
        assert props(named(result, "extra").inputs)["vpcId"] == "vpc-0shared"
        assert props(result.resources[0].outputs)["ami"] == "ami-0123456789abcdef0"


def test_lookup_without_fixture_in_update_names_the_entry_to_add() -> None:
    with pytest.raises(ProgramError) as info:
        run(PROGRAMS / "lookups", "update")
    message = str(info.value)
    assert "offline/shim" not in info.value.program_traceback  # never a traceback of ours
    assert "aws:ec2/getVpc:getVpc" in message
    assert 'invokes:\n  - token: aws:ec2/getVpc:getVpc\n    args: {"default": true}' in message
    assert "cidrBlock: ..." in message


def test_policy_document_is_built_as_the_provider_builds_it() -> None:
    result = run(PROGRAMS / "lookups", fixtures=load_fixtures(PROGRAMS / "lookups" / "fixtures.yaml"))
    expected = textwrap.dedent(
        """\
        {
          "Version": "2012-10-17",
          "Statement": [
            {
              "Sid": "",
              "Effect": "Allow",
              "Action": "sts:AssumeRole",
              "Principal": {
                "Service": "lambda.amazonaws.com"
              }
            }
          ]
        }"""
    )
    assert props(named(result, "fn-role").inputs)["assumeRolePolicy"] == expected


def test_policy_document_merges_sorts_and_groups() -> None:
    source = json.dumps({"Version": "2012-10-17", "Statement": [{"Sid": "Read", "Effect": "Allow", "Action": "*"}]})
    result = get_policy_document(
        {
            "sourcePolicyDocuments": [source],
            "statements": [
                {
                    "sid": "Read",
                    "actions": ["s3:GetObject", "s3:ListBucket", "s3:GetObject"],
                    "resources": ["arn:aws:s3:::b/&{aws:username}/*"],
                    "conditions": [
                        {"test": "StringEquals", "variable": "aws:SourceVpc", "values": ["vpc-1"]},
                        {"test": "StringEquals", "variable": "aws:SourceAccount", "values": ["1", "2"]},
                    ],
                },
                {"effect": "Deny", "notActions": ["iam:*"], "principals": [{"type": "*", "identifiers": ["*"]}]},
            ],
        }
    )
    doc = json.loads(result["json"])
    read, deny = doc["Statement"]
    assert read["Action"] == ["s3:ListBucket", "s3:GetObject"]  # a set, reverse-sorted as the provider does
    assert read["Resource"] == "arn:aws:s3:::b/${aws:username}/*"
    assert read["Condition"] == {"StringEquals": {"aws:SourceVpc": "vpc-1", "aws:SourceAccount": ["1", "2"]}}
    assert deny == {"Sid": "", "Effect": "Deny", "NotAction": "iam:*", "Principal": "*"}
    assert json.loads(result["minifiedJson"]) == doc and " " not in result["minifiedJson"]


# --- stack config and fixtures files -------------------------------------------------------------------------------


def test_config_overrides_and_stack_name_typos(tmp_path: Path) -> None:
    program = write_program(tmp_path, "import pulumi\n", {"aws:region": "eu-west-1"}, stack="dev")
    config = load_stack_config(program, "dev", {"aws:region": "eu-central-1", "size": "3"}, stack_named=True)
    assert config.region == "eu-central-1" and config.values["snippet:size"] == "3"
    with pytest.raises(ProgramLoadError, match=r"Pulumi.prdo.yaml"):
        load_stack_config(program, "prdo", stack_named=True)
    assert load_stack_config(program, "prdo", {"aws:region": "us-west-2"}, stack_named=True).region == "us-west-2"
    assert "empty config" in load_stack_config(program, "other").notes[0]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("Pulumi.dev.yaml", b"config:\n  a: \xff\xfe\n", "is not UTF-8"),
        ("Pulumi.dev.yaml", b"config: [1, 2]\n", "`config` must be a mapping"),
        ("Pulumi.dev.yaml", b"config: {a: [\n", "is not valid YAML"),
        ("Pulumi.yaml", b"- just\n- a list\n", "must hold a mapping"),
        ("Pulumi.yaml", b"name: p\nruntime: {name: python, options: [venv]}\n", "`runtime.options` must be a mapping"),
    ],
)
def test_bad_project_files_are_one_line_errors(tmp_path: Path, name: str, content: bytes, message: str) -> None:
    program = write_program(tmp_path, "import pulumi\n", stack="dev")
    (program / name).write_bytes(content)
    with pytest.raises(ProgramLoadError, match=message) as info:
        load_stack_config(program, "dev")
    assert "\n" not in str(info.value)


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ("invokes: {token: x}\n", "`invokes` must be a list"),
        ("invokes:\n  - args: {}\n    result: {}\n", r"invokes\[0\] needs a `token`"),
        ("invokes:\n  - token: aws:ec2/getVpc:getVpc\n", r"invokes\[0\]: `result` must be a mapping"),
        ("stackReferences:\n  acme/net/prod: [1]\n", "stackReferences.acme/net/prod must be a mapping"),
        ("lookups: []\n", "unknown top-level keys lookups"),
    ],
)
def test_bad_fixtures_are_one_line_errors(tmp_path: Path, content: str, message: str) -> None:
    path = tmp_path / "fixtures.yaml"
    path.write_text(content)
    with pytest.raises(ProgramLoadError, match=message):
        load_fixtures(path)
    with pytest.raises(ProgramLoadError, match="does not exist"):
        load_fixtures(tmp_path / "missing.yaml")


def test_secure_config_reaches_the_default_provider_as_a_secret(tmp_path: Path) -> None:
    program = write_program(tmp_path, "import pulumi_aws as aws\naws.ec2.Vpc('v', cidr_block='10.0.0.0/16')\n")
    (program / "Pulumi.test.yaml").write_text("config:\n  aws:region: eu-west-1\n  aws:token:\n    secure: AAAbbb\n")
    result = run(program, stack="test")
    provider = next(r for r in result.resources if r.type == "pulumi:providers:aws")
    inputs = props(provider.inputs)
    assert inputs["region"] == "eu-west-1" and inputs["version"] == "7.51.1"
    assert inputs["token"]["4dabf18193072939515e22adb298388d"] == "1b47061264138c4ac30d75fd1eb44270"


def test_no_program_module_leaks_into_the_checker() -> None:
    before, cwd, path = set(sys.modules), os.getcwd(), list(sys.path)
    run(PROGRAMS / "own_components")
    assert not [m for m in set(sys.modules) - before if m.startswith(("components", "pulumi_aws.s3"))]
    assert os.getcwd() == cwd and sys.path == path  # the program changed neither


def test_uv_project_runs_with_its_dot_venv(tmp_path: Path) -> None:
    """toolchain.go ResolveToolchain: a uv.lock selects uv, whose environment is `.venv` next to it."""
    program = write_program(tmp_path, "import sys\nimport pulumi\npulumi.export('python', sys.executable)\n")
    (program / "uv.lock").write_text("version = 1\n")
    with pytest.raises(ProgramLoadError, match="uv sync"):
        run(program, stack="test")
    (program / ".venv").symlink_to(Path(sys.prefix), target_is_directory=True)
    result = run(program, stack="test")
    assert result.interpreter == str(program / ".venv" / "bin" / "python")


def test_main_directory_is_the_working_directory(tmp_path: Path) -> None:
    program = write_program(tmp_path, "")
    (program / "__main__.py").unlink()
    (program / "Pulumi.yaml").write_text("name: nested\nruntime: python\nmain: infra/\n")
    (program / "infra").mkdir()
    (program / "infra" / "settings.txt").write_text("from the main directory\n")
    (program / "infra" / "__main__.py").write_text(
        "import pulumi\npulumi.export('text', open('settings.txt').read().strip())\n"
    )
    result = run(program, stack="test")
    assert props(result.resources[0].outputs)["text"] == "from the main directory"


def test_explicit_provider_region_answers_its_resources_and_lookups(tmp_path: Path) -> None:
    program = write_program(
        tmp_path,
        """
        import pulumi
        import pulumi_aws as aws

        euw1 = aws.Provider("euw1", region="eu-west-1")
        zones = aws.get_availability_zones(opts=pulumi.InvokeOptions(provider=euw1))
        vpc = aws.ec2.Vpc("v", cidr_block="10.0.0.0/16", assign_generated_ipv6_cidr_block=True,
                          opts=pulumi.ResourceOptions(provider=euw1))
        eip = aws.ec2.Eip("e", domain="vpc")
        nat = aws.ec2.NatGateway("n", vpc_id=vpc.id, availability_mode="regional",
                                 availability_zone_addresses=[{"availability_zone": "us-east-1a",
                                                               "allocation_ids": [eip.allocation_id]}])
        pulumi.export("zones", zones.names)
        """,
    )
    result = run(program, "update", stack="test")
    assert result.exports()["zones"] == ["eu-west-1a", "eu-west-1b", "eu-west-1c"]
    vpc = props(named(result, "v").outputs)
    assert vpc["region"] == "eu-west-1" and vpc["ipv6CidrBlock"].endswith("00::/56")
    nat, eip = props(named(result, "n").outputs), named(result, "e")
    assert nat["publicIp"] == "" and nat["autoProvisionZones"] == "disabled"
    assert [a["allocationId"] for a in nat["regionalNatGatewayAddresses"]] == [props(eip.outputs)["allocationId"]]


def test_fixture_hint_never_prints_a_secret(tmp_path: Path) -> None:
    program = write_program(
        tmp_path,
        """
        import pulumi
        import pulumi_aws as aws

        token = pulumi.Config().require_secret("lookupTag")
        aws.ec2.get_vpc_output(tags={"owner": token}).apply(lambda vpc: aws.ec2.SecurityGroup("sg", vpc_id=vpc.id))
        """,
    )
    (program / "Pulumi.test.yaml").write_text("config:\n  snippet:lookupTag:\n    secure: AAAbbb\n")
    with pytest.raises(ProgramError, match="aws:ec2/getVpc:getVpc") as info:
        run(program, "update", stack="test")
    assert "[secret]" in str(info.value) and "offline-secret-placeholder" not in str(info.value)


def test_processes_the_program_starts_do_not_outlive_it(tmp_path: Path) -> None:
    marker = tmp_path / "sleeper.pid"
    program = write_program(
        tmp_path,
        f"""
        import subprocess
        import pulumi
        sleeper = subprocess.Popen(["sleep", "300"])
        open({str(marker)!r}, "w").write(str(sleeper.pid))
        """,
    )
    started = time.monotonic()
    run(program, stack="test")
    assert time.monotonic() - started < 8  # its inherited stdout/stderr pipes do not hold the check
    pid = int(marker.read_text())
    deadline = time.monotonic() + 5
    while alive(pid) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not alive(pid)
