"""The project's own program for dev, staging and prod under the mock runtime (DESIGN.md section 2)."""

from collections import Counter
from pathlib import Path

import pytest
from google.protobuf import json_format

from automation.check import REPO_ROOT
from automation.offline.engine import run_program
from automation.offline.stack_config import load_stack_config
from tests.conftest import copy_project


def counts(stack: str) -> tuple[Counter[str], list]:
    run = run_program(REPO_ROOT, stack, "update", load_stack_config(REPO_ROOT, stack))
    return Counter(r.type for r in run.resources), run.resources


def endpoint_kinds(resources: list) -> Counter[str]:
    return Counter(
        json_format.MessageToDict(r.outputs).get("vpcEndpointType")
        for r in resources
        if r.type == "aws:ec2/vpcEndpoint:VpcEndpoint"
    )


def test_prod_is_ha_with_static_ingress() -> None:
    types, resources = counts("prod")
    assert types["aws:ec2/natGateway:NatGateway"] == 3 and types["aws:ec2/eip:Eip"] == 3
    assert types["aws:ec2/subnet:Subnet"] == 6
    assert (
        types["aws:globalaccelerator/accelerator:Accelerator"] == 1 and types["aws:lb/loadBalancer:LoadBalancer"] == 1
    )
    assert types["aws:apigatewayv2/api:Api"] == 1 and types["aws:ec2/flowLog:FlowLog"] == 1
    assert endpoint_kinds(resources) == Counter({"Gateway": 2, "Interface": 5})


def test_staging_has_one_nat_and_two_interface_endpoints() -> None:
    types, resources = counts("staging")
    assert types["aws:ec2/natGateway:NatGateway"] == 1
    assert types.get("aws:globalaccelerator/accelerator:Accelerator", 0) == 0
    assert endpoint_kinds(resources) == Counter({"Gateway": 2, "Interface": 2})


def test_dev_uses_the_hyperplane_trick_without_nat() -> None:
    types, resources = counts("dev")
    assert types.get("aws:ec2/natGateway:NatGateway", 0) == 0
    assert types["pulumi-python:dynamic/netkit:HyperplaneEipAssociation"] == 1
    assert types["aws:ec2/eip:Eip"] == 2  # one per Lambda subnet for the shared app security group
    assert endpoint_kinds(resources) == Counter({"Gateway": 2})


@pytest.mark.parametrize("stack", ["dev", "staging", "prod"])
def test_functions_hold_secret_references_only(stack: str) -> None:
    _, resources = counts(stack)
    worker = next(r for r in resources if r.name == "worker-fn")
    env = json_format.MessageToDict(worker.outputs)["environment"]["variables"]
    assert env["DB_SECRET_ARN"].startswith("arn:aws:secretsmanager:")


def test_shared_network_mode_builds_only_the_app(tmp_path: Path) -> None:
    """DESIGN.md section 6: with netkit:networkStack the app stack takes VPC, subnets and Lambda SG from a
    long-lived network stack, so it creates no network, no security group and no ENI-holding resources."""
    project = copy_project(tmp_path)
    (project / "Pulumi.app.yaml").write_text(
        "config:\n  netkit:environment: dev\n  netkit:networkStack: acme/lambda-netkit/shared-dev\n"
        "  netkit:egressStrategy: nat-single\n"
    )
    run = run_program(project, "app", "preview", load_stack_config(project, "app"))
    types = Counter(r.type for r in run.resources)
    assert types["pulumi:pulumi:StackReference"] == 1
    for absent in (
        "aws:ec2/vpc:Vpc",
        "aws:ec2/subnet:Subnet",
        "aws:ec2/securityGroup:SecurityGroup",
        "aws:ec2/natGateway:NatGateway",
        "aws:ec2/vpcEndpoint:VpcEndpoint",
    ):
        assert types.get(absent, 0) == 0, absent
    assert types["aws:lambda/function:Function"] == 2
    worker = next(r for r in run.resources if r.name == "worker-fn")
    assert worker.property_dependencies["vpcConfig"] == [
        next(r.urn for r in run.resources if r.type == "pulumi:pulumi:StackReference")
    ]
