"""`python -m fluorodesk` runs the same command line as the `fluorodesk` entry point."""

import sys

from fluorodesk.cli import main

sys.exit(main())
