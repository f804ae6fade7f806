"""Policy config as the engine reconciles it (pkg/resource/analyzer/config.go ReconcilePolicyPackConfig): every
key a rule reads has a schema default, every policy accepts `suppress`, rules read config defensively, and the
per-environment files name real policies and validate against the schemas."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest
from netkit_core.rule import SUPPRESS_SCHEMA
from netkit_core.rules import all_rules, rule_named

CONFIG_DIR = Path(__file__).resolve().parents[2] / "policies" / "config"


@pytest.mark.parametrize("rule", all_rules(), ids=lambda r: r.name)
def test_every_config_key_has_a_default_and_suppress_is_accepted(rule: object) -> None:
    schema = rule.full_schema()  # type: ignore[attr-defined]
    assert schema["suppress"] == dict(SUPPRESS_SCHEMA)
    assert all("default" in spec for spec in schema.values()), "the engine fills defaults before Configure"
    jsonschema.Draft7Validator.check_schema({"type": "object", "properties": schema})


def test_effective_config_fills_defaults_and_coerces_protocol_numbers() -> None:
    rule = rule_named("lambda-subnet-capacity")
    config = rule.effective_config({"connectionsPerInvocation": 2.0, "churnFactor": True, "accountConcurrency": "x"})
    assert config["connectionsPerInvocation"] == 2 and isinstance(config["connectionsPerInvocation"], int)
    assert config["churnFactor"] == rule.config_schema["churnFactor"]["default"]  # a bool is not a number
    assert config["accountConcurrency"] == rule.config_schema["accountConcurrency"]["default"]
    assert config["suppress"] == []
    assert rule.effective_config(None) == rule.effective_config({})


@pytest.mark.parametrize("path", sorted(CONFIG_DIR.glob("*.json")), ids=lambda p: p.name)
def test_environment_configs_name_real_policies_and_validate(path: Path) -> None:
    data = json.loads(path.read_text())
    names = {r.name for r in all_rules()}
    assert set(data) - {"all"} <= names
    for name, entry in data.items():
        if isinstance(entry, dict) and name != "all":
            props = {k: v for k, v in entry.items() if k != "enforcementLevel"}
            jsonschema.validate(props, {"type": "object", "properties": rule_named(name).full_schema()})


def test_netkit_undecided_is_advisory_in_dev_and_mandatory_in_prod() -> None:
    assert rule_named("netkit-undecided").enforcement == "advisory"
    assert json.loads((CONFIG_DIR / "prod.json").read_text())["netkit-undecided"] == "mandatory"
    assert json.loads((CONFIG_DIR / "dev.json").read_text())["netkit-undecided"] == "advisory"
