"""`python -m simulators`: run the simulated school gate or act on it."""

import sys

from .cli import main

sys.exit(main())
