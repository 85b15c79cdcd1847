"""Allow ``python -m bot`` as well as the ``careerbot`` console script."""

from bot.cli import main

raise SystemExit(main())
