"""The moderation core's tests share one bot: a built database, a store, the advisor and
``Moderation`` on top (``tests.moderation_support.World``)."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.moderation_support import World, build


@pytest.fixture
def world(tmp_path: Path) -> World:
    w = World(build(tmp_path))
    yield w
    w.close()
