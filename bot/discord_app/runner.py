"""``careerbot run`` and ``careerbot sync``: start the bot, or sync slash commands globally.

Every failure a bot owner can cause (no token, a wrong token, an unreachable gateway)
ends with one clear line and a non-zero exit, not a traceback.
"""

from __future__ import annotations

import asyncio
import logging
import sys

import discord
import yarl

from bot.settings import Settings

log = logging.getLogger("careerbot.discord")


def configure_endpoints(settings: Settings) -> None:
    """Point discord.py at a Discord-compatible server when DISCORD_API_BASE/GATEWAY are set."""
    if settings.discord_api_base:
        discord.http.Route.BASE = settings.discord_api_base.rstrip("/")
    if settings.discord_gateway_url:
        discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(
            settings.discord_gateway_url
        )


async def _start(settings: Settings, sync_globally: bool) -> None:
    from bot.app import create_advisor, create_moderation, open_store
    from bot.discord_app.client import CareerBot

    store = open_store(settings)  # one store: moderators' edits show in the next answer
    bot = CareerBot(create_advisor(settings, store), settings,
                    moderation=create_moderation(settings, store))
    async with bot:
        if sync_globally:
            await bot.login(settings.token or "")  # runs setup_hook: loads the commands
            synced = await bot.tree.sync()
            print(f"synced {len(synced)} slash commands globally; they may take up to an hour "
                  "to appear everywhere")
            return
        await bot.start(settings.token or "")


def run_bot(settings: Settings, *, sync_globally: bool = False) -> int:
    if not settings.token:
        print("careerbot: DISCORD_TOKEN is not set; put it in .env (see .env.example). "
              "`careerbot chat` works offline without it.", file=sys.stderr)
        return 2
    configure_endpoints(settings)
    try:
        asyncio.run(_start(settings, sync_globally))
    except discord.LoginFailure:
        print("careerbot: Discord rejected the token (DISCORD_TOKEN); copy it again from the "
              "developer portal, Bot > Reset Token.", file=sys.stderr)
        return 2
    except discord.PrivilegedIntentsRequired:
        print("careerbot: enable the Message Content intent for the bot in the developer portal "
              "(Bot > Privileged Gateway Intents).", file=sys.stderr)
        return 2
    except (OSError, discord.GatewayNotFound, discord.HTTPException) as exc:
        print(f"careerbot: cannot reach Discord: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 0
    return 0
