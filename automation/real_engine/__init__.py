"""The real Pulumi CLI in netkit's test bed and checks: finding it, and running Python programs under it.

See program_host.py for why programs are served through the Automation API's `--client` language server.
"""
