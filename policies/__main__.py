"""Entry point the Pulumi CLI runs (`python -m pulumi.policy <engine> <this directory>`, working directory this
directory, which `runpy` puts first on sys.path): builds the PolicyPack, which serves the analyzer. Everything the
pack imports lives in this directory (`netkit_core/`) or in `requirements.txt`, so a published pack runs alone."""

from netkit_core.pack import build_pack

build_pack()
