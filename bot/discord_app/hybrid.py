"""discord.py's hybrid command decorators, typed so mypy can check the cogs, and a
cheaper converter for their text arguments.

discord.py types a hybrid callback as a union of "method of a cog" and "plain function";
mypy cannot solve its type variables against that union and rejects every decorated
method (``expected "def (Never, Never, /, *Never, **Never) -> ..."``). careerbot's
commands are all cog methods, so for the type checker these names take only that half
of the union. At run time they are discord.py's own decorators, unchanged.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import TYPE_CHECKING, Any, Concatenate, Optional, ParamSpec, TypeVar

from discord.ext import commands

__all__ = ["CoreTextCommand", "PlainText", "core_text_command", "hybrid_command", "hybrid_group",
           "plain_text_params"]


class PlainText(commands.Converter[str]):
    """A prefix command's text argument, as is: what discord.py's ``str`` annotation
    gives, without its cost. discord.py asks ``isinstance(str, Converter)`` of every
    ``str`` argument it converts, and ``Converter`` is a runtime-checkable Protocol,
    which Python answers by walking the protocol's attributes: about 6 µs an argument.
    A real subclass is recognised at once (``issubclass`` on an ABC is cached). Of the
    advice commands only ``!help`` still has its prefix arguments converted (the others
    are ``CoreTextCommand``s, whose prefix text the core parses)."""

    async def convert(self, ctx: commands.Context[Any], argument: str) -> str:
        return argument


def plain_text_params(command: commands.Command[Any, ..., Any]) -> None:
    """Convert ``command``'s ``str`` and ``str | None`` arguments with ``PlainText``
    when it is invoked by prefix. The slash side was built from the annotations when the
    command was made, so its options do not change."""
    for name, param in list(command.params.items()):
        if param.converter is str:
            command.params[name] = param.replace(annotation=PlainText)
        elif param.converter == Optional[str]:  # noqa: UP045  # the form discord.py stores
            command.params[name] = param.replace(annotation=Optional[PlainText])  # noqa: UP045


class CoreTextCommand(commands.HybridCommand[Any, ..., Any]):
    """A hybrid command whose prefix form hands the whole message to the core, which
    parses quotes, "vs", commas, options and multi-word names itself and explains its
    own usage. discord.py's splitting of the prefix text into the callback's parameters
    (a quoted-word scan and a converter call per parameter, about 15 µs of a
    ``!compare``) only fed values the callback never read on that path, and its one
    other effect, "missing argument" for too few words, ended in the same core usage
    answer. So on a prefix invocation every parameter is given its default (None for a
    required one); a slash invocation converts its options as before."""

    async def _parse_arguments(self, ctx: commands.Context[Any]) -> None:
        if ctx.interaction is not None:
            await super()._parse_arguments(ctx)
            return
        args: list[Any] = [ctx] if self.cog is None else [self.cog, ctx]
        kwargs: dict[str, Any] = {}
        for name, param in self.params.items():
            value = None if param.required else param.default
            if param.kind == param.KEYWORD_ONLY:
                kwargs[name] = value
            else:
                args.append(value)
        ctx.args, ctx.kwargs = args, kwargs


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

    def core_text_command(
        name: str = ..., **attrs: Any
    ) -> Callable[[CogCallback[CogT, ContextT, P, T]], commands.HybridCommand[CogT, P, T]]: ...

else:
    hybrid_command = commands.hybrid_command
    hybrid_group = commands.hybrid_group

    def core_text_command(name: str, **attrs: Any) -> Callable[[Any], CoreTextCommand]:
        """``hybrid_command`` making a ``CoreTextCommand``."""
        def decorator(func: Any) -> CoreTextCommand:
            return CoreTextCommand(func, name=name, **attrs)
        return decorator
