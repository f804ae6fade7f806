"""Register the offline provider in a throwaway PULUMI_HOME, under the exact versions a program's packages request.

Plugin discovery (pulumi/pulumi sdk/go/common/workspace/plugins.go): the engine runs
`$PULUMI_HOME/plugins/resource-<name>-v<version>/pulumi-resource-<name>` (PluginDescriptor.Dir/File); a directory
with a sibling `<dir>.partial` file is an unfinished install and is skipped (GetPluginsFromDir, HasPlugin), so the
launcher is written while that marker exists and the marker removed last, as the CLI's installer does; `<dir>.lock`
only serializes concurrent installs. A `pulumi-resource-<name>` on PATH would win over the plugin cache
(getPluginInfoAndPath: "ambient" plugins) unless PULUMI_IGNORE_AMBIENT_PLUGINS is set.

Which versions: the Python language host (sdk/python/cmd/pulumi-language-python/main.go listPulumiPackageInfos and
packageDependencyFromPluginJSON) takes every installed distribution with a `pulumi-plugin.json` in its package
directory, or named `pulumi-*`: `resource: false` means no plugin; name and version default to the distribution's
name without `pulumi-` and its version. `required_packages` reproduces that in the program's own interpreter.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

from ..provider_model.planned_state import DYNAMIC_PACKAGE
from .server import PACKAGE_ENV, VERSION_ENV

ROOT = Path(__file__).resolve().parents[2]  # the directory holding the `automation` package
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")
_VERSION = re.compile(r"^\d+\.\d+\.\d+([-+][0-9A-Za-z.+-]+)?$")
# Packages the language host knows carry no plugin (main.go packagesWithoutPlugins).
PACKAGES_WITHOUT_PLUGINS = frozenset({"pulumi-policy", "pulumi-esc-sdk"})
DYNAMIC_VERSION = "0.1.0"  # what pulumi/dynamic/__main__.py GetPluginInfo reports

# Run in the program's interpreter: every distribution with its version and its pulumi-plugin.json, if any (the same
# lookup as the language host's pulumiPluginJSONPathsScript).
_LIST_SCRIPT = """
import importlib.metadata, importlib.util, json, os
out = []
for dist in importlib.metadata.distributions():
    name = dist.metadata['Name'] or ''
    plugin = None
    try:
        spec = importlib.util.find_spec(name.replace('-', '_'))
        for loc in list(spec.submodule_search_locations or []) if spec else []:
            path = os.path.join(str(loc), 'pulumi-plugin.json')
            if os.path.isfile(path):
                with open(path, encoding='utf-8') as handle:
                    plugin = json.load(handle)
                break
    except Exception:
        plugin = None
    out.append({'name': name, 'version': dist.version, 'plugin': plugin})
print(json.dumps(out))
"""


class PluginError(Exception):
    """The program's interpreter could not list its packages, or a package/version is not a plugin name."""


def plugin_dir(pulumi_home: Path, name: str, version: str) -> Path:
    return Path(pulumi_home) / "plugins" / f"resource-{name}-v{version.removeprefix('v')}"


def launcher_text(name: str, version: str, python: str) -> str:
    """A POSIX shell launcher that `exec`s (so the engine's child, and the process it signals, is the provider
    itself) the provider on `python` with only netkit's root on its import path."""
    bootstrap = f"import sys; sys.path[0] = {str(ROOT)!r}; from automation.offline_provider.server import main; main()"
    return (
        "#!/bin/sh\n"
        f"# The netkit offline provider in place of pulumi-resource-{name} v{version}: no credentials, no network.\n"
        f"# Written by automation/offline_provider/plugins.py; see docs/offline-provider.md.\n"
        f"{PACKAGE_ENV}={shlex.quote(name)}; export {PACKAGE_ENV}\n"
        f"{VERSION_ENV}={shlex.quote(version)}; export {VERSION_ENV}\n"
        f'exec {shlex.quote(python)} -c {shlex.quote(bootstrap)} "$@"\n'
    )


def install_offline_plugins(pulumi_home: Path, packages: Iterable[tuple[str, str]], python: str | None = None) -> None:
    """Install the offline provider as `resource-<name>-v<version>` for each (name, version) in
    `pulumi_home/plugins` (a throwaway PULUMI_HOME, never the user's). `python` (default: this interpreter) must
    import grpc, the Pulumi SDK and netkit's `automation` package. Idempotent."""
    interpreter = python or sys.executable
    for name, raw_version in packages:
        version = raw_version.removeprefix("v")
        if not _NAME.match(name) or not _VERSION.match(version):
            raise PluginError(f"not a plugin name and version: {name!r} {raw_version!r}")
        directory = plugin_dir(pulumi_home, name, version)
        launcher = directory / f"pulumi-resource-{name}"
        text = launcher_text(name, version, interpreter)
        partial = directory.with_name(directory.name + ".partial")
        if launcher.is_file() and not partial.exists() and launcher.read_text(encoding="utf-8") == text:
            continue
        directory.parent.mkdir(parents=True, exist_ok=True)
        partial.write_text("", encoding="utf-8")
        directory.mkdir(exist_ok=True)
        temporary = launcher.with_name(launcher.name + ".tmp")
        temporary.write_text(text, encoding="utf-8")
        temporary.chmod(0o755)
        os.replace(temporary, launcher)
        partial.unlink()


def install_dynamic_provider_stand_in(pulumi_home: Path, python: str | None = None) -> Path:
    """Stand in for Pulumi's dynamic provider (`pulumi-resource-pulumi-python`, which runs a program's
    `pulumi.dynamic.ResourceProvider` code, calling real clouds in an update) and return the directory to put FIRST
    on the CLI's PATH. The plugin cache cannot do it: the CLI takes this "bundled" plugin from PATH, else from
    beside its own executable, and never from PULUMI_HOME (sdk/go/common/workspace/plugins.go IsPluginBundled,
    getPluginInfoAndPath). The stand-in answers Configure as the dynamic provider does (no preview support)."""
    directory = Path(pulumi_home) / "netkit-offline-path"
    directory.mkdir(parents=True, exist_ok=True)
    launcher = directory / f"pulumi-resource-{DYNAMIC_PACKAGE}"
    text = launcher_text(DYNAMIC_PACKAGE, DYNAMIC_VERSION, python or sys.executable)
    if not launcher.is_file() or launcher.read_text(encoding="utf-8") != text:
        temporary = launcher.with_name(launcher.name + ".tmp")
        temporary.write_text(text, encoding="utf-8")
        temporary.chmod(0o755)
        os.replace(temporary, launcher)
    return directory


def _plugin_version(version: str) -> str | None:
    """The language host's determinePluginVersion for the common forms: N.N[.N] padded to three segments,
    aN/bN/rcN as -alpha.N/-beta.N/-rc.N; None for anything else (the host then skips the package)."""
    match = re.fullmatch(r"(\d+(?:\.\d+)*)(?:(a|b|rc)(\d+))?", version)
    if not match:
        return None
    segments = match.group(1).split(".")
    segments += ["0"] * (3 - len(segments))
    text = ".".join(segments)
    if match.group(2):
        text += "-" + {"a": "alpha", "b": "beta", "rc": "rc"}[match.group(2)] + "." + match.group(3)
    return text


def required_packages(python: str | Path, *, timeout: float = 60.0) -> list[tuple[str, str]]:
    """(name, version) of every resource plugin the packages installed in `python` (the program's interpreter)
    request, sorted; versions without a leading `v`."""
    try:
        completed = subprocess.run(
            [str(python), "-c", _LIST_SCRIPT], capture_output=True, text=True, timeout=timeout, check=False
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise PluginError(f"could not list the packages of {python}: {exc}") from None
    if completed.returncode != 0:
        raise PluginError(f"could not list the packages of {python} (exit {completed.returncode})")
    try:
        distributions = json.loads(completed.stdout)
    except ValueError:
        raise PluginError(f"could not read the package list of {python}") from None
    found: set[tuple[str, str]] = set()
    for dist in distributions:
        name = str(dist.get("name") or "").lower().replace("_", "-")
        plugin = dist.get("plugin")
        if name in PACKAGES_WITHOUT_PLUGINS:
            continue
        if not isinstance(plugin, dict):
            if not name.startswith("pulumi-"):
                continue
            plugin = {"resource": True}
        if not plugin.get("resource"):
            continue
        package = str(plugin.get("name") or name.removeprefix("pulumi-"))
        version = str(plugin.get("version") or "") or _plugin_version(str(dist.get("version") or ""))
        if version:
            found.add((package, version.removeprefix("v")))
    return sorted(found)
