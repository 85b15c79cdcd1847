"""A prefix advice command's text is read by the core alone (``CoreTextCommand``): what
discord.py would have split into parameters (too few words, an unclosed quote, extra
words, nothing at all) gets exactly the answer the core gives for the same text, and
the command completes instead of failing in discord.py's argument parsing."""

from __future__ import annotations

from typing import Any

from bot.core.advisor import Advisor, Request
from bot.discord_app.client import CareerBot
from bot.discord_app.hybrid import CoreTextCommand
from tests.e2e.careerbot_fixtures import MESSAGES, embed_text
from tests.fake_discord import FakeDiscord

#: Texts discord.py's parser would have refused or split differently, by sender (the
#: shared cooldown lets each member send five messages in its window).
TEXTS = {
    "alice": ["!compare mlops", '!compare "mlops pm', "!compare ai product manager mlops",
              "!salary"],
    "mod": ["!switch backend", "!ask", '!role "ml ops', "!week mlops extra words here"],
}


async def test_prefix_text_gets_the_cores_own_answer(fake_discord: FakeDiscord,
                                                     careerbot: CareerBot,
                                                     advisor: Advisor) -> None:
    failed: list[BaseException] = []

    async def on_command_error(ctx: Any, error: BaseException) -> None:
        failed.append(error)

    careerbot.add_listener(on_command_error)
    for name, texts in TEXTS.items():
        for text in texts:
            mark = fake_discord.mark()
            await fake_discord.send_message(author=fake_discord.member(name), content=text)
            [req] = await fake_discord.wait_for_requests("POST", MESSAGES, since=mark)
            core = advisor.handle(Request(text=text, prefix="!"))
            expected = careerbot.reply_kwargs(core, 0)["embed"].to_dict()
            assert embed_text(req.json) == embed_text({"embeds": [expected]}), text
    assert failed == []


def test_advice_commands_except_help_leave_their_text_to_the_core(careerbot: CareerBot) -> None:
    advice = careerbot.get_cog("Advice")
    assert advice is not None
    kinds = {c.name: isinstance(c, CoreTextCommand) for c in advice.get_commands()}
    assert kinds.pop("help") is False  # it reads its argument itself (moderator help)
    assert kinds and all(kinds.values()), kinds

