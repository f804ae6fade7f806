"""The provider model's transforms (automation/provider_model), each against what the real provider does: the
bridge's TransformJSONDocument (Go's json.Marshal), pulumi-aws applyTags, the bridge's applyDefaults and
autonaming, the engine's annotateSecrets, Create's planned and final state, Diff's replace decisions."""

from __future__ import annotations

import json

import pulumi_aws.ec2 as aws_ec2
import pulumi_aws.iam as aws_iam
import pytest

from automation.provider_model import planned_state
from automation.provider_model.check import check, merged_tags
from automation.provider_model.diff import DELETE, UPDATE, UPDATE_REPLACE, diff
from automation.provider_model.documents import DocumentError, go_json_marshal, transform_json_document
from automation.provider_model.sdk_types import args_class, input_shapes, output_shapes
from automation.provider_model.wire import OUTPUT_SIG, SECRET_SIG, SIG_KEY, UNKNOWN, annotate_secrets


def secret(value: object) -> dict[str, object]:
    return {SIG_KEY: SECRET_SIG, "value": value}


def test_go_json_marshal_matches_encoding_json() -> None:
    # Go: map keys sorted, no spaces, whole float64 without fraction, HTML and U+2028/9 escaped, UTF-8 kept.
    value = {"b": [1.0, 2.5, True, None], "a": "<&>", "c": "é\u2028"}
    assert go_json_marshal(value) == '{"a":"\\u003c\\u0026\\u003e","b":[1,2.5,true,null],"c":"é\\u2028"}'


def test_transform_json_document() -> None:
    assert transform_json_document('{"x": 1}') == '{"x": 1}'  # a string passes as it is
    assert transform_json_document({"Version": "2012-10-17", "Statement": []}) == (
        '{"Statement":[],"Version":"2012-10-17"}'
    )
    assert transform_json_document([{"a": UNKNOWN}]) == UNKNOWN  # unknown anywhere: the whole value unknown
    assert transform_json_document({"k": {SIG_KEY: OUTPUT_SIG}}) == UNKNOWN  # an unknown output value too
    assert transform_json_document(None) == ""
    assert transform_json_document({"k": secret("v")}) == '{"k":"v"}'
    with pytest.raises(DocumentError):
        transform_json_document(3.0)


def test_tags_all_merges_default_tags_and_ignores() -> None:
    config = {"defaultTags": {"tags": {"team": "net", "env": "dev"}}, "ignoreTags": {"keyPrefixes": ["aws:"]}}
    assert merged_tags({"env": "prod", "aws:x": "y"}, config) == {"team": "net", "env": "prod"}
    assert merged_tags(None, {}) is None
    assert merged_tags({"a": UNKNOWN}, config) == UNKNOWN
    assert merged_tags({"a": "b"}, {"defaultTags": UNKNOWN}) == UNKNOWN


def role_shapes() -> tuple[dict[str, str], dict[str, str]]:
    return input_shapes(args_class(aws_iam.Role)), output_shapes(aws_iam.Role)[1]


def test_sdk_types_find_document_properties_and_outputs() -> None:
    inputs, outputs = role_shapes()
    assert inputs["assumeRolePolicy"] == "document" and inputs["name"] == "str"
    assert "tagsAll" not in inputs and "tagsAll" in outputs  # an output only (MarkAsComputedOnly)
    endpoint = input_shapes(args_class(aws_ec2.VpcEndpoint))
    assert endpoint["policy"] == "str"  # no alternative document type: no transform in pulumi-aws
    required, _ = output_shapes(aws_ec2.Vpc)
    assert "arn" in required and "enableDnsHostnames" in required and "tags" not in required


def test_check_fills_defaults_names_and_documents() -> None:
    inputs, outputs = role_shapes()
    result = check(
        "aws:iam/role:Role",
        "fn",
        {"assumeRolePolicy": {"Statement": []}, "tags": {"a": "b"}, "description": None},
        provider_config={"defaultTags": {"tags": {"t": "1"}}},
        input_shapes=inputs,
        output_shapes=outputs,
        seed="urn-1",
    )
    checked = result.inputs
    assert checked["assumeRolePolicy"] == '{"Statement":[]}'
    assert checked["tagsAll"] == {"t": "1", "a": "b"}
    assert checked["name"] == check("aws:iam/role:Role", "fn", {}, input_shapes=inputs, seed="urn-1").inputs["name"]
    assert checked["name"] != check("aws:iam/role:Role", "fn", {}, input_shapes=inputs, seed="urn-2").inputs["name"]
    assert checked["__defaults"] == ["maxSessionDuration", "name", "path"] and "description" not in checked
    prefixed = check("aws:iam/role:Role", "fn", {"namePrefix": "p-"}, input_shapes=inputs).inputs
    assert "name" not in prefixed  # a conflicting namePrefix: no autoname
    # an old default is reused (the bridge keeps a generated name stable across updates)
    again = check("aws:iam/role:Role", "fn", {}, {"name": "kept", "__defaults": ["name"]}, input_shapes=inputs)
    assert again.inputs["name"] == "kept"
    no_tags = check("aws:iam/role:Role", "fn", {}, input_shapes=inputs, output_shapes=outputs).inputs
    assert no_tags["tagsAll"] == {}


def test_check_of_a_provider_without_a_model_keeps_the_inputs() -> None:
    assert check("random:index/randomPet:RandomPet", "p", {"length": 2, "x": None}).inputs == {"length": 2, "x": None}


def test_the_engine_answers_a_preview_for_some_providers() -> None:
    inputs = {"a": 1, "out": None}
    assert (
        planned_state.planned_outputs("preview", "pulumi-python:dynamic:Resource", "r", inputs, {"x": "str"}, "s", "r")[
            1
        ]
        == inputs
    )  # a dynamic provider does not support previews: its inputs are its planned state
    unknown_config = planned_state.planned_outputs(
        "preview", "aws:ec2/vpc:Vpc", "v", {"cidrBlock": "10.0.0.0/16"}, {"arn": "str"}, "s", "r", config_known=False
    )
    assert unknown_config == ("", {})


def test_annotate_secrets_as_the_engine_does() -> None:
    outs = {"tags": {"a": "1", "b": "2"}, "name": "n", "list": ["x"]}
    ins = {"tags": {"a": secret("1")}, "list": [secret("x")], "gone": secret("y")}
    assert annotate_secrets(outs, ins) == {"tags": {"a": secret("1"), "b": "2"}, "name": "n", "list": secret(["x"])}


def test_preview_and_update_outputs() -> None:
    computed = {
        "arn": "str",
        "mainRouteTableId": "str",
        "enableDnsHostnames": "bool",
        "tagsAll": "map",
        "region": "str",
    }
    inputs = {"cidrBlock": "10.0.0.0/16", "tagsAll": {}, "__defaults": []}
    preview = planned_state.preview_outputs("aws:ec2/vpc:Vpc", inputs, computed, "eu-west-1")
    assert preview == {
        "cidrBlock": "10.0.0.0/16",
        "tagsAll": {},
        "region": "eu-west-1",  # set by the plan (the provider's region)
        "arn": UNKNOWN,
        "mainRouteTableId": UNKNOWN,
        "enableDnsHostnames": UNKNOWN,
        "id": UNKNOWN,
    }
    rid, outputs = planned_state.update_outputs("aws:ec2/vpc:Vpc", "main", inputs, computed, "dev", "eu-west-1")
    assert rid.startswith("vpc-") and outputs["id"] == rid
    assert outputs["arn"] == f"arn:aws:ec2:eu-west-1:123456789012:vpc/{rid}"
    assert outputs["enableDnsHostnames"] is False and outputs["mainRouteTableId"].startswith("rtb-")
    assert planned_state.update_outputs("aws:ec2/vpc:Vpc", "main", inputs, computed, "dev", "eu-west-1")[0] == rid
    assert planned_state.update_outputs("aws:ec2/vpc:Vpc", "main", inputs, computed, "prod", "eu-west-1")[0] != rid
    role_id, role = planned_state.update_outputs(
        "aws:iam/role:Role", "r", {"name": "r-1234567", "path": "/"}, {"arn": "str"}, "dev", "eu-west-1"
    )
    assert role_id == "r-1234567" and role["arn"] == "arn:aws:iam::123456789012:role/r-1234567"
    assert json.dumps(role).count(UNKNOWN) == 0


def test_update_outputs_never_invent_the_zone_mapping() -> None:
    """Issue 17, in the model both engines use: an update keeps the AZ form the program gave, the other form only
    from the fixtures' mapping, no AZ at all when AWS picks it (the same answer through `planned_outputs`)."""
    computed = {"arn": "str", "availabilityZone": "str", "availabilityZoneId": "str"}

    def zones(given: dict[str, str], mapping: dict[str, str] | None = None) -> dict[str, str]:
        inputs = {"vpcId": "vpc-1", "cidrBlock": "10.0.1.0/24", **given}
        _, outs = planned_state.update_outputs(
            "aws:ec2/subnet:Subnet", "s", inputs, computed, "dev", "us-east-1", mapping
        )
        _, same = planned_state.planned_outputs(
            "update", "aws:ec2/subnet:Subnet", "s", inputs, computed, "dev", "us-east-1", zone_mapping=mapping
        )
        assert same == outs
        return {k: v for k, v in outs.items() if k in computed and k != "arn"}

    assert zones({"availabilityZone": "us-east-1a"}) == {"availabilityZone": "us-east-1a"}
    assert zones({"availabilityZoneId": "use1-az4"}) == {"availabilityZoneId": "use1-az4"}
    assert zones({}) == {}
    mapping = {"us-east-1a": "use1-az6", "us-east-1b": "use1-az4"}
    assert zones({"availabilityZone": "us-east-1a"}, mapping) == {
        "availabilityZone": "us-east-1a",
        "availabilityZoneId": "use1-az6",
    }
    assert zones({"availabilityZoneId": "use1-az4"}, mapping) == {
        "availabilityZone": "us-east-1b",
        "availabilityZoneId": "use1-az4",
    }


def test_diff_decisions() -> None:
    olds = {"cidrBlock": "10.0.0.0/16", "tags": {"a": "1"}, "arn": "arn:x", "id": "vpc-1"}
    old_inputs = {"cidrBlock": "10.0.0.0/16", "tags": {"a": "1"}}
    same = diff("aws:ec2/vpc:Vpc", olds, {"cidrBlock": "10.0.0.0/16", "tags": {"a": "1"}}, old_inputs)
    assert not same.changed and "cidrBlock" in same.stables
    retag = diff("aws:ec2/vpc:Vpc", olds, {"cidrBlock": "10.0.0.0/16", "tags": {"a": "2"}}, old_inputs)
    assert retag.detailed == {"tags": UPDATE} and not retag.replaces
    untag = diff("aws:ec2/vpc:Vpc", olds, {"cidrBlock": "10.0.0.0/16"}, old_inputs)
    assert untag.detailed == {"tags": DELETE}
    move = diff("aws:ec2/vpc:Vpc", olds, {"cidrBlock": "10.9.0.0/16", "tags": {"a": "1"}}, old_inputs)
    assert move.detailed == {"cidrBlock": UPDATE_REPLACE} and move.replaces == ["cidrBlock"]
    ignored = diff("aws:ec2/vpc:Vpc", olds, {"cidrBlock": "10.9.0.0/16"}, old_inputs, ["cidrBlock", "tags"])
    assert not ignored.changed
    secret_same = diff("aws:ec2/vpc:Vpc", olds, {"cidrBlock": secret("10.0.0.0/16"), "tags": {"a": "1"}}, old_inputs)
    assert not secret_same.changed
