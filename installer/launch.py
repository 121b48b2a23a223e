"""Entry point of the frozen bundle: the same command line as the `fluorodesk` script.

FluoroDesk(.exe) without arguments opens the window; `fluorodesk-cli selfcheck` checks the bundle.
"""

import sys

from fluorodesk.cli import main

if __name__ == "__main__":
    sys.exit(main())
