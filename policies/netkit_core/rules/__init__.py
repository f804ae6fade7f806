"""The pack's rules, one module each. Every module of this package that defines `RULE` is a policy of the pack:
adding a rule is adding a module (and its tests and README row), nothing else."""

from __future__ import annotations

import importlib
import pkgutil

from netkit_core.rule import Rule


def all_rules() -> list[Rule]:
    """Every rule of the pack, ordered by name (the order the pack reports them in)."""
    rules = []
    for info in pkgutil.iter_modules(__path__):
        module = importlib.import_module(f"{__name__}.{info.name}")
        rule = getattr(module, "RULE", None)
        if isinstance(rule, Rule):
            rules.append(rule)
    return sorted(rules, key=lambda r: r.name)


def rule_named(name: str) -> Rule:
    for rule in all_rules():
        if rule.name == name:
            return rule
    raise KeyError(name)
