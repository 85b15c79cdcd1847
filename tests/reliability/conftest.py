"""The reliability tests reuse the end-to-end fixtures: the fake Discord (``fake_discord``,
``run_bot``) and careerbot running on it (``careerbot``)."""

from __future__ import annotations

# tests.e2e.conftest imports the careerbot fixture itself, so it must come first.
from tests.e2e.conftest import careerbot, fake_discord, run_bot  # noqa: F401
