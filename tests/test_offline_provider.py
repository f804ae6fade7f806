"""The offline provider at the gRPC level, started as the Pulumi engine starts a provider plugin: the launcher
installed in a throwaway PULUMI_HOME, the engine's address as its argument, the port read from its first stdout
line, its own process group; then the calls the engine makes (pkg/resource/plugin/provider_plugin.go)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf import empty_pb2, struct_pb2
from pulumi.runtime.proto import provider_pb2, provider_pb2_grpc

from automation.offline_provider import (
    FAULTS_ENV,
    FIXTURES_ENV,
    PluginError,
    install_dynamic_provider_stand_in,
    install_offline_plugins,
    parse_faults,
    plugin_dir,
    required_packages,
)
from automation.provider_model.wire import UNKNOWN

REPO = Path(__file__).resolve().parents[1]
VPC = "urn:pulumi:dev::proj::netkit:vpc:Network$aws:ec2/vpc:Vpc::main"
ROLE = "urn:pulumi:dev::proj::aws:iam/role:Role::fn-role"
FAULTS = {
    "stuck": {"create": "hang"},
    "broken": {"create": "fail", "delete": "fail"},
    "slowpoke": {"delete": "slow:0.5"},
}
FIXTURES_YAML = """\
invokes:
  - token: aws:ec2/getVpc:getVpc
    args: {default: true}
    result: {id: vpc-0abc, cidrBlock: 172.31.0.0/16}
"""


def struct(values: dict[str, Any]) -> struct_pb2.Struct:
    message = struct_pb2.Struct()
    message.update(values)
    return message


def plain(message: Any) -> Any:
    if isinstance(message, struct_pb2.Struct):
        return {k: plain(v) for k, v in message.items()}
    if isinstance(message, struct_pb2.ListValue):
        return [plain(v) for v in message]
    return message


class Plugin:
    """One provider process as the engine runs it."""

    def __init__(self, launcher: Path, env: dict[str, str]) -> None:
        self.process = subprocess.Popen(
            [str(launcher), "127.0.0.1:1"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env=env,
            start_new_session=True,  # the engine gives each plugin its own process group (cmdutil.RegisterProcessGroup)
        )
        assert self.process.stdout is not None
        self.port = int(self.process.stdout.readline().strip())
        self.channel = grpc.insecure_channel(f"127.0.0.1:{self.port}")
        self.stub = provider_pb2_grpc.ResourceProviderStub(self.channel)

    def close(self) -> None:
        self.channel.close()
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)  # as the engine closes a plugin
            try:
                self.process.wait(5)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    home = tmp_path_factory.mktemp("pulumi-home")
    install_offline_plugins(home, [("aws", "7.51.1"), ("random", "v4.16.0")])
    return home


@pytest.fixture(scope="module")
def plugin_env(home: Path, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    fixtures = tmp_path_factory.mktemp("fixtures") / "fixtures.yaml"
    fixtures.write_text(FIXTURES_YAML)
    return {**os.environ, FAULTS_ENV: json.dumps(FAULTS), FIXTURES_ENV: str(fixtures), "PULUMI_HOME": str(home)}


@pytest.fixture(scope="module")
def aws(home: Path, plugin_env: dict[str, str]) -> Iterator[Any]:
    plugin = Plugin(plugin_dir(home, "aws", "7.51.1") / "pulumi-resource-aws", plugin_env)
    config = {"region": "eu-west-1", "defaultTags": json.dumps({"tags": {"team": "net"}}), "version": "7.51.1"}
    plugin.stub.Configure(provider_pb2.ConfigureRequest(args=struct(config), acceptSecrets=True))
    yield plugin.stub
    plugin.close()


def check(stub: Any, urn: str, news: dict[str, Any], olds: dict[str, Any] | None = None) -> Any:
    return stub.Check(provider_pb2.CheckRequest(urn=urn, news=struct(news), olds=struct(olds or {})))


# --- registration ----------------------------------------------------------------------------------------------


def test_plugins_are_installed_where_the_cli_looks_for_them(home: Path) -> None:
    for name, version in (("aws", "7.51.1"), ("random", "4.16.0")):
        directory = home / "plugins" / f"resource-{name}-v{version}"
        launcher = directory / f"pulumi-resource-{name}"
        assert launcher.is_file() and os.access(launcher, os.X_OK)
        assert not directory.with_name(directory.name + ".partial").exists()  # a .partial dir is skipped
    before = (plugin_dir(home, "aws", "7.51.1") / "pulumi-resource-aws").stat().st_mtime_ns
    install_offline_plugins(home, [("aws", "7.51.1")])  # idempotent: nothing rewritten
    assert (plugin_dir(home, "aws", "7.51.1") / "pulumi-resource-aws").stat().st_mtime_ns == before
    with pytest.raises(PluginError):
        install_offline_plugins(home, [("../evil", "1.0.0")])


def test_required_packages_are_the_versions_the_program_sdks_request() -> None:
    packages = dict(required_packages(sys.executable))
    assert packages["aws"] == "7.51.1"  # pulumi_aws's pulumi-plugin.json
    assert "policy" not in packages and "pulumi" not in packages  # pulumi-policy and the core SDK have no plugin


def test_faults_are_validated() -> None:
    assert parse_faults('{"fn": {"create": "slow:2"}}') == {"fn": {"create": "slow:2"}}
    for bad in ('{"fn": {"create": "explode"}}', '{"fn": {"read": "fail"}}', '["fn"]', '{"fn": {"create": "slow:x"}}'):
        with pytest.raises(ValueError):
            parse_faults(bad)


# --- protocol --------------------------------------------------------------------------------------------------


def test_plugin_answers_as_the_bridged_aws_provider(home: Path, plugin_env: dict[str, str]) -> None:
    plugin = Plugin(plugin_dir(home, "aws", "7.51.1") / "pulumi-resource-aws", plugin_env)
    try:
        assert plugin.stub.GetPluginInfo(empty_pb2.Empty()).version == "7.51.1"
        with pytest.raises(grpc.RpcError) as info:
            plugin.stub.Handshake(provider_pb2.ProviderHandshakeRequest(engine_address="127.0.0.1:1"))
        assert info.value.code() == grpc.StatusCode.UNIMPLEMENTED  # the engine then reads Configure's answer
        answer = plugin.stub.Configure(provider_pb2.ConfigureRequest(args=struct({"region": "us-east-1"})))
        assert answer.supportsPreview and answer.supports_autonaming_configuration
        assert not answer.acceptSecrets and not answer.acceptResources and not answer.acceptOutputs
        schema = json.loads(plugin.stub.GetSchema(provider_pb2.GetSchemaRequest()).schema)
        assert schema["name"] == "aws" and schema["version"] == "7.51.1"
        assert plugin.stub.GetMappings(provider_pb2.GetMappingsRequest(key="tf")).providers == []
    finally:
        plugin.close()
    assert plugin.process.returncode == 0  # SIGINT to its group, as the engine closes plugins: a clean exit


def test_check_serializes_policy_documents_as_the_provider_does(aws: Any) -> None:
    policy = {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:Assume<"}],
    }
    inputs = plain(check(aws, ROLE, {"assumeRolePolicy": policy, "tags": {"app": "fn"}}).inputs)
    # Go's json.Marshal of the object: keys sorted, compact, HTML characters escaped.
    assert inputs["assumeRolePolicy"] == (
        '{"Statement":[{"Action":"sts:Assume\\u003c","Effect":"Allow",'
        '"Principal":{"Service":"lambda.amazonaws.com"}}],"Version":"2012-10-17"}'
    )
    assert inputs["tagsAll"] == {"team": "net", "app": "fn"}  # provider default tags + the resource's
    assert inputs["name"].startswith("fn-role-") and len(inputs["name"]) == len("fn-role-") + 7  # autonamed
    assert inputs["path"] == "/" and inputs["maxSessionDuration"] == 3600  # Terraform schema defaults
    assert inputs["__defaults"] == ["maxSessionDuration", "name", "path"]
    assert "forceDetachPolicies" not in inputs  # a falsy default is not synthesized
    unknown = plain(check(aws, ROLE, {"assumeRolePolicy": {"Statement": [{"Resource": UNKNOWN}]}}).inputs)
    assert unknown["assumeRolePolicy"] == UNKNOWN
    given = plain(check(aws, ROLE, {"assumeRolePolicy": "{}", "name": "mine"}).inputs)
    assert given["assumeRolePolicy"] == "{}" and given["name"] == "mine" and "name" not in given["__defaults"]


def test_check_rejects_an_object_for_a_plain_string_property(aws: Any) -> None:
    urn = "urn:pulumi:dev::proj::aws:ec2/vpcEndpoint:VpcEndpoint::s3"
    result = check(aws, urn, {"vpcId": "vpc-1", "serviceName": "com.amazonaws.eu-west-1.s3", "policy": {"a": 1}})
    assert [f.property for f in result.failures] == ["policy"]  # pulumi-aws gives it no JSON transform


def test_create_in_preview_is_the_planned_state(aws: Any) -> None:
    inputs = check(aws, VPC, {"cidrBlock": "10.0.0.0/16"}).inputs
    created = aws.Create(provider_pb2.CreateRequest(urn=VPC, properties=inputs, preview=True))
    outputs = plain(created.properties)
    assert created.id == ""
    assert outputs["cidrBlock"] == "10.0.0.0/16" and outputs["enableDnsSupport"] is True  # known: inputs
    for computed in ("id", "arn", "enableDnsHostnames", "mainRouteTableId", "defaultSecurityGroupId"):
        assert outputs[computed] == UNKNOWN, computed
    assert "__defaults" not in outputs


def test_create_gives_deterministic_ids_and_outputs(aws: Any) -> None:
    inputs = check(aws, VPC, {"cidrBlock": "10.0.0.0/16"}).inputs
    first = aws.Create(provider_pb2.CreateRequest(urn=VPC, properties=inputs))
    second = aws.Create(provider_pb2.CreateRequest(urn=VPC, properties=inputs))
    outputs = plain(first.properties)
    assert first.id == second.id and first.id.startswith("vpc-") and outputs["id"] == first.id
    assert plain(second.properties) == outputs
    assert outputs["arn"].startswith("arn:aws:ec2:eu-west-1:123456789012:")  # the configured region
    assert outputs["enableDnsHostnames"] is False and outputs["mainRouteTableId"].startswith("rtb-")
    assert UNKNOWN not in json.dumps(outputs)


def test_diff_replaces_on_force_new_changes_only(aws: Any) -> None:
    olds = check(aws, VPC, {"cidrBlock": "10.0.0.0/16"}).inputs
    state = aws.Create(provider_pb2.CreateRequest(urn=VPC, properties=olds))

    def diff(news: dict[str, Any]) -> Any:
        checked = check(aws, VPC, news, plain(olds)).inputs
        return aws.Diff(
            provider_pb2.DiffRequest(id=state.id, urn=VPC, olds=state.properties, news=checked, old_inputs=olds)
        )

    same = diff({"cidrBlock": "10.0.0.0/16"})
    assert same.changes == provider_pb2.DiffResponse.DIFF_NONE
    tagged = diff({"cidrBlock": "10.0.0.0/16", "tags": {"a": "b"}})
    assert tagged.changes == provider_pb2.DiffResponse.DIFF_SOME and not tagged.replaces
    assert set(tagged.diffs) == {"tags", "tagsAll"}
    moved = diff({"cidrBlock": "10.1.0.0/16"})
    assert moved.replaces == ["cidrBlock"]
    assert moved.detailedDiff["cidrBlock"].kind == provider_pb2.PropertyDiff.UPDATE_REPLACE
    unknown = diff({"cidrBlock": UNKNOWN})
    assert unknown.replaces == ["cidrBlock"]  # an unknown new value is a change


def test_update_read_and_delete(aws: Any) -> None:
    olds = check(aws, VPC, {"cidrBlock": "10.0.0.0/16"}).inputs
    state = aws.Create(provider_pb2.CreateRequest(urn=VPC, properties=olds))
    news = check(aws, VPC, {"cidrBlock": "10.0.0.0/16", "tags": {"a": "b"}}).inputs
    updated = plain(
        aws.Update(provider_pb2.UpdateRequest(id=state.id, urn=VPC, olds=state.properties, news=news)).properties
    )
    assert updated["tags"] == {"a": "b"} and updated["id"] == state.id
    read = aws.Read(provider_pb2.ReadRequest(id=state.id, urn=VPC, properties=state.properties, inputs=olds))
    assert read.id == state.id and plain(read.properties) == plain(state.properties)
    aws.Delete(provider_pb2.DeleteRequest(id=state.id, urn=VPC, properties=state.properties))


SUBNET = "urn:pulumi:dev::proj::aws:ec2/subnet:Subnet::lambda-a"
ZONES = "aws:index/getAvailabilityZones:getAvailabilityZones"


def create_subnet(stub: Any, zone: dict[str, str]) -> dict[str, Any]:
    inputs = check(stub, SUBNET, {"vpcId": "vpc-1", "cidrBlock": "10.0.1.0/24", **zone}).inputs
    outputs = plain(stub.Create(provider_pb2.CreateRequest(urn=SUBNET, properties=inputs)).properties)
    return {k: v for k, v in outputs.items() if k.startswith("availabilityZone")}


def test_create_never_invents_the_zone_mapping(aws: Any) -> None:
    """Issue 17: which AZ id an AZ name maps to differs per account; without the fixtures' mapping an update's state
    holds only the form the program gave (a guessed id made a same-AZ NAT look cross-AZ), and no AZ at all when the
    program lets AWS pick. getAvailabilityZones answers no `zoneIds` either."""
    assert create_subnet(aws, {"availabilityZone": "eu-west-1b"}) == {"availabilityZone": "eu-west-1b"}
    assert create_subnet(aws, {"availabilityZoneId": "euw1-az3"}) == {"availabilityZoneId": "euw1-az3"}
    assert create_subnet(aws, {}) == {}
    preview = aws.Create(
        provider_pb2.CreateRequest(urn=SUBNET, properties=struct({"cidrBlock": "10.0.1.0/24"}), preview=True)
    )
    assert plain(preview.properties)["availabilityZoneId"] == UNKNOWN  # AWS computes it: unknown in a preview
    assert "zoneIds" not in invoke(aws, ZONES, {})


def test_create_takes_the_zone_mapping_from_the_fixtures(
    home: Path, plugin_env: dict[str, str], tmp_path: Path
) -> None:
    fixtures = tmp_path / "fixtures.yaml"
    fixtures.write_text(
        f"invokes:\n  - token: {ZONES}\n    result:\n"
        "      names: [eu-west-1a, eu-west-1b]\n      zoneIds: [euw1-az3, euw1-az1]\n"
    )
    plugin = Plugin(
        plugin_dir(home, "aws", "7.51.1") / "pulumi-resource-aws", {**plugin_env, FIXTURES_ENV: str(fixtures)}
    )
    try:
        stub = plugin.stub
        stub.Configure(provider_pb2.ConfigureRequest(args=struct({"region": "eu-west-1"})))
        by_name = create_subnet(stub, {"availabilityZone": "eu-west-1b"})
        assert by_name == {"availabilityZone": "eu-west-1b", "availabilityZoneId": "euw1-az1"}
        by_id = create_subnet(stub, {"availabilityZoneId": "euw1-az3"})
        assert by_id == {"availabilityZone": "eu-west-1a", "availabilityZoneId": "euw1-az3"}
        assert create_subnet(stub, {"availabilityZone": "eu-west-1c"}) == {"availabilityZone": "eu-west-1c"}
        assert invoke(stub, ZONES, {})["zoneIds"] == ["euw1-az3", "euw1-az1"]  # the fixture answers before facts
    finally:
        plugin.close()


# --- invokes ---------------------------------------------------------------------------------------------------


def invoke(stub: Any, token: str, args: dict[str, Any]) -> dict[str, Any]:
    return plain(stub.Invoke(provider_pb2.InvokeRequest(tok=token, args=struct(args))).__getattribute__("return"))


def test_invokes_answer_facts_computations_and_fixtures(aws: Any) -> None:
    zones = invoke(aws, "aws:index/getAvailabilityZones:getAvailabilityZones", {})
    assert zones["names"][0] == "eu-west-1a"  # the provider's configured region
    document = invoke(
        aws,
        "aws:iam/getPolicyDocument:getPolicyDocument",
        {"statements": [{"actions": ["s3:GetObject"], "resources": ["*"]}]},
    )
    assert json.loads(document["json"])["Statement"][0]["Action"] == "s3:GetObject"
    assert invoke(aws, "aws:ec2/getVpc:getVpc", {"default": True})["id"] == "vpc-0abc"
    with pytest.raises(grpc.RpcError) as info:
        invoke(aws, "aws:ec2/getVpc:getVpc", {"id": "vpc-other"})
    assert "fixtures file" in (info.value.details() or "") and "aws:ec2/getVpc:getVpc" in (info.value.details() or "")


# --- packages without type information -------------------------------------------------------------------------


def test_a_package_without_an_sdk_echoes_inputs_with_a_deterministic_id(home: Path, plugin_env: dict[str, str]) -> None:
    plugin = Plugin(plugin_dir(home, "random", "4.16.0") / "pulumi-resource-random", plugin_env)
    try:
        stub = plugin.stub
        stub.Configure(provider_pb2.ConfigureRequest(args=struct({})))
        urn = "urn:pulumi:dev::proj::random:index/randomPet:RandomPet::pet"
        inputs = check(stub, urn, {"length": 2}).inputs
        assert plain(inputs) == {"length": 2}  # no type information: nothing added
        created = stub.Create(provider_pb2.CreateRequest(urn=urn, properties=inputs))
        assert plain(created.properties) == {"length": 2, "id": created.id} and created.id
        changed = check(stub, urn, {"length": 3}).inputs
        diff = stub.Diff(provider_pb2.DiffRequest(id=created.id, urn=urn, olds=created.properties, news=changed))
        assert diff.replaces == ["length"]  # terraform-provider-random: every attribute ForceNew
    finally:
        plugin.close()


def test_dynamic_provider_stand_in(home: Path, plugin_env: dict[str, str]) -> None:
    directory = install_dynamic_provider_stand_in(home)
    assert directory.parent == home  # inside the throwaway PULUMI_HOME
    plugin = Plugin(directory / "pulumi-resource-pulumi-python", plugin_env)
    try:
        stub = plugin.stub
        assert stub.GetPluginInfo(empty_pb2.Empty()).version == "0.1.0"
        answer = stub.Configure(provider_pb2.ConfigureRequest(args=struct({})))
        assert not answer.supportsPreview and not answer.acceptSecrets  # as pulumi/dynamic/__main__.py answers
        urn = "urn:pulumi:dev::proj::pulumi-python:dynamic/netkit:Eips::eips"
        news = {"__provider": "pickled", "functionName": "fn", "egressIps": None}
        assert plain(check(stub, urn, news).inputs) == news
        created = stub.Create(provider_pb2.CreateRequest(urn=urn, properties=struct(news)))
        assert plain(created.properties) == {**news, "id": created.id}
    finally:
        plugin.close()


# --- faults ----------------------------------------------------------------------------------------------------


def create(stub: Any, name: str) -> Any:
    urn = f"urn:pulumi:dev::proj::aws:ec2/vpc:Vpc::{name}"
    inputs = check(stub, urn, {"cidrBlock": "10.0.0.0/16"}).inputs
    return stub.Create(provider_pb2.CreateRequest(urn=urn, properties=inputs), timeout=30)


def test_fail_and_slow_faults(aws: Any) -> None:
    with pytest.raises(grpc.RpcError) as info:
        create(aws, "broken")
    assert "create of broken failed" in (info.value.details() or "")
    urn = "urn:pulumi:dev::proj::aws:ec2/vpc:Vpc::slowpoke"
    started = time.monotonic()
    aws.Delete(provider_pb2.DeleteRequest(id="vpc-1", urn=urn))
    assert time.monotonic() - started >= 0.5
    preview = aws.Create(
        provider_pb2.CreateRequest(urn=urn.replace("slowpoke", "broken"), properties=struct({}), preview=True)
    )
    assert preview.id == ""  # faults never apply to a preview


def test_hang_ends_on_cancel(home: Path, plugin_env: dict[str, str]) -> None:
    plugin = Plugin(plugin_dir(home, "aws", "7.51.1") / "pulumi-resource-aws", plugin_env)
    try:
        plugin.stub.Configure(provider_pb2.ConfigureRequest(args=struct({})))
        errors: list[grpc.RpcError] = []

        def hang() -> None:
            try:
                create(plugin.stub, "stuck")
            except grpc.RpcError as exc:
                errors.append(exc)

        thread = threading.Thread(target=hang)
        thread.start()
        thread.join(1.0)
        assert thread.is_alive()  # hanging
        plugin.stub.Cancel(empty_pb2.Empty())
        thread.join(10)
        assert not thread.is_alive() and "canceled" in (errors[0].details() or "")
    finally:
        plugin.close()
    assert plugin.process.returncode == 0


def test_hang_ends_when_the_engine_dies(home: Path, plugin_env: dict[str, str]) -> None:
    """A stand-in engine process starts the provider, starts a hanging create and is SIGKILLed: the provider,
    in its own process group like every plugin, must not outlive it."""
    launcher = plugin_dir(home, "aws", "7.51.1") / "pulumi-resource-aws"
    engine = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import subprocess, sys, time\n"
            "p = subprocess.Popen([sys.argv[1], '127.0.0.1:1'], stdout=subprocess.PIPE, text=True,"
            " start_new_session=True)\n"
            "print(p.pid, p.stdout.readline().strip(), flush=True)\n"
            "time.sleep(600)\n",
            str(launcher),
        ],
        stdout=subprocess.PIPE,
        text=True,
        env=plugin_env,
        cwd=REPO,
    )
    assert engine.stdout is not None
    pid, port = (int(part) for part in engine.stdout.readline().split())
    channel = grpc.insecure_channel(f"127.0.0.1:{port}")
    stub = provider_pb2_grpc.ResourceProviderStub(channel)
    stub.Configure(provider_pb2.ConfigureRequest(args=struct({})))
    future = stub.Create.future(
        provider_pb2.CreateRequest(urn="urn:pulumi:dev::proj::aws:ec2/vpc:Vpc::stuck", properties=struct({}))
    )
    time.sleep(0.5)
    assert not future.done()
    engine.kill()
    engine.wait()
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.1)
    channel.close()
    survived = _alive(pid)
    if survived:
        os.kill(pid, signal.SIGKILL)  # never leave it running, even when the test fails
    assert not survived, "the provider outlived the engine that started it"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    try:  # a zombie (exited, not yet reaped by init) counts as gone
        with open(f"/proc/{pid}/stat", encoding="ascii") as handle:
            return handle.read().split(") ", 1)[1][:1] != "Z"
    except OSError:
        return False
