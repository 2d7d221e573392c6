"""``python -m emulator`` is ``jobs-emulator``."""

import sys

from emulator.cli import main

sys.exit(main())
