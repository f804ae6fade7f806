"""The stack's program, run offline as `netkit check` runs it, reduced to what it asks of the account.

Only the program runs (no policy pack): the preflight needs the resource list, not verdicts. The
`lambda-subnet-capacity` settings come from the environment's policy config, as the check reads them, so the
Hyperplane ENI figures here are the capacity rule's.
"""

from __future__ import annotations

from pathlib import Path

from netkit_core.rules.lambda_subnet_capacity import CAPACITY_SCHEMA

from ..offline.engine import run_program
from ..offline.policy_config import PolicyConfigError, load_policy_config
from ..offline.report import as_graph
from ..offline.stack_config import load_stack_config
from ..project import ProjectError, netkit_pack_dir, policy_config_path
from .needs import CapacityInputs, StackNeeds, stack_needs

CAPACITY_RULE = "lambda-subnet-capacity"


def capacity_inputs(policy_config: Path | None) -> CapacityInputs:
    """The rule's schema defaults, overridden by the policy config's entry (as the engine reconciles them)."""
    properties = {key: spec["default"] for key, spec in CAPACITY_SCHEMA.items()}
    entries, _ = load_policy_config(policy_config)
    entry = entries.get(CAPACITY_RULE)
    if entry is not None and entry.properties:
        properties.update(entry.properties)
    return CapacityInputs.from_properties(properties)


def program_needs(
    stack: str,
    program_dir: Path | None = None,
    policy_config: Path | str | None = None,
    timeout: float = 600.0,
) -> StackNeeds:
    """Run the stack's program offline (preview mode: what a first `pulumi preview` plans) and read its needs.

    Raises what `run_check` raises for a program that cannot run (ProgramLoadError, ProgramError) and
    PolicyConfigError for an unusable policy config."""
    program_dir = program_dir or Path.cwd()
    config = load_stack_config(program_dir, stack, stack_named=True)
    environment = config.get("netkit:environment") or stack
    pack = netkit_pack_dir()  # read only: a name (dev, staging, prod) or the environment picks one of its configs
    try:
        if pack is not None:
            config_file = policy_config_path(policy_config, pack, environment)
        else:
            config_file = Path(policy_config) if policy_config is not None else None
    except ProjectError as exc:
        raise PolicyConfigError(str(exc)) from None
    run = run_program(program_dir, stack, "preview", config, timeout=timeout)
    graph = as_graph([r for r in run.resources if not r.read])
    notes = []
    if run.unknown_lookups:
        notes.append("lookups answered unknown offline: " + ", ".join(sorted(set(run.unknown_lookups))))
    return stack_needs(graph, stack, config.region, capacity_inputs(config_file), notes)
