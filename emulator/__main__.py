"""``python -m emulator`` is ``jobs-emulator``."""

import sys

from .cli import main

sys.exit(main())
