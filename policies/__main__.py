"""Entry point the Pulumi CLI (or `automation check`) runs: builds the PolicyPack, which serves the analyzer."""

import sys
from pathlib import Path

# The pack shares pure helpers with the components (capacity model, secret detection): make the repository
# importable however the pack is started (the CLI runs it from this directory).
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from policies.pack import build_pack

build_pack()
