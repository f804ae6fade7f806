# ruff: noqa: E501 - the probe tables keep one probe per line
"""Probes of `netkit check` as a new user meets it (issue 19): every bad input ends with exit 2 and one line, no
known secret appears in anything the check prints or writes, and nothing the check starts outlives it.

Each probe is one run of the real command line (`python -m automation check ...`) on a throwaway program, with all
three formats at once (JSON on stdout, SARIF and text in files), so one run answers every question about it:
- the exit status, and the error line: one line on stderr (a program's own traceback may come before it, never one of
  ours), naming what is wrong; the same line in the JSON `{"error": ...}` document and in the SARIF notification;
- a marker planted in every secret (secure config, `Output.secret`, invoke arguments, Lambda environment values,
  values echoed back by the policy pack) appears in no output, no report file and no file left in the run's TMPDIR;
- no process carrying the probe's id in its environment (the checker, the pack, the program and all they start) is
  left once the check is over, whatever ended it (finished, failed, timed out, Ctrl-C, SIGTERM, SIGKILL).
The runs go on a small pool (the machine is shared), and each test reads its run's result.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import textwrap
import time
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from automation.check import REPO_ROOT
from tests.conftest import FIXTURES
from tests.live_processes import processes_with_env

MARKER = f"nkprobe{uuid.uuid4().hex[:12]}"  # planted in every secret; must never come out
PROBE_PACK = FIXTURES / "probe_pack"
NETKIT_PACK = REPO_ROOT / "policies"
CRASH_PACK = FIXTURES / "crash_pack"  # fails while loading its policies
WORKERS = 3
GITHUB_TOKEN = "ghp_" + (MARKER + "Q7w3ZkX9pL2mN8vB4cR6tY1uJ5hG0fD")[:36]  # a shape lambda-env-no-secrets finds
PROJECT = "name: probe\nruntime: python\n"
STACK = "config:\n  aws:region: eu-west-1\n"
PROGRAM = "import pulumi\nimport pulumi_aws as aws\naws.ec2.Vpc('vpc', cidr_block='10.0.0.0/16')\n"
FAST_ERROR_SECONDS = 20.0  # bad input is refused, and a failing program reported, within seconds


@dataclass
class Probe:
    """One run: the program directory's files, the arguments after `check probe --program DIR`, what must happen."""

    id: str
    kind: str  # bad-input | program | secret | process | message
    files: dict[str, str | bytes] = field(default_factory=dict)
    args: list[str] = field(default_factory=list)
    code: int = 2
    expect: str = ""  # a regular expression the error line must match
    stack: str | None = "probe"  # None: no stack argument
    pack: Path = PROBE_PACK
    formats: bool = True  # JSON on stdout, SARIF and text in files
    stop: str = ""  # SIGINT | SIGTERM | SIGKILL: sent to the check once the program runs
    secrets: tuple[str, ...] = (MARKER,)
    traceback: bool = False  # the program's own traceback (or the pack's stderr) may precede the error line
    hint: bool = False  # a fixture entry to add follows the error line

    def program_files(self) -> dict[str, str | bytes]:
        files: dict[str, str | bytes] = {"Pulumi.yaml": PROJECT, "Pulumi.probe.yaml": STACK, "__main__.py": PROGRAM}
        files.update(self.files)
        return {name: content for name, content in files.items() if content is not None}


def program(code: str, **files: str | bytes) -> dict[str, str | bytes]:
    return {"__main__.py": textwrap.dedent(code), **{name.replace("__", "."): text for name, text in files.items()}}


# -- the probes -----------------------------------------------------------------------------------------------------
def bad_arguments() -> list[Probe]:
    def bad(ident: str, args: list[str], expect: str, **kw: Any) -> Probe:
        return Probe(f"args-{ident}", "bad-input", args=args, expect=expect, **kw)

    return [
        bad("mode", ["--mode", "destroy"], "invalid choice"),
        bad("unknown-flag", ["--no-such-flag"], "unrecognized arguments"),
        bad("config-no-equals", ["--config", "novalue"], "expects KEY=VALUE"),
        bad("config-empty-key", ["--config", "=x"], "expects KEY=VALUE"),
        bad("timeout-negative", ["--timeout", "-1"], "positive number of seconds"),
        bad("timeout-text", ["--timeout", "soon"], "number of seconds"),
        bad("timeout-inf", ["--timeout", "inf"], "positive number of seconds"),
        bad("format", ["--format", "xml"], "invalid choice"),
        bad("two-stdout", ["--format", "json", "--format", "sarif"], "only one format can go to stdout", formats=False),
        bad(
            "same-output",
            ["--format", "json", "--output", "{out}/r", "--format", "sarif", "--output", "{out}/r"],
            "given for both json and sarif",
            formats=False,
        ),
        bad(
            "output-missing-dir", ["--format", "json", "--output", "{out}/none/r.json"], "does not exist", formats=False
        ),
        bad("output-is-dir", ["--format", "json", "--output", "{out}"], "is a directory", formats=False),
        bad(
            "output-is-fixtures",
            ["--fixtures", "{dir}/fx.yaml", "--format", "json", "--output", "{dir}/fx.yaml"],
            "is an input of the check",
            files={"fx.yaml": "invokes: []\n"},
            formats=False,
        ),
        bad(
            "output-is-policy-config",
            ["--policy-config", "{dir}/pc.json", "--output", "{dir}/pc.json"],
            "is an input of the check",
            files={"pc.json": "{}"},
            formats=False,
        ),
        bad(
            "mistyped-option-value", [f"--conifg=aws:secretKey={MARKER}"], "unrecognized arguments: --conifg=\\.\\.\\."
        ),
        bad("stack-path", [], "a stack name may only hold", stack="../etc/x"),
        bad("stack-space", [], "a stack name may only hold", stack="my stack"),
        bad("two-stacks", ["staging"], "unrecognized arguments"),
        bad("program-is-file", ["--program", "{dir}/__main__.py"], "is a file; pass its directory"),
        bad("program-is-pulumi-yaml", ["--program", "{dir}/Pulumi.yaml"], "is a file; pass its directory"),
        bad("program-missing", ["--program", "{dir}/nowhere"], "does not exist"),
        bad("pack-missing", ["--policy-pack", "{dir}/nopack"], "does not exist"),
        bad("pack-is-file", ["--policy-pack", "{dir}/__main__.py"], "is a file; pass the directory"),
        bad("fixtures-missing", ["--fixtures", "{dir}/none.yaml"], "fixtures file .* does not exist"),
        bad("fixtures-is-dir", ["--fixtures", "{dir}"], "is a directory"),
        bad("policy-config-missing", ["--policy-config", "{dir}/none.json"], "does not exist"),
        bad("stack-typo", [], "has no config file .*Pulumi.prdo.yaml", stack="prdo"),
    ]


def bad_project_files() -> list[Probe]:
    def bad(ident: str, project: str | bytes, expect: str, **kw: Any) -> Probe:
        return Probe(f"project-{ident}", "bad-input", files={"Pulumi.yaml": project}, expect=expect, **kw)

    runtime = "runtime: python\n"
    return [
        bad("no-name", runtime, "`name` is missing"),
        bad("name-number", "name: 123\n" + runtime, "`name` must be a non-empty string, not a number"),
        bad("name-empty", "name: ''\n" + runtime, "`name` must be a non-empty string"),
        bad("name-space", "name: my project\n" + runtime, "`name` may only hold"),
        bad("name-long", "name: " + "n" * 101 + "\n" + runtime, "`name` may only hold"),
        bad("no-runtime", "name: probe\n", "`runtime` is missing"),
        bad("runtime-empty", "name: probe\nruntime: ''\n", "`runtime` must not be empty"),
        bad("runtime-list", "name: probe\nruntime: [python]\n", "`runtime` must be a name or a mapping"),
        bad("runtime-extra", "name: probe\nruntime: {name: python, version: 3}\n", "may only have `name` and `options`"),
        bad("runtime-no-name", "name: probe\nruntime: {options: {}}\n", "`runtime.name` must be a non-empty string"),
        bad("options-list", "name: probe\nruntime: {name: python, options: [venv]}\n", "`runtime.options` must be a mapping"),
        bad("virtualenv-number", "name: probe\nruntime: {name: python, options: {virtualenv: 3}}\n", "`virtualenv` must be a string"),
        bad("toolchain", "name: probe\nruntime: {name: python, options: {toolchain: conda}}\n", "unsupported toolchain option"),
        bad("typechecker", "name: probe\nruntime: {name: python, options: {typechecker: flake8}}\n", "unsupported typechecker"),
        bad("options-refresh", "name: probe\n" + runtime + "options: {refresh: never}\n", "`options.refresh` may only be always"),
        bad("options-unknown", "name: probe\n" + runtime + "options: {color: red}\n", "`options` may only have refresh"),
        bad("backend-list", "name: probe\n" + runtime + "backend: [file]\n", "`backend` must be a mapping"),
        bad("main-number", "name: probe\n" + runtime + "main: 5\n", "`main` must be a string"),
        bad("main-missing", "name: probe\n" + runtime + "main: app.py\n", "expected app.py"),
        bad("yaml-syntax", "name: probe\nruntime: [python\n", r"not valid YAML \(line 3, column 1"),
        bad("not-utf8", b"name: pr\xffobe\n" + runtime.encode(), "is not UTF-8 text"),
        bad("list", "- name\n- runtime\n", "must hold a mapping"),
        bad("duplicate-key", "name: probe\nruntime: python\nname: other\n", r"key name is given twice \(first on line 1\)"),
        bad("default-and-value", "name: probe\n" + runtime + "config:\n  size: {default: 1, value: 2}\n", "both a `default` and a `value`"),
        bad("array-no-items", "name: probe\n" + runtime + "config:\n  zones: {type: array}\n", "declares an array but not"),
        bad("default-type", "name: probe\n" + runtime + "config:\n  size: {type: integer, default: big}\n", "not of the declared type integer"),
        bad("foreign-type", "name: probe\n" + runtime + "config:\n  aws:region: {type: string, value: x}\n", "must not declare a `type`"),
        bad("foreign-default", "name: probe\n" + runtime + "config:\n  aws:region: {default: us-east-1}\n", "give it a `value`"),
        bad("foreign-no-value", "name: probe\n" + runtime + "config:\n  aws:region: {description: where}\n", "must have a `value`"),
        bad("config-type", "name: probe\n" + runtime + "config:\n  size: {type: float}\n", "`type` must be one of"),
        bad("config-secret-flag", "name: probe\n" + runtime + "config:\n  size: {type: string, secret: 'yes'}\n", "`secret` must be true or false"),
        bad("description-list", "name: probe\n" + runtime + "description: [a]\n", "`description` must be a string"),
        bad("two-config-dirs", "name: probe\n" + runtime + "config: cfg\nstackConfigDir: cfg\n", "not both"),
    ]  # fmt: skip


def bad_stack_config() -> list[Probe]:
    def bad(ident: str, stack: str | bytes, expect: str, **kw: Any) -> Probe:
        files = {"Pulumi.probe.yaml": stack, **kw.pop("files", {})}
        return Probe(f"stack-{ident}", "bad-input", files=files, expect=expect, **kw)

    typed = "name: probe\nruntime: python\nconfig:\n  size: {type: integer}\n  token: {type: string, secret: true}\n"
    return [
        bad("three-part-key", "config:\n  a:b:c: 1\n", "config key a:b:c is not of the form <namespace>:<name>"),
        bad("number-key", "config:\n  123: x\n", "a config key must be a non-empty string, not a number"),
        bad("region-mapping", f"config:\n  aws:region: {{name: {MARKER}}}\n", r"Pulumi.probe.yaml: config key aws:region must be a string, not a mapping"),
        bad("region-list", "config:\n  aws:region: [us-east-1]\n", "aws:region must be a string, not a list"),
        bad("bool-key", f"config:\n  aws:skipCredentialsValidation: {MARKER}\n", "aws:skipCredentialsValidation must be true or false"),
        bad("int-key", f"config:\n  aws:maxRetries: {MARKER}\n", "aws:maxRetries must be a whole number"),
        bad("tags-strings", "config:\n  pulumi:tags: {team: 3}\n", "pulumi:tags must be a mapping of tag names to strings"),
        bad("tags-list", "config:\n  pulumi:tags: [a]\n", "pulumi:tags must be a mapping"),
        bad("config-list", "config: [1, 2]\n", "`config` must be a mapping of config keys, not a list"),
        bad("top-list", "- config\n", "must hold a mapping"),
        bad("yaml-syntax", f"config:\n  aws:secretKey: \"{MARKER}\n", r"Pulumi.probe.yaml is not valid YAML \(line"),
        bad("duplicate-key", "config:\n  aws:region: eu-west-1\n  aws:region: us-east-1\n", "key aws:region is given twice"),
        bad("duplicate-forms", "config:\n  probe:size: 1\n  size: 2\n", "config key probe:size is given twice"),
        bad("not-utf8", b"config:\n  a: \xff\n", "is not UTF-8 text"),
        bad("declared-type", f"config:\n  size: {MARKER}\n  token: {{secure: v1:x}}\n", "config key probe:size must be of type integer", files={"Pulumi.yaml": typed}),
        bad("declared-secret", f"config:\n  size: 3\n  token: {MARKER}\n", "probe:token must be a secure value", files={"Pulumi.yaml": typed}),
        bad("declared-missing", "config:\n  token: {secure: v1:x}\n", "missing the config value probe:size", files={"Pulumi.yaml": typed}),
        bad("option-three-part", STACK, "--config: config key a:b:c is not of the form", args=["--config", f"a:b:c={MARKER}"]),
        bad("option-int-key", STACK, "--config aws:maxRetries: config key aws:maxRetries must be a whole number", args=["--config", f"aws:maxRetries={MARKER}"]),
        bad("option-declared", "config:\n  token: {secure: v1:x}\n", "--config: config key probe:size must be of type integer", args=["--config", f"size={MARKER}"], files={"Pulumi.yaml": typed}),
    ]  # fmt: skip


def bad_policy_config() -> list[Probe]:
    def bad(ident: str, text: str | bytes, expect: str, pack: Path = PROBE_PACK) -> Probe:
        return Probe(
            f"policy-config-{ident}",
            "bad-input",
            files={"pc.json": text},
            args=["--policy-config", "{dir}/pc.json"],
            expect=expect,
            pack=pack,
        )

    return [
        bad("json-syntax", '{"probe-stack": "mandatory",\n  "x": }', r"is not valid JSON \(line 2, column 8"),
        bad("array", "[]", "must be a JSON object keyed by policy name"),
        bad("level", '{"probe-stack": "loud"}', "probe-stack: not a valid enforcement level"),
        bad("level-number", '{"probe-stack": {"enforcementLevel": 3}}', "enforcementLevel: not a valid enforcement"),
        bad("entry-number", '{"probe-stack": 3}', "must be an enforcement level string or an object"),
        bad("not-utf8", b'{"probe-stack": "\xff"}', "is not UTF-8 text"),
        bad("environments", '{"environments": "prod"}', '"environments" must be an array of strings'),
        bad("schema-type", f'{{"probe-resource": {{"answer": "{MARKER}"}}}}', "probe-resource: answer must be of type integer"),
        bad("unknown-no-level", '{"no-such-policy": {"x": 1}}', "has no enforcementLevel and names no policy"),
        bad("regex", '{"lambda-env-no-secrets": {"allowPatterns": ["(["]}}', r"allowPatterns.0 must be a valid regular expression", NETKIT_PACK),
        bad("regex-not-list", '{"lambda-env-no-secrets": {"allowPatterns": "x"}}', "allowPatterns must be of type array", NETKIT_PACK),
        bad("regex-number", '{"lambda-env-no-secrets": {"allowPatterns": [3]}}', "allowPatterns.0 must be of type string", NETKIT_PACK),
        bad("minimum", '{"lambda-multi-az": {"minimumAzs": 0}}', "lambda-multi-az: minimumAzs must be >= 1", NETKIT_PACK),
    ]  # fmt: skip


def bad_pack_manifests() -> list[Probe]:
    def bad(ident: str, manifest: str, expect: str) -> Probe:
        files: dict[str, str | bytes] = {"pack/PulumiPolicy.yaml": manifest, "pack/__main__.py": ""}
        return Probe(f"pack-{ident}", "bad-input", files=files, args=["--policy-pack", "{dir}/pack"], expect=expect)

    return [
        bad("yaml-syntax", "runtime: python\nversion: [1\n", r"PulumiPolicy.yaml is not valid YAML \(line 3, column 1"),
        bad("list", "- runtime\n", "must hold a mapping"),
        bad("runtime", "runtime: nodejs\n", "runtime 'nodejs' is not supported"),
        bad("virtualenv", "runtime: {name: python, options: {virtualenv: venv}}\n", "does not exist; create it with"),
    ]


def bad_fixtures() -> list[Probe]:
    def bad(ident: str, text: str, expect: str, name: str = "fx.yaml", **kw: Any) -> Probe:
        return Probe(
            f"fixtures-{ident}",
            "bad-input",
            files={name: text, **kw.pop("files", {})},
            args=["--fixtures", f"{{dir}}/{name}", "--mode", "update"],
            expect=expect,
            **kw,
        )

    lookup = program("import pulumi_aws as aws\nvpc = aws.ec2.get_vpc(default=True)\n")
    zones = program("import pulumi_aws as aws\naws.ec2.get_subnets()\n")
    return [
        bad("yaml-syntax", "invokes: [\n", r"fixtures file .* is not valid YAML \(line 2, column 1"),
        bad("json-syntax", '{"invokes": [}', r"fixtures file .* is not valid JSON \(line 1, column 14", "fx.json"),
        bad("json-array", "[]", "must hold an object with invokes and stackReferences", "fx.json"),
        bad("top-key", "invoke: []\n", "unknown top-level keys invoke"),
        bad("invokes-mapping", "invokes: {token: x}\n", "`invokes` must be a list"),
        bad("entry-list", "invokes:\n  - [a]\n", r"invokes\[0\] must be a mapping"),
        bad("no-token", "invokes:\n  - result: {}\n", r"invokes\[0\] needs a `token`"),
        bad("token-form", "invokes:\n  - {token: getVpc, result: {}}\n", "<package>:<module>:<function>"),
        bad("args", "invokes:\n  - {token: 'aws:ec2/getVpc:getVpc', args: [1], result: {}}\n", "`args` must be a mapping"),
        bad("result", "invokes:\n  - {token: 'aws:ec2/getVpc:getVpc', result: vpc-1}\n", "`result` must be a mapping"),
        bad("entry-key", "invokes:\n  - {token: 'aws:ec2/getVpc:getVpc', result: {}, answer: 1}\n", "unknown keys answer"),
        bad("references", "stackReferences: [a]\n", "`stackReferences` must map stack names"),
        bad("reference-entry", "stackReferences:\n  acme/net/prod: 3\n", "stackReferences.acme/net/prod must be a mapping"),
        bad("result-type", f"invokes:\n  - {{token: 'aws:ec2/getVpc:getVpc', result: {{cidrBlock: 5, tags: {{a: {MARKER}}}}}}}\n", r"invokes\[0\].result.cidrBlock must be a string \(GetVpcResult", files=lookup),
        bad("result-field", "invokes:\n  - {token: 'aws:ec2/getVpc:getVpc', result: {cidr_block: 10.0.0.0/16}}\n", "has no field cidr_block; did you mean cidrBlock", files=lookup),
        bad("result-list", "invokes:\n  - {token: 'aws:ec2/getSubnets:getSubnets', result: {ids: [1, 2]}}\n", r"result.ids must be a list of strings", files=zones),
    ]  # fmt: skip


def failing_programs() -> list[Probe]:
    def fails(ident: str, code: str, expect: str, traceback: bool = False, **kw: Any) -> Probe:
        files = {**program(code), **kw.pop("files", {})}
        return Probe(f"program-{ident}", "program", files=files, expect=expect, traceback=traceback, **kw)

    return [
        fails("raises", "raise ValueError('the probe program fails')\n", "the program failed: ValueError", True),
        fails("exits", "import sys\nsys.exit(3)\n", r"exited by itself with sys.exit\(3\)"),
        fails("os-exit", "import os\nos._exit(4)\n", "ended the process with exit status 4"),
        fails("sigkill", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)\n", "was killed by SIGKILL"),
        fails("keyboard-interrupt", "raise KeyboardInterrupt\n", r"interrupted \(SIGINT or KeyboardInterrupt", True),
        fails("self-sigint", "import os, signal, time\nos.kill(os.getpid(), signal.SIGINT)\ntime.sleep(5)\n", "the program was interrupted", True),
        fails("timeout", "import time\ntime.sleep(60)\n", "did not finish within the timeout of 2 seconds", args=["--timeout", "2"]),
        fails("log-error", "import pulumi\npulumi.log.error('probe says no')\n", r"logged an error \(pulumi.log.error\)"),
        fails("config-type", "import pulumi\npulumi.Config().require_int('size')\n", r"config probe:size is not a valid int \(its value comes from Pulumi.probe.yaml\)", True, files={"Pulumi.probe.yaml": f"config:\n  size: {MARKER}\n"}),
        fails("config-type-option", "import pulumi\npulumi.Config().require_int('size')\n", r"\(its value comes from --config\)", True, args=["--config", f"size={MARKER}"]),
        fails("config-missing", "import pulumi\npulumi.Config().require('zones')\n", r"requires config probe:zones, which is not set \(set it in Pulumi.probe.yaml", True),
        fails("lookup-update", "import pulumi_aws as aws\naws.ec2.get_vpc(default=True)\n", "add an entry to the fixtures file", args=["--mode", "update"], hint=True),
        fails("reference-output", "import pulumi\npulumi.export('s', pulumi.StackReference('acme/net/prod').require_output('subnets'))\n", "requires output subnets of stack reference acme/net/prod, which .*fx.yaml does not give \\(its outputs there: vpc_id\\)", True, args=["--fixtures", "{dir}/fx.yaml"], files={"fx.yaml": "stackReferences:\n  acme/net/prod: {vpc_id: vpc-1}\n"}),
        fails("reference-update", "import pulumi\npulumi.StackReference('acme/net/prod')\n", "reads stack reference acme/net/prod, which the offline check cannot answer", args=["--mode", "update"], hint=True),
        fails("syntax", "def broken(:\n", "the program failed: SyntaxError", True),
        fails("import", "import no_such_module_for_probes\n", "ModuleNotFoundError", True),
        fails("duplicate-urn", "import pulumi_aws as aws\naws.ec2.Vpc('v', cidr_block='10.0.0.0/16')\naws.ec2.Vpc('v', cidr_block='10.1.0.0/16')\n", "Duplicate resource URN"),
        fails("crash-pack", PROGRAM, "policy pack .*crash_pack", True, pack=CRASH_PACK),
    ]  # fmt: skip


SECRET_STACK = f"config:\n  aws:region: eu-west-1\n  probe:token:\n    secure: v1:{MARKER}\n  probe:db:\n    password:\n      secure: v1:{MARKER}\n"
PLACEHOLDER = "offline-secret-placeholder"


def secrets() -> list[Probe]:
    def leaks(ident: str, code: str, code_expected: int = 0, expect: str = "", **kw: Any) -> Probe:
        files = {**program(code), "Pulumi.probe.yaml": SECRET_STACK, **kw.pop("files", {})}
        return Probe(
            f"secret-{ident}",
            "secret",
            files=files,
            code=code_expected,
            expect=expect,
            secrets=(MARKER, PLACEHOLDER),
            **kw,
        )

    secret = f"pulumi.Output.secret('{MARKER}-value')"
    function = (
        "aws.lambda_.Function('fn', role='arn:aws:iam::123456789012:role/r', runtime='python3.12', handler='h', "
        "code=pulumi.AssetArchive({{}}), environment={{'variables': {{'GITHUB_TOKEN': '{token}'}}}})\n"
    )
    return [
        leaks("config-print", "import pulumi\nc = pulumi.Config()\nprint(c.get('token'), c.get('db'))\n"),
        leaks("config-stderr", "import pulumi, sys\nprint(pulumi.Config().get('token'), file=sys.stderr)\n"),
        leaks("config-raise", "import pulumi\nraise RuntimeError('token is ' + pulumi.Config().get('token'))\n", 2, "the program failed: RuntimeError: token is \\[secret\\]", traceback=True),
        leaks("config-log-warn", "import pulumi\npulumi.log.warn('token ' + pulumi.Config().get('token'))\n"),
        leaks("config-log-error", "import pulumi\npulumi.log.error('token ' + pulumi.Config().get('token'))\n", 2, "logged an error"),
        leaks("config-provider", "import pulumi_aws as aws\naws.ec2.Vpc('v', cidr_block='10.0.0.0/16')\n", files={"Pulumi.probe.yaml": SECRET_STACK + "  aws:secretKey:\n    secure: v1:x\n"}),
        leaks("output-apply-print", f"import pulumi\n{secret}.apply(print)\n"),
        leaks("output-raise", f"import pulumi\nvalue = '{MARKER}-value'\npulumi.Output.secret(value)\nraise ValueError(value)\n", 2, "ValueError: \\[secret\\]", traceback=True),
        leaks("output-log", f"import pulumi\n{secret}.apply(lambda v: pulumi.log.warn('the value ' + v))\n"),
        leaks("output-export", f"import pulumi\npulumi.export('token', {secret})\nprint('{MARKER}-value')\n"),
        leaks("output-json", f"import json, pulumi\nv = '{MARKER}\"quoted\\\\'\npulumi.Output.secret(v)\nprint(json.dumps({{'v': v}}))\n"),
        leaks("output-repr", f"import pulumi\nv = '{MARKER}\\nsecond line'\npulumi.Output.secret(v)\nprint(repr({{'v': v}}))\n"),
        leaks("resource-input", f"import pulumi, pulumi_aws as aws\naws.ec2.Vpc('v', cidr_block='10.0.0.0/16', tags={{'owner': {secret}}})\n"),
        leaks("pack-echo", f"import pulumi, pulumi_aws as aws\nv = aws.ec2.Vpc('v', cidr_block='10.0.0.0/16')\naws.ec2.Subnet('s', vpc_id={secret}, cidr_block='10.0.1.0/24')\n"),
        leaks("invoke-hint", f"import pulumi, pulumi_aws as aws\naws.ec2.get_vpc_output(tags={{'Name': {secret}}})\n", 2, "add an entry to the fixtures file", args=["--mode", "update"], hint=True),
        leaks("invoke-plain-hint", f"import pulumi, pulumi_aws as aws\n{secret}.apply(lambda v: aws.ec2.get_vpc(tags={{'Name': v}}))\n", 2, "add an entry", args=["--mode", "update"], hint=True),
        leaks("invoke-preview", f"import pulumi, pulumi_aws as aws\nvpc = aws.ec2.get_vpc_output(tags={{'Name': {secret}}})\nvpc.id.apply(print)\n"),
        leaks("lambda-env", "import pulumi, pulumi_aws as aws\n" + function.format(token=GITHUB_TOKEN) + f"print('{GITHUB_TOKEN}')\n"),
        leaks("lambda-env-netkit-pack", "import pulumi, pulumi_aws as aws\n" + function.format(token=GITHUB_TOKEN) + f"print('{GITHUB_TOKEN}')\n", 1, pack=NETKIT_PACK),
        leaks("timeout-output", f"import pulumi, time\n{secret}.apply(print)\ntime.sleep(60)\n", 2, "did not finish within", args=["--timeout", "4"]),
    ]  # fmt: skip


SPAWN = """
import os, subprocess, sys, time
def spawn(**kw):
    return subprocess.Popen([sys.executable, "-c", "import time; time.sleep(300)"], **kw)
"""


def processes() -> list[Probe]:
    def survives(ident: str, code: str, code_expected: int = 0, expect: str = "", **kw: Any) -> Probe:
        return Probe(
            f"process-{ident}", "process", files=program(SPAWN + code), code=code_expected, expect=expect, **kw
        )

    started = "open('started', 'w').close()\n"
    return [
        survives("new-session", "spawn(start_new_session=True)\n"),
        survives("daemon", "subprocess.run(['sh', '-c', 'setsid sleep 300 >/dev/null 2>&1 &'])\n"),
        survives("orphan-then-exit", "spawn(start_new_session=True)\nos._exit(0)\n", 2, "exit status 0"),
        survives("sigterm-ignoring", "subprocess.Popen(['sh', '-c', 'trap \"\" TERM; setsid sleep 300'])\n"),
        survives("timeout", "spawn(start_new_session=True)\ntime.sleep(60)\n", 2, "did not finish within", args=["--timeout", "3"]),
        survives("ctrl-c", "spawn(start_new_session=True)\n" + started + "time.sleep(60)\n", 130, r"^interrupted \(SIGINT\)", stop="SIGINT"),
        survives("sigterm", "spawn(start_new_session=True)\n" + started + "time.sleep(60)\n", 143, r"^interrupted \(SIGTERM\)", stop="SIGTERM"),
        survives("sigkill", "spawn(start_new_session=True)\n" + started + "time.sleep(60)\n", -9, stop="SIGKILL"),
    ]  # fmt: skip


PROBES = [
    *bad_arguments(),
    *bad_project_files(),
    *bad_stack_config(),
    *bad_policy_config(),
    *bad_pack_manifests(),
    *bad_fixtures(),
    *failing_programs(),
    *secrets(),
    *processes(),
]


# -- running them ----------------------------------------------------------------------------------------------------
@dataclass
class Run:
    probe: Probe
    code: int
    stdout: str
    stderr: str
    files: dict[str, str]  # every file written under the run's output dir and TMPDIR
    seconds: float
    survivors: list[int]


def _with_id(probe_id: str) -> list[int]:
    """Processes whose environment carries the probe's id (everything the run started inherits it)."""
    return processes_with_env("NETKIT_PROBE_ID", probe_id)


def _run(probe: Probe, root: Path) -> Run:
    base = root / probe.id
    directory, out, tmp = base / "program", base / "out", base / "tmp"
    for path in (directory, out, tmp):
        path.mkdir(parents=True)
    for name, content in probe.program_files().items():
        target = directory / name
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content if isinstance(content, bytes) else content.encode())
    (directory / "components").symlink_to(REPO_ROOT / "components", target_is_directory=True)
    fill = {"{dir}": str(directory), "{out}": str(out)}
    args = [re.sub("|".join(map(re.escape, fill)), lambda m: fill[m.group(0)], a) for a in probe.args]
    argv = [sys.executable, "-m", "automation", "check"] + ([probe.stack] if probe.stack is not None else [])
    argv += ["--program", str(directory), "--policy-pack", str(probe.pack)]
    if probe.formats:
        argv += ["--format", "json", "--format", "sarif", "--output", str(out / "report.sarif")]
        argv += ["--format", "text", "--output", str(out / "report.txt")]
    argv += args
    env = {**os.environ, "NETKIT_PROBE_ID": probe.id, "TMPDIR": str(tmp), "COLUMNS": "120"}
    start = time.monotonic()
    process = subprocess.Popen(
        argv, cwd=REPO_ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True
    )
    if probe.stop:
        deadline = time.monotonic() + 60
        while not (directory / "started").exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        time.sleep(0.3)
        if probe.stop == "SIGINT":
            os.killpg(process.pid, signal.SIGINT)  # what Ctrl-C at a terminal does: the whole foreground group
        else:
            process.send_signal(getattr(signal, probe.stop))
    stdout, stderr = process.communicate(timeout=240)
    seconds = time.monotonic() - start
    survivors = _with_id(probe.id)
    deadline = time.monotonic() + 10
    while survivors and time.monotonic() < deadline:  # a SIGKILLed check: its keeper and pack end moments later
        time.sleep(0.2)
        survivors = _with_id(probe.id)
    written = {
        str(path.relative_to(base)): path.read_text(encoding="utf-8", errors="replace")
        for folder in (out, tmp)
        for path in folder.rglob("*")
        if path.is_file()
    }
    for pid in survivors:  # never leave them to the next test; the assertion reports them
        with __import__("contextlib").suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    return Run(
        probe,
        process.returncode,
        stdout.decode(errors="replace"),
        stderr.decode(errors="replace"),
        written,
        seconds,
        survivors,
    )


@pytest.fixture(scope="module")
def runs(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Run]]:
    """Every selected probe's run (all of them unless `-k` picked some), a few at a time."""
    chosen = {
        item.callspec.params["probe"].id
        for item in request.session.items
        if hasattr(item, "callspec") and "probe" in item.callspec.params
    }
    root = tmp_path_factory.mktemp("probes")
    with ThreadPoolExecutor(max_workers=WORKERS) as pool:
        futures = {p.id: pool.submit(_run, p, root) for p in PROBES if p.id in chosen or not chosen}
        yield {ident: future.result() for ident, future in futures.items()}


def _split(run: Run) -> tuple[list[str], str, list[str]]:
    """stderr as (lines before the error line, the error line, lines after it); exactly one error line."""
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    marks = [i for i, line in enumerate(lines) if line.startswith(("error: ", "interrupted ("))]
    assert marks, f"no error line on stderr:\n{run.stderr}"
    last = marks[-1]  # a pack's own stderr, quoted before it, may have lines that look alike
    return lines[:last], lines[last], lines[last + 1 :]


@pytest.mark.parametrize("probe", PROBES, ids=[p.id for p in PROBES])
def test_probe(probe: Probe, runs: dict[str, Run]) -> None:
    run = runs[probe.id]
    where = f"exit {run.code}\nstdout: {run.stdout[-2000:]}\nstderr: {run.stderr[-3000:]}"
    assert run.code == probe.code, where
    # Nothing outlives the check.
    assert run.survivors == [], f"processes left running: {run.survivors}"
    # No known secret in anything printed or written.
    for secret in probe.secrets:
        for name, text in [("stdout", run.stdout), ("stderr", run.stderr), *run.files.items()]:
            assert secret not in text, f"{secret!r} leaked into {name}: {text[-1500:]}"
    leftovers = [name for name in run.files if name.startswith("tmp/")]
    assert leftovers == [], f"files left in TMPDIR: {leftovers}"
    if probe.code == -signal.SIGKILL:
        return
    if probe.code in (0, 1):
        report = json.loads(run.stdout)
        assert report["passed"] is (probe.code == 0) and "error" not in report
        sarif = json.loads(run.files["out/report.sarif"])
        assert sarif["runs"][0]["invocations"][0]["executionSuccessful"] is True
        return
    # One error line, ours; before it at most the program's own traceback or the pack's stderr (never a frame of
    # netkit), after it at most the fixture entry to add.
    before, line, after = _split(run)
    assert re.search(probe.expect, line), f"expected /{probe.expect}/ in: {line}\n{where}"
    if probe.traceback:
        assert "/automation/" not in "\n".join(before), run.stderr
        if probe.pack != CRASH_PACK:  # the pack's own traceback (pulumi.policy runs it with runpy) is quoted as is
            assert "<frozen runpy>" not in run.stderr, run.stderr
    else:
        assert before == [], f"lines before the error line:\n{run.stderr}"
    if probe.hint:
        assert after and after[0] in ("invokes:", "stackReferences:"), run.stderr
    else:
        assert after == [], f"lines after the error line:\n{run.stderr}"
    # The same line as a JSON document on stdout, and as the SARIF run's notification.
    if probe.formats:
        document = json.loads(run.stdout)
        assert document["error"]["message"] == line.removeprefix("error: ")
        assert document["error"]["exit_code"] == probe.code
        sarif = json.loads(run.files["out/report.sarif"])
        invocation = sarif["runs"][0]["invocations"][0]
        assert invocation["executionSuccessful"] is False
        assert invocation["toolExecutionNotifications"][0]["message"]["text"] == line.removeprefix("error: ")
    if probe.kind in ("bad-input", "program") and not probe.stop:
        assert run.seconds < FAST_ERROR_SECONDS + (4 if "timeout" in probe.id else 0), f"{run.seconds:.1f} s"


def test_there_are_enough_probes_of_every_class() -> None:
    kinds = {kind: sum(p.kind == kind for p in PROBES) for kind in ("bad-input", "program", "secret", "process")}
    assert len(PROBES) >= 120 and min(kinds.values()) >= 8, kinds
    assert len({p.id for p in PROBES}) == len(PROBES)


def test_no_probe_process_is_left_at_all(runs: dict[str, Run]) -> None:
    assert [pid for ident in runs for pid in _with_id(ident)] == []
