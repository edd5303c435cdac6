"""``python -m fake_telegram`` - see ``fake_telegram.cli``."""

from .cli import main

raise SystemExit(main())
