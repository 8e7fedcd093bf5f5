"""`python -m city`: the platform's commands (as `campus-hub platform`)."""

import sys

from .cli import main

sys.exit(main())
