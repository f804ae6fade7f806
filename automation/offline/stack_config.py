"""Read a Pulumi project's `Pulumi.yaml` and `Pulumi.<stack>.yaml` the way the CLI hands config to a program, and
refuse what the CLI refuses before anything runs.

Keys are namespaced (`aws:region`, `netkit:azCount`); a key without a namespace belongs to the project. Strings
are passed as they are and structured values as JSON, as the CLI does. `secure:` values cannot be decrypted
offline: they become a placeholder marked secret, and the caller is told which keys those are. `--config KEY=VALUE`
pairs are applied last, as `pulumi preview -c` does.

Checked as the CLI checks them (pulumi/pulumi, read for this module):
- the project file: project_file.py;
- config keys: sdk/go/common/resource/config/key.go `ParseKey` (`<namespace>:<name>`, or the old
  `<namespace>:config:<name>`; anything else is refused), and pkg/cmd/pulumi/config/io.go `parseConfigKey` for
  `-c` keys (no namespace: the project's);
- stack values against the project's declarations: pkg/workspace/config.go `validateStackConfigValues` (a declared
  type, `secret: true` needing a secure value, a declaration without default needing a value);
- the stack name: sdk/go/common/tokens/stack_name.go `ParseStackName`;
- values of provider keys the provider SDK reads with a type (pulumi_aws config/vars.py: `get` strings,
  `get_bool`, `get_int`): a mapping for `aws:region` reaches the provider as JSON text and fails there.

Every problem is a ProgramLoadError with one line naming the file (or `--config`), the key and what is expected,
never the value.
"""

from __future__ import annotations

import contextlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .files import ProgramLoadError, kind_of, load_yaml_mapping
from .project_file import ConfigDeclaration, Project, full_type, matches_type, validate_project

__all__ = [
    "DEFAULT_REGION",
    "DYNAMIC_PROVIDER_PACKAGES",
    "SECRET_PLACEHOLDER",
    "ProgramLoadError",
    "StackConfig",
    "load_stack_config",
    "parse_key",
    "provider_config",
]

SECRET_PLACEHOLDER = "offline-secret-placeholder"
DYNAMIC_PROVIDER_PACKAGES = ("pulumi-python", "pulumi-nodejs")  # pkg/resource/deploy/target.go isDynamicProvider
DEFAULT_REGION = "us-east-1"
STACK_NAME = re.compile(r"^[A-Za-z0-9_.-]{1,100}$")
CONFIG_OPTION = "--config"

# Provider config keys the provider SDK reads with a type (pulumi_aws/config/vars.py), and the CLI's own.
_STRING_KEYS = {
    f"aws:{name}"
    for name in (
        "region", "profile", "accessKey", "secretKey", "token", "stsRegion", "retryMode", "customCaBundle",
        "ec2MetadataServiceEndpoint", "ec2MetadataServiceEndpointMode", "httpProxy", "httpsProxy", "noProxy",
        "s3UsEast1RegionalEndpoint", "tagPolicyCompliance",
    )
}  # fmt: skip
_BOOLEAN_KEYS = {
    f"aws:{name}"
    for name in (
        "insecure", "s3UsePathStyle", "skipCredentialsValidation", "skipMetadataApiCheck", "skipRegionValidation",
        "skipRequestingAccountId", "useDualstackEndpoint", "useFipsEndpoint",
    )
}  # fmt: skip
_INTEGER_KEYS = {"aws:maxRetries", "aws:tokenBucketRateLimiterCapacity"}


@dataclass
class StackConfig:
    project: str
    main: Path
    values: dict[str, str] = field(default_factory=dict)
    secret_keys: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    root: Path = Path(".")  # the directory holding Pulumi.yaml
    runtime_options: dict[str, Any] = field(default_factory=dict)  # Pulumi.yaml runtime.options
    sources: dict[str, str] = field(default_factory=dict)  # key -> where its value came from (file or --config)
    runtime: str = "python"
    description: str = ""

    @property
    def region(self) -> str:
        return self.values.get("aws:region") or DEFAULT_REGION

    def get(self, key: str) -> str | None:
        return self.values.get(key)

    def source_of(self, key: str) -> str:
        """Where the value of `key` came from, for messages (`Pulumi.dev.yaml`, `--config`, ...)."""
        return self.sources.get(key, "no config (not set)")

    def secret_values(self) -> list[str]:
        """The values the program receives for secret keys (what must never be printed)."""
        return [self.values[key] for key in self.secret_keys if self.values.get(key)]


def parse_key(key: Any, project: str, source: str) -> str:
    """A config key in its canonical `<namespace>:<name>` form (config/key.go ParseKey; no namespace: the
    project's, as `parseConfigKey` does for `-c` and stack files)."""
    if not isinstance(key, str) or not key:
        raise ProgramLoadError(f"{source}: a config key must be a non-empty string, not {kind_of(key)}")
    parts = key.split(":")
    if len(parts) == 1:
        return f"{project}:{key}"
    if len(parts) == 2:
        return key
    if len(parts) == 3 and parts[1] == "config" and parts[0] and parts[2]:
        return f"{parts[0]}:{parts[2]}"  # the old `<namespace>:config:<name>` form
    raise ProgramLoadError(
        f"{source}: config key {key} is not of the form <namespace>:<name> (a key has at most one `:`)"
    )


def go_json(value: Any) -> str:
    """JSON as Go's json.Marshal writes it: compact, object keys sorted, `<`, `>`, `&`, U+2028 and U+2029 escaped."""
    text = json.dumps(value, separators=(",", ":"), sort_keys=True, ensure_ascii=False, default=str)
    for char, escaped in (
        ("<", "\\u003c"),
        (">", "\\u003e"),
        ("&", "\\u0026"),
        ("\u2028", "\\u2028"),
        ("\u2029", "\\u2029"),
    ):
        text = text.replace(char, escaped)
    return text


def _encode(value: Any) -> str:
    """As config/object.go MarshalString: strings as they are, anything else as the JSON text the CLI produces
    (sdk/go/common/resource/config/plaintext.go marshalText: Go's json.Marshal, see go_json)."""
    return value if isinstance(value, str) else go_json(value)


def _is_secure(value: Any) -> bool:
    return isinstance(value, dict) and len(value) == 1 and isinstance(value.get("secure"), str)


def _has_secure(value: Any) -> bool:
    if _is_secure(value):
        return True
    if isinstance(value, dict):
        return any(_has_secure(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_secure(v) for v in value)
    return False


def _placeholders(value: Any) -> Any:
    """A structured value with every nested secure value replaced by the placeholder (offline: not decryptable)."""
    if _is_secure(value):
        return SECRET_PLACEHOLDER
    if isinstance(value, dict):
        return {k: _placeholders(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_placeholders(v) for v in value]
    return value


def _check_known_key(key: str, value: Any, source: str) -> None:
    """Provider keys the provider SDK reads with a type: a value it cannot read fails the program or the provider."""
    if key in _STRING_KEYS and not isinstance(value, str):
        raise ProgramLoadError(f"{source}: config key {key} must be a string, not {kind_of(value)}")
    if key in _BOOLEAN_KEYS and not (isinstance(value, bool) or value in ("true", "false")):
        raise ProgramLoadError(f"{source}: config key {key} must be true or false")
    if key in _INTEGER_KEYS and not matches_type("integer", None, value):
        raise ProgramLoadError(f"{source}: config key {key} must be a whole number")
    if key == "pulumi:tags":
        tags = value
        if isinstance(value, str):
            try:
                tags = json.loads(value)
            except ValueError:
                tags = None
        if not isinstance(tags, dict) or not all(isinstance(v, str) for v in tags.values()):
            raise ProgramLoadError(f"{source}: config key pulumi:tags must be a mapping of tag names to strings")


def _program_dir(program_dir: Path) -> None:
    if program_dir.is_dir():
        return
    if program_dir.exists():
        parent = program_dir.resolve().parent
        raise ProgramLoadError(
            f"--program expects the program's directory (the one holding Pulumi.yaml), and {program_dir} is a file; "
            f"pass its directory: --program {parent}"
        )
    raise ProgramLoadError(f"program directory {program_dir} does not exist; pass --program DIR")


def _stack_name(stack: str) -> None:
    """tokens.ParseStackName: also keeps the stack file inside the program directory."""
    if not STACK_NAME.match(stack):
        raise ProgramLoadError(
            "a stack name may only hold letters, digits, hyphens, underscores and periods (at most 100 characters)"
        )


def _project(program_dir: Path) -> Project | None:
    project_file = program_dir / "Pulumi.yaml"
    if not project_file.is_file():
        return None
    return validate_project(load_yaml_mapping(project_file, ProgramLoadError), project_file)


def _main_file(program_dir: Path, project: Project | None) -> Path:
    main = program_dir / project.main if project is not None and project.main else program_dir
    if main.is_dir():
        main = main / "__main__.py"
    if not main.is_file():
        expected = main.relative_to(program_dir) if main.is_relative_to(program_dir) else main
        raise ProgramLoadError(
            f"no Pulumi program in {program_dir}: expected {expected} (a __main__.py, or the `main` of Pulumi.yaml)"
        )
    return main


def load_stack_config(
    program_dir: Path,
    stack: str,
    overrides: Mapping[str, str] | None = None,
    stack_named: bool = False,
) -> StackConfig:
    """Project name, entry point, runtime options and the stack's config plus `overrides` (--config pairs).

    A missing stack file means empty config, unless the stack was named on the command line (`stack_named`) and no
    overrides were given: then it is most likely a typo, and an error naming the file (DESIGN.md section 3)."""
    _program_dir(program_dir)
    _stack_name(stack)
    project = _project(program_dir)
    name = project.name if project is not None else program_dir.resolve().name
    config = StackConfig(
        project=name,
        main=_main_file(program_dir, project),
        root=program_dir,
        runtime_options=dict(project.options) if project is not None else {},
        runtime=project.runtime if project is not None else "python",
        description=project.description if project is not None else "",
    )
    declarations = {parse_key(d.key, name, "Pulumi.yaml"): d for d in (project.config if project else [])}
    for key, declaration in declarations.items():
        if declaration.has_value or declaration.has_default:
            given = declaration.value if declaration.has_value else declaration.default
            _check_known_key(key, given, f"{program_dir / 'Pulumi.yaml'}")
            config.values[key] = _encode(given)
            config.sources[key] = "Pulumi.yaml"
    stack_dir = program_dir / project.stack_config_dir if project is not None and project.stack_config_dir else None
    stack_file = (stack_dir or program_dir) / f"Pulumi.{stack}.yaml"
    stack_values: dict[str, Any] = {}
    if stack_file.is_file():
        _read_stack_file(stack_file, config, stack_values)
    elif stack_named and not overrides:
        raise ProgramLoadError(
            f"stack {stack!r} has no config file {stack_file}; check the stack name, create the file, or pass "
            "--config KEY=VALUE"
        )
    elif overrides:
        config.notes.append(f"no {stack_file.name}: the stack runs with the --config values only")
    else:
        config.notes.append(f"no {stack_file.name}: the stack runs with empty config")
    for raw_key, value in (overrides or {}).items():
        key = parse_key(raw_key, name, CONFIG_OPTION)
        _check_known_key(key, value, f"{CONFIG_OPTION} {key}")
        config.values[key] = str(value)
        config.sources[key] = CONFIG_OPTION
        stack_values[key] = str(value)
        if key in config.secret_keys:
            config.secret_keys.remove(key)
    _check_declared(declarations, stack_values, config, stack, stack_file)
    if "aws:region" not in config.values:
        # The real AWS provider needs a region (config, or AWS_REGION in the environment); offline we assume the
        # default one and say so, so the program, its default provider and the pack all see the same region.
        config.values["aws:region"] = DEFAULT_REGION
        config.notes.append(f"aws:region is not set: the offline check assumes {DEFAULT_REGION} (set aws:region)")
    return config


def _read_stack_file(stack_file: Path, config: StackConfig, stack_values: dict[str, Any]) -> None:
    data = load_yaml_mapping(stack_file, ProgramLoadError)
    section = data.get("config")
    if section is None:
        return
    if not isinstance(section, dict):
        raise ProgramLoadError(f"{stack_file}: `config` must be a mapping of config keys, not {kind_of(section)}")
    for raw_key, value in section.items():
        key = parse_key(raw_key, config.project, str(stack_file))
        if key in stack_values:
            raise ProgramLoadError(f"{stack_file}: config key {key} is given twice (as {raw_key} and another form)")
        stack_values[key] = value
        config.sources[key] = stack_file.name
        if _has_secure(value):
            config.values[key] = SECRET_PLACEHOLDER if _is_secure(value) else _encode(_placeholders(value))
            config.secret_keys.append(key)
            config.notes.append(
                f"{key} is a secure value that cannot be decrypted offline; the program saw a placeholder"
            )
            continue
        _check_known_key(key, value, str(stack_file))
        config.values[key] = _encode(value)


def _check_declared(
    declarations: Mapping[str, ConfigDeclaration],
    stack_values: Mapping[str, Any],
    config: StackConfig,
    stack: str,
    stack_file: Path,
) -> None:
    """pkg/workspace/config.go validateStackConfigValues for the project's own, typed keys."""
    missing: list[str] = []
    for key, declaration in sorted(declarations.items()):
        if not declaration.type:
            continue
        if key not in stack_values:
            if not declaration.has_default and not declaration.has_value:
                missing.append(key)
            continue
        value = stack_values[key]
        where = config.source_of(key)
        if declaration.secret and where != CONFIG_OPTION and not _has_secure(value):
            raise ProgramLoadError(
                f"{stack_file}: config key {key} must be a secure value (Pulumi.yaml declares it secret); set it "
                "with `pulumi config set --secret`"
            )
        if _has_secure(value):
            continue  # cannot be decrypted offline to check its type
        if declaration.type in ("array", "object") and isinstance(value, str) and where == CONFIG_OPTION:
            with contextlib.suppress(ValueError):
                value = json.loads(value)
        if not matches_type(declaration.type, declaration.items, value):
            source = CONFIG_OPTION if where == CONFIG_OPTION else str(stack_file)
            raise ProgramLoadError(
                f"{source}: config key {key} must be of type {full_type(declaration.type, declaration.items)} "
                "(declared in Pulumi.yaml)"
            )
    if missing:
        names = ", ".join(missing)
        raise ProgramLoadError(
            f"stack {stack} is missing the config {'values' if len(missing) > 1 else 'value'} {names} that "
            f"Pulumi.yaml declares without a default; set {'them' if len(missing) > 1 else 'it'} in "
            f"{stack_file.name} or with --config"
        )


def provider_config(config: StackConfig) -> dict[str, dict[str, Any]]:
    """Per package, the config keys the engine hands its default provider (`aws:region` -> aws {region: ...}), as the
    strings the engine gives (pkg/resource/deploy/target.go GetPackageConfig: `c.Value(decrypter)`, so a structured
    value is its JSON text; the provider decodes it itself). The dynamic-provider packages (`pulumi-python`,
    `pulumi-nodejs`) get the whole stack config under its namespaced keys, as GetPackageConfig gives them."""
    providers: dict[str, dict[str, Any]] = {}
    for key, value in config.values.items():
        package, _, setting = key.partition(":")
        if not setting or package == config.project:
            continue
        providers.setdefault(package, {})[setting] = value
    for package in DYNAMIC_PROVIDER_PACKAGES:
        providers[package] = dict(config.values)
    return providers
