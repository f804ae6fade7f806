"""`python -m automation.offline_provider <engine address>`: what the launcher installed in PULUMI_HOME runs."""

from .server import main

main()
