"""`python -m automation ...`: see `python -m automation --help`."""

import sys

from .cli import main

sys.exit(main())
