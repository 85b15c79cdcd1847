"""discord.py's hybrid command decorators, typed so mypy can check the cogs.

discord.py types a hybrid callback as a union of "method of a cog" and "plain function";
mypy cannot solve its type variables against that union and rejects every decorated
method (``expected "def (Never, Never, /, *Never, **Never) -> ..."``). careerbot's
commands are all cog methods, so for the type checker these names take only that half
of the union. At run time they are discord.py's own decorators, unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, Concatenate, ParamSpec, TypeVar

from discord.ext import commands

__all__ = ["hybrid_command", "hybrid_group"]

if TYPE_CHECKING:
    CogT = TypeVar("CogT", bound=commands.Cog)
    ContextT = TypeVar("ContextT", bound=commands.Context[Any])
    P = ParamSpec("P")
    T = TypeVar("T")
    P2 = ParamSpec("P2")
    U = TypeVar("U")

    CogCallback = Callable[Concatenate[CogT, ContextT, P], Coroutine[Any, Any, T]]

    class HybridGroup(commands.HybridGroup[CogT, P, T]):
        """A hybrid group whose ``command``/``group`` decorators take cog methods."""

        def command(  # type: ignore[override]  # narrower callback than the union; see above
            self, name: str = ..., *args: Any, **kwargs: Any
        ) -> Callable[[CogCallback[CogT, ContextT, P2, U]], commands.HybridCommand[CogT, P2, U]]: ...

        def group(  # type: ignore[override]  # narrower callback than the union; see above
            self, name: str = ..., *args: Any, **kwargs: Any
        ) -> Callable[[CogCallback[CogT, ContextT, P2, U]], HybridGroup[CogT, P2, U]]: ...

    def hybrid_command(
        name: str = ..., **attrs: Any
    ) -> Callable[[CogCallback[CogT, ContextT, P, T]], commands.HybridCommand[CogT, P, T]]: ...

    def hybrid_group(
        name: str = ..., **attrs: Any
    ) -> Callable[[CogCallback[CogT, ContextT, P, T]], HybridGroup[CogT, P, T]]: ...

else:
    hybrid_command = commands.hybrid_command
    hybrid_group = commands.hybrid_group
