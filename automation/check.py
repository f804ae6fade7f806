"""`run_check`: run a Pulumi program offline and feed it to a policy pack; the API behind `automation check`."""

from __future__ import annotations

from pathlib import Path

from .offline.analyzer import AnalysisSession, PolicyPackProcess, load_policy_config
from .offline.engine import Mode, run_program
from .offline.report import Report, capacity_rows, cost_estimate
from .offline.stack_config import load_stack_config

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PACK = REPO_ROOT / "policies"


def default_policy_config(pack_dir: Path, environment: str) -> Path | None:
    candidate = pack_dir / "config" / f"{environment}.json"
    return candidate if candidate.is_file() else None


def run_check(
    program_dir: Path | str = REPO_ROOT,
    stack: str = "dev",
    mode: Mode = "preview",
    policy_pack: Path | str = DEFAULT_PACK,
    policy_config: Path | str | None = None,
    pack: PolicyPackProcess | None = None,
) -> Report:
    """Run the program under the mock runtime in `mode` and analyze it with the pack.

    `pack` lets a caller reuse one running pack across many checks (tests do); otherwise a pack process is
    started for this check and always stopped. Raises ProgramLoadError, ProgramError or PolicyPackError.
    """
    program_dir, pack_dir = Path(program_dir), Path(policy_pack)
    config = load_stack_config(program_dir, stack)
    environment = config.get("netkit:environment") or stack
    config_path = Path(policy_config) if policy_config is not None else default_policy_config(pack_dir, environment)
    user_config = load_policy_config(config_path)
    own = PolicyPackProcess(pack_dir) if pack is None else None
    active = own or pack
    assert active is not None
    try:
        # Configure before running the program, so a bad policy config fails before any work is done.
        session = AnalysisSession(active, user_config, stack, config.project, config.region)
        try:
            run = run_program(program_dir, stack, mode, config)
        except BaseException:
            session.close()
            raise
        result = session.analyze(run)
    finally:
        if own is not None:
            own.close()
    notes = list(run.notes)
    if config_path is None:
        notes.append(f"no policy config for environment {environment!r}: the pack's defaults apply")
    return Report(
        stack=stack,
        mode=mode,
        resources=[{"urn": r.urn, "type": r.type, "name": r.name} for r in run.resources],
        violations=result.violations,
        not_run=result.not_run,
        warnings=run.warnings,
        notes=notes,
        capacity=capacity_rows(run.resources, session.properties.get("lambda-subnet-capacity", {})),
        cost=cost_estimate(run.resources, environment),
        environment=environment,
    )
