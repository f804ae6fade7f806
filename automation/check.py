"""`run_check`: run a Pulumi program offline and feed it to a policy pack; the API behind `netkit check`.

The pack is started as the Pulumi CLI starts it (offline/pack_process.py) and configured as the engine configures
it (offline/policy_config.py); `Analyze` calls stream while the program runs (offline/analyzer.py).
"""

from __future__ import annotations

import importlib.util
import json
import shutil
import sys
import tempfile
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from .offline.analyzer import AnalysisSession
from .offline.engine import Mode, RecordedResource, run_program
from .offline.fixtures import load_fixtures
from .offline.masking import Masker
from .offline.pack_process import MANIFEST, PolicyPackError, PolicyPackProcess, StackInfo, resolve_launch
from .offline.policy_config import PolicyConfigEntry, PolicyConfigError, load_policy_config
from .offline.report import Report, Source, capacity_rows, cost_estimate
from .offline.stack_config import StackConfig, load_stack_config
from .project import ProjectError, policy_config_path

if TYPE_CHECKING:
    from .preflight.facts import AccountConcurrency

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_PACK = REPO_ROOT / "policies"
PACKAGED_PACK = "lambda_netkit.policy_pack"


def tool_version() -> str:
    import importlib.metadata  # imported when the report is built, not while the program runs

    try:
        return importlib.metadata.version("lambda-netkit")
    except importlib.metadata.PackageNotFoundError:
        return ""


def in_repository() -> bool:
    """Running from the repository (or an editable install of it), where `policies/` is the pack."""
    return (DEFAULT_PACK / MANIFEST).is_file() and (REPO_ROOT / "automation" / "check.py").is_file()


@contextmanager
def default_pack() -> Iterator[Path]:
    """The repository's `policies/`, or, from a pip install, the pack shipped in the distribution
    (`lambda_netkit.policy_pack`) materialized into a temporary directory whose PulumiPolicy.yaml names the running
    environment as its virtualenv (its `netkit_core` and `pulumi-policy` are installed there)."""
    if in_repository():
        yield DEFAULT_PACK
        return
    shipped = shipped_pack()
    if shipped is None:
        raise PolicyPackError("no default policy pack (the installed lambda_netkit has none): pass --policy-pack DIR")
    with tempfile.TemporaryDirectory(prefix="netkit-pack-") as tmp:
        target = Path(tmp) / "policy_pack"
        shutil.copytree(shipped, target, ignore=shutil.ignore_patterns("__pycache__"))
        manifest = yaml.safe_load((target / MANIFEST).read_text(encoding="utf-8")) or {}
        options: dict[str, Any] = {}
        if (Path(sys.prefix) / "bin" / "python").is_file():
            options["virtualenv"] = sys.prefix
        manifest["runtime"] = {"name": "python", "options": options} if options else "python"
        (target / MANIFEST).write_text(yaml.safe_dump(manifest, sort_keys=False), encoding="utf-8")
        yield target


def shipped_pack() -> Path | None:
    """The pack directory inside the installed distribution (`lambda_netkit.policy_pack`, a namespace package:
    found through its search locations, which also works for editable installs)."""
    try:
        spec = importlib.util.find_spec(PACKAGED_PACK)
    except ModuleNotFoundError:
        return None
    for location in (spec.submodule_search_locations or []) if spec else []:
        if (Path(location) / MANIFEST).is_file():
            return Path(location)
    return None


def default_policy_config(pack_dir: Path, environment: str) -> Path | None:
    return policy_config_path(None, pack_dir, environment)


def repository_root(program_dir: Path) -> Path:
    """The git top-level of the program (SARIF paths are relative to it), else the program directory."""
    program_dir = program_dir.resolve()
    for directory in (program_dir, *program_dir.parents):
        if (directory / ".git").exists():
            return directory
    return program_dir


def stack_tags(program_dir: Path, config: StackConfig) -> dict[str, str]:
    """The tags the CLI gives a stack from Pulumi.yaml and `pulumi:tags` config (pkg/backend/stack.go,
    GetEnvironmentTagsForCurrentStack); sent in ConfigureStack. `pulumi:tags` was checked when the config was read
    (an object of strings)."""
    tags = {"pulumi:project": config.project, "pulumi:runtime": config.runtime}
    if config.description:
        tags["pulumi:description"] = config.description
    raw = config.get("pulumi:tags")
    if raw:
        tags.update(json.loads(raw))
    return tags


def repository_sources(resources: Iterable[Any], root: Path) -> dict[str, Source]:
    """Each resource's place in the repository (relative to `root`). A resource whose every frame is outside it
    (declared by installed code alone) has none: reports then point at the program's entry file, never at a path
    outside the repository, which code scanning would ignore."""
    # Both engines' records carry urn, type, source_file and source_line. The root stack is registered by the SDK
    # itself (its position is the SDK's, possibly inside a virtualenv under the root): never a place in the program.
    sources: dict[str, Source] = {}
    for resource in resources:
        if not resource.source_file or resource.type == "pulumi:pulumi:Stack":
            continue
        path = Path(resource.source_file)
        if path.is_relative_to(root):
            sources[resource.urn] = Source(path.relative_to(root).as_posix(), resource.source_line)
    return sources


def run_check(
    program_dir: Path | str = ".",
    stack: str = "dev",
    mode: Mode = "preview",
    policy_pack: Path | str | None = None,
    policy_config: Path | str | None = None,
    pack: PolicyPackProcess | None = None,
    *,
    config_overrides: Mapping[str, str] | None = None,
    stack_named: bool = False,
    fixtures: Path | str | None = None,
    timeout: float = 600.0,
    account_facts: AccountConcurrency | None = None,
) -> Report:
    """Run the program in `mode` and analyze it with the pack.

    `pack` lets a caller reuse one running pack across many checks (tests do; ConfigureStack is sent again, the
    launch environment stays the first stack's); otherwise a pack process is started for this check, as the CLI
    starts it, and always stopped. Raises ProgramLoadError, ProgramError, PolicyPackError (and its
    PolicyConfigError) or DuplicateResourceError.

    `account_facts` (what `netkit aws preflight` read: `--account-facts`) replaces the capacity rule's assumed
    `accountConcurrency` with the account's; an AccountFactsError when they are another region's.
    """
    program_dir = Path(program_dir)
    config = load_stack_config(program_dir, stack, overrides=config_overrides, stack_named=stack_named)
    masker = Masker(config.secret_values())
    try:
        report = _run_check(
            program_dir, config, stack, mode, policy_pack, policy_config, pack, masker, fixtures, timeout, account_facts
        )
    except Exception as exc:
        masker.scrub(exc)  # whoever prints the error prints no known secret
        raise
    return masker.mask_data(report)


def _run_check(
    program_dir: Path,
    config: StackConfig,
    stack: str,
    mode: Mode,
    policy_pack: Path | str | None,
    policy_config: Path | str | None,
    pack: PolicyPackProcess | None,
    masker: Masker,
    fixtures: Path | str | None,
    timeout: float,
    account_facts: AccountConcurrency | None,
) -> Report:
    environment = config.get("netkit:environment") or stack
    info = StackInfo(
        project=config.project,
        stack=stack,
        dry_run=mode == "preview",
        config=dict(config.values),
        secret_keys=tuple(config.secret_keys),
        tags=stack_tags(program_dir, config),
    )
    answers = load_fixtures(fixtures) if fixtures is not None else None  # checked before anything starts
    with _pack_dir(policy_pack) as pack_dir:
        if pack is None:
            resolve_launch(pack_dir)  # a pack that cannot start is refused before the program starts
        config_path = _policy_config_file(policy_config, pack_dir, environment)
        user_config, config_warnings = load_policy_config(config_path)
        account_note = _apply_account_facts(user_config, account_facts, config.region)
        starter = PackStart(pack_dir, info, user_config, pack)
        try:
            try:
                run = run_program(
                    program_dir,
                    stack,
                    mode,
                    config,
                    timeout=timeout,
                    fixtures=answers,
                    on_resource=starter.submit,
                    source_root=repository_root(program_dir),
                    masker=masker,
                    allow_patterns=_allow_patterns(user_config),
                )
            except Exception:
                starter.raise_start_error()  # the pack's own failure first, as when it started before the program
                raise
            session = starter.wait()
            result = session.analyze(run)
        finally:
            starter.close()
    notes = list(run.notes)
    if account_note:
        notes.append(account_note)
    if config_path is None:
        notes.append(f"no policy config for environment {environment!r}: the pack's defaults apply")
    notes.extend(
        f"{token}: its children are not visible offline (a multi-language component)" for token in run.remote_components
    )
    if run.unknown_lookups:
        # A real preview asks the cloud; offline, without a fixture, the result stays unknown (DESIGN.md section 3).
        notes.append(
            "lookups answered unknown (no fixture): "
            + ", ".join(sorted(set(run.unknown_lookups)))
            + "; decisions that depend on their results are undecided. Answer them with --fixtures FILE"
        )
    root = repository_root(program_dir)
    main = config.main.resolve()
    return Report(
        stack=stack,
        mode=mode,
        resources=[{"urn": r.urn, "type": r.type, "name": r.name} for r in session.registered],
        violations=result.violations,
        not_run=result.not_run,
        warnings=[*config_warnings, *result.warnings, *run.warnings],
        notes=notes,
        capacity=capacity_rows(run.resources, session.properties.get("lambda-subnet-capacity", {})),
        cost=cost_estimate([r for r in run.resources if not r.read], environment, config.region),
        environment=environment,
        suppressed=result.suppressed,
        sources=repository_sources(run.resources, root),
        rules=result.rules,
        program_stdout=run.stdout,
        program_stderr=run.stderr,
        tool_version=tool_version(),
        pack_name=result.pack_name,
        pack_version=result.pack_version,
        entry_point=Source((main.relative_to(root) if main.is_relative_to(root) else main).as_posix(), 1),
    )


def _allow_patterns(user_config: Mapping[str, PolicyConfigEntry]) -> list[str]:
    """lambda-env-no-secrets' `allowPatterns` from the policy config (values it allows are not secrets it finds)."""
    entry = user_config.get("lambda-env-no-secrets")
    patterns = (entry.properties or {}).get("allowPatterns") if entry is not None else None
    return [p for p in patterns if isinstance(p, str)] if isinstance(patterns, list) else []


def _apply_account_facts(
    user_config: dict[str, PolicyConfigEntry], facts: AccountConcurrency | None, region: str
) -> str:
    """Set `lambda-subnet-capacity.accountConcurrency` to the account's Lambda concurrency (the user's policy
    config entry keeps its level and other properties); the note says so in the report. Lambda concurrency is per
    region, so facts read for another region are refused."""
    if facts is None:
        return ""
    from .preflight.facts import AccountFactsError

    if facts.region and facts.region != region:
        raise AccountFactsError(f"account facts were read in {facts.region}, but the stack deploys to {region}")
    entry = user_config.get("lambda-subnet-capacity", PolicyConfigEntry())
    user_config["lambda-subnet-capacity"] = PolicyConfigEntry(
        entry.enforcement, {**(entry.properties or {}), "accountConcurrency": facts.value}
    )
    origin = f" ({facts.source})" if facts.source else ""
    return f"lambda-subnet-capacity uses the account's Lambda concurrency {facts.value}{origin} (--account-facts)"


class PackStart:
    """Starts the pack (as the CLI does) and its analysis session (GetAnalyzerInfo, Configure) on a thread, while
    the program starts in its own process: the two start-ups overlap instead of adding up (the pack's start is most
    of the check's fixed cost). `submit` (run_program's `on_resource`) waits until the session is ready; a pack that
    failed to start or a policy config it rejects is raised there, which stops the program before any `Analyze`.

    `pack` given (a running pack reused across checks): ConfigureStack is sent again instead of a start."""

    def __init__(
        self,
        pack_dir: Path,
        info: StackInfo,
        user_config: Mapping[str, PolicyConfigEntry],
        pack: PolicyPackProcess | None = None,
    ) -> None:
        self._pack_dir, self._info, self._user_config, self._pack = pack_dir, info, user_config, pack
        self._lock = threading.Lock()
        self._closed = False
        self._ready = threading.Event()
        self._release = threading.Event()
        self.own: PolicyPackProcess | None = None  # the pack process started for this check, if any
        self.session: AnalysisSession | None = None
        self.error: BaseException | None = None
        self._thread = threading.Thread(target=self._start, name="netkit-pack-start", daemon=True)
        self._thread.start()

    def _start(self) -> None:
        try:
            if self._pack is None:
                own = PolicyPackProcess(self._pack_dir, self._info)
                with self._lock:
                    self.own = own
                    if self._closed:  # the check ended (e.g. Ctrl-C) while the pack was starting
                        own.close()
                        return
                active = own
            else:
                active = self._pack
                active.configure_stack(self._info)
            self.session = AnalysisSession(active, self._user_config)
        except BaseException as exc:  # noqa: BLE001 - handed to the thread that runs the check
            self.error = exc
        finally:
            self._ready.set()
        # The pack's parent-death signal (PR_SET_PDEATHSIG) fires when the THREAD that started it ends
        # (prctl(2)), so this thread lives until the check is over.
        self._release.wait()

    def wait(self) -> AnalysisSession:
        """The configured session, once the start is over; the start's own error if it failed."""
        self.raise_start_error()
        assert self.session is not None
        return self.session

    def raise_start_error(self) -> None:
        self._ready.wait()
        if self.error is not None:
            raise self.error

    def submit(self, resource: RecordedResource) -> None:
        self.wait().submit(resource)

    def close(self) -> None:
        """Stop the session's pool and the pack started for this check (whatever state the start is in)."""
        self._ready.wait(timeout=1.0)
        with self._lock:
            self._closed = True
            own = self.own
        if self.session is not None:
            self.session.close()
        if own is not None:
            own.close()
        self._release.set()


def _policy_config_file(choice: Path | str | None, pack_dir: Path, environment: str) -> Path | None:
    """`--policy-config NAME|FILE` (project.policy_config_path); one that cannot be found: PolicyConfigError."""
    try:
        return policy_config_path(choice, pack_dir, environment)
    except ProjectError as exc:
        raise PolicyConfigError(str(exc)) from None


@contextmanager
def _pack_dir(policy_pack: Path | str | None) -> Iterator[Path]:
    if policy_pack is not None:
        yield Path(policy_pack)
        return
    with default_pack() as path:
        yield path
