"""A hang budget for tests: code that never returns fails the test instead of hanging it.

Why a signal: the defect of issue 10 was a synchronous loop that never ended (splitting
a reply). Such a loop blocks the thread it runs on, the event loop included, so neither
``asyncio.wait_for`` nor hypothesis' ``deadline`` (measured after an example returns)
ever gets to fire. SIGALRM interrupts the main thread wherever it is and raises
:class:`Hung` there. The budget is never a timing assertion: it is far above what the
code needs, and code that returns in time never notices it.
"""

from __future__ import annotations

import contextlib
import signal
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from types import FrameType


class Hung(Exception):
    """Raised where the code was running when the budget ran out."""


@dataclass
class Budget:
    """What a test may ask afterwards: did the budget run out (even if the exception
    raised inside the code under test was caught and turned into a reply there)?"""

    seconds: float
    fired: bool = False


@contextlib.contextmanager
def hang_budget(seconds: float) -> Iterator[Budget]:
    """Raise :class:`Hung` inside whatever runs once ``seconds`` have passed.

    Only on the main thread of a POSIX system (where signals are delivered); elsewhere it
    is a no-op rather than a false failure.
    """
    budget = Budget(seconds)
    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield budget
        return

    def fire(signum: int, frame: FrameType | None) -> None:
        budget.fired = True
        where = f"{frame.f_code.co_filename}:{frame.f_lineno}" if frame else "?"
        raise Hung(f"still running after the {seconds:g} s hang budget, at {where}")

    previous = signal.signal(signal.SIGALRM, fire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield budget
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
