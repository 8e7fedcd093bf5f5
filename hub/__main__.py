"""`python -m hub` is the `campus-hub` command."""

from .cli import main

raise SystemExit(main())
