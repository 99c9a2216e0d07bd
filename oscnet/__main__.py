"""`python -m oscnet` is the `oscnet` command."""

import sys

from .cli import main

sys.exit(main())
