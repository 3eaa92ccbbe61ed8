"""``python -m kpalette IMAGE ...``: the same as the ``kpalette`` command."""

import sys

from .cli import main

if __name__ == "__main__":  # worker processes import this module too, and must not run the command
    sys.exit(main())
