"""Prefix commands convert their text arguments with ``PlainText`` (cheaper than
discord.py's ``str``), which gives the same values, and their slash options are unchanged."""

from __future__ import annotations

from typing import Any, Optional

import discord
import pytest
from discord import app_commands
from discord.ext import commands

from bot.discord_app.cogs.advice import Advice
from bot.discord_app.hybrid import PlainText, plain_text_params


def _payloads(tree: app_commands.CommandTree) -> dict[str, Any]:
    return {c.name: c.app_command.to_dict(tree) for c in Advice.__cog_commands__
            if c.app_command is not None}


def test_every_text_argument_is_plain_text_and_the_slash_options_stay() -> None:
    tree = app_commands.CommandTree(discord.Client(intents=discord.Intents.none()))
    copies = [c.copy() for c in Advice.__cog_commands__]
    before = {c.name: c.app_command.to_dict(tree) for c in copies if c.app_command is not None}
    annotations = {c.name: {n: p.annotation for n, p in c.params.items()} for c in copies}
    for command in copies:
        plain_text_params(command)
    after = {c.name: c.app_command.to_dict(tree) for c in copies if c.app_command is not None}
    assert after == before and len(after) >= 9
    converted = 0
    for command in copies:
        for name, param in command.params.items():
            was = annotations[command.name][name]
            assert was in (str, Optional[str])  # noqa: UP045  # every argument is text
            assert param.converter is PlainText or param.converter == Optional[PlainText]  # noqa: UP045
            assert param.required == (was is str) or param.kind == param.KEYWORD_ONLY
            converted += 1
    assert converted >= 15


@pytest.mark.parametrize("text", ["mlops", "ai pm", "", "  spaced  ", "<@123>", "`code`"])
async def test_plain_text_gives_what_str_gives(text: str) -> None:
    param = commands.Parameter("role", commands.Parameter.POSITIONAL_OR_KEYWORD, annotation=str)
    ctx: Any = None  # neither converter reads the context
    as_str = await commands.run_converters(ctx, str, text, param)
    as_plain = await commands.run_converters(ctx, PlainText, text, param)
    assert as_plain == as_str == text
