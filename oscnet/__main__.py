"""`python -m oscnet` is the `oscnet` command."""

import sys

from oscnet.cli.main import main

sys.exit(main())
