"""The offline provider plugin (DESIGN.md section 9): what the real Pulumi CLI loads in place of
`pulumi-resource-aws` and of any other package a program uses, answering from provider_model with no credentials
and no network.

Stable interface (other parts of netkit build on it):
- `install_offline_plugins(pulumi_home, packages)`: register it in a throwaway PULUMI_HOME for (name, version) pairs;
- `required_packages(python)`: the (name, version) pairs the program's installed packages request;
- `install_dynamic_provider_stand_in(pulumi_home)`: stand in for Pulumi's dynamic provider too (programs with
  `pulumi.dynamic` resources call real clouds in an update); returns a directory to put first on the CLI's PATH;
- environment read by the provider process: NETKIT_OFFLINE_FIXTURES (the fixtures file `netkit check --fixtures`
  reads), NETKIT_OFFLINE_FAULTS (faults.py).
"""

from .faults import FAULTS_ENV, parse_faults
from .plugins import (
    PluginError,
    install_dynamic_provider_stand_in,
    install_offline_plugins,
    plugin_dir,
    required_packages,
)
from .server import FIXTURES_ENV

__all__ = [
    "FAULTS_ENV",
    "FIXTURES_ENV",
    "PluginError",
    "install_dynamic_provider_stand_in",
    "install_offline_plugins",
    "parse_faults",
    "plugin_dir",
    "required_packages",
]
