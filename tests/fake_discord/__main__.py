"""``python -m tests.fake_discord``: the fake Discord on its own (see :mod:`.standalone`)."""

import sys

from .standalone import main

sys.exit(main())
