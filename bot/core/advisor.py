"""The advisor: one entry point from a message to a Reply, shared by every front end.

``Advisor.handle`` takes a ``Request`` (text plus who, where, which server) and never
raises for bad input: unknown commands, missing or unknown roles and oversized text
all come back as friendly Replies. ``Advisor.run`` is the structured form slash
commands use, with the role names already separated.
"""

from __future__ import annotations

import logging
from collections import OrderedDict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Protocol

from cachetools import LRUCache
from rapidfuzz import fuzz, process, utils

from bot.core.commands import (
    CLOSE_ROLE_SCORE,
    REGISTRY,
    CommandContext,
    CommandSpec,
    find_command,
    help_command,
    unknown_role,
)
from bot.core.parsing import ParsedCommand, parse_command, split_roles
from bot.core.render import render, warm_templates
from bot.core.reply import Reply
from bot.core.request import Request
from bot.knowledge.models import PREPARED_VIEWS, Knowledge, Role, ViewChanges
from bot.knowledge.role_index import role_index
from bot.knowledge.store import KnowledgeStore
from bot.text.names import LayeredIndex, Match, Resolved, RoleIndex

log = logging.getLogger(__name__)

#: Longest message read at all; the rest is ignored, so huge pastes cost nothing.
MAX_INPUT_CHARS = 4000

#: Commands whose reply depends only on the knowledge view, the role phrases, the
#: options and the prefix (never on who asks, or on anything they change), so an answer
#: can be kept and given again while the knowledge is unchanged. A new command is not
#: remembered until it is listed here.
REMEMBERED_COMMANDS = frozenset(
    {"compare", "role", "salary", "skills", "path", "week", "switch", "roles", "help"}
)
#: Answers kept per knowledge view (least recently used go first).
REPLY_CACHE_SIZE = 512
#: Autocomplete answers kept per knowledge view (least recently used go first).
COMPLETION_CACHE_SIZE = 4096
#: Knowledge views that keep their index and answers (``Knowledge.derived``: least recently
#: used dropped one at a time). Servers nobody edited share the global view.
MAX_VIEWS = PREPARED_VIEWS


#: Answers free-form (non-command) text; the chat issue plugs in here.
ChatHandler = Callable[[Request, Knowledge], Reply | None]


class Resolver(Protocol):
    """Resolves role names: a view's ``RoleIndex``, or ``_Reads`` standing in for one."""

    def resolve(self, text: str) -> Match: ...


class RateLimiter(Protocol):
    """Anything with ``allow(channel_id) -> bool``, e.g. the Discord layer's per-channel
    cooldown (``cogs.conversation.UnaskedSlot``)."""

    def allow(self, channel_id: str) -> bool: ...


@dataclass(frozen=True, slots=True)
class _Composed:
    """A remembered answer with what it read, which decides whether another view of the
    knowledge (a server's, or the global view it was made from) may give it too.

    ``names``: every role name resolved while composing it, with its match (the whole
    of what the answer knows of names). ``whole``: it read every role (``!roles``, an
    unknown role's list of roles). The roles it read besides are the ones those matches
    name: an answer gets its roles only from them. ``shows``: for an answer reading every
    role, what it shows of each (``CommandSpec.shows``), None when it may show anything."""

    reply: Reply
    names: tuple[tuple[str, Match], ...] = ()
    whole: bool = False
    shows: Callable[[Role], object] | None = None
    #: The roles the names resolved to or suggested, and the names prepared for a
    #: layered index's check (``LayeredIndex.keeps``): made once, when the answer is
    #: composed, so that each server's check on its first ask is a few set tests.
    slugs: frozenset[str] = field(init=False, repr=False, compare=False)
    resolved: Resolved = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        slugs = {slug for _, match in self.names for slug in (match.slug, *match.suggestions)
                 if slug is not None}
        object.__setattr__(self, "slugs", frozenset(slugs))
        object.__setattr__(self, "resolved", Resolved.of(self.names))

    def holds_in(self, index: RoleIndex, changes: ViewChanges,
                 views: tuple[Knowledge, Knowledge],
                 shown: dict[Callable[[Role], object], bool] | None = None) -> bool:
        """Is this answer, composed on one of two views ``changes`` tells apart (``views``,
        either order), exactly the one the other view (``index`` its role index) would
        compose? Yes when every name resolves there as it did here and none of the roles
        it read differs in what a reply shows (``ViewChanges.content``; an alias of its
        own changes only names). An answer reading every role holds where no role
        differs at all, or, when it declares what it shows of a role, where that is the
        same in both views for each role the overlay changed (the others are the same
        objects).

        Composed on a server's parent and asked on the server, whose index is layered on
        the parent's, the names are checked against the few keys the server changed
        (``LayeredIndex.keeps``), not resolved one by one.

        ``shown``: the verdicts of ``_shows_same`` already worked out for this pair of
        views, by what the answer shows (``_View.shown`` of the server's view): the same
        for every answer declaring it, so a server's ``!roles`` compares its changed roles
        once, not on every ask."""
        if self.whole and changes.roles and not self._shows_same(changes, views, shown):
            return False
        if not changes.content.isdisjoint(self.slugs):
            return False
        if type(index) is LayeredIndex and views[1].parent is views[0]:
            return index.keeps(self.resolved)
        return all(index.resolve(text) == match for text, match in self.names)

    def _shows_same(self, changes: ViewChanges, views: tuple[Knowledge, Knowledge],
                    shown: dict[Callable[[Role], object], bool] | None = None) -> bool:
        shows = self.shows
        if shows is None:
            return False
        if shown is not None:
            same = shown.get(shows)
            if same is not None:
                return same
        one, other = views[0].roles, views[1].roles
        same = True
        for slug in changes.roles:
            a, b = one.get(slug), other.get(slug)
            if a is None or b is None or shows(a) != shows(b):
                same = False
                break
        if shown is not None:
            shown[shows] = same
        return same


class _Reads:
    """Records what composing one answer reads: names resolved through the view's index
    (it stands in for the index while composing) and whether every role was read."""

    def __init__(self, index: RoleIndex) -> None:
        self.index = index
        self.names: dict[str, Match] = {}
        self.whole = False
        self.shows: Callable[[Role], object] | None = None

    def resolve(self, text: str) -> Match:
        match = self.index.resolve(text)
        self.names[text] = match
        return match


@dataclass(slots=True)
class _View:
    """What the advisor prepares once per knowledge view: its alias index and answers.
    A server's view is prepared on its first command, so all but the index is made on
    first use (answers the server shares with the global view are not kept here)."""

    knowledge: Knowledge
    index: RoleIndex
    replies: OrderedDict[tuple, _Composed] = field(default_factory=OrderedDict)
    #: Autocomplete answers by (typed text, limit): people type the same first letters.
    #: Made on the first autocomplete (most servers' views never see one).
    completions: LRUCache[tuple[str, int], list[tuple[str, str]]] | None = None
    #: Display name of each role, for autocomplete (``display_names``).
    names: dict[str, str] | None = None
    #: Every name and alias (lowercased words) with its role, for the roles close to an
    #: unknown name; made on the first unknown name (``close_roles``).
    close_keys: tuple[list[str], list[str]] | None = None
    #: Whether this view and the one it was made from show the same of every role the
    #: overlay changed, by what is shown (``CommandSpec.shows``; ``_Composed.holds_in``):
    #: one entry a kind of whole-list answer, made on its first ask.
    shown: dict[Callable[[Role], object], bool] = field(default_factory=dict)

    def display_names(self) -> dict[str, str]:
        """Each role's display name, made on the first autocomplete; a server's view whose
        overlay renamed no role shares its parent's table (autocomplete only reads it)."""
        if self.names is None:
            knowledge = self.knowledge
            parent, changes = knowledge.parent, knowledge.changes
            if parent is not None and changes is not None and not any(
                    slug not in parent.roles or slug not in knowledge.roles
                    or parent.roles[slug].name != knowledge.roles[slug].name
                    for slug in changes.names):
                self.names = parent.derived("advisor.view", _new_view).display_names()
            else:
                self.names = {slug: role.name for slug, role in knowledge.roles.items()}
        return self.names

    def close_roles(self, query: str, limit: int) -> list[Role]:
        """Up to ``limit`` roles whose names or aliases are like ``query`` (rapidfuzz's
        token-sorted ratio of the words reaching ``CLOSE_ROLE_SCORE``), closest first: one
        pass of rapidfuzz's C loop over the view's names, whatever the catalogue's size."""
        if self.close_keys is None:
            keys: list[str] = []
            slugs: list[str] = []
            for role in self.knowledge.roles.values():
                for name in dict.fromkeys((role.name, *role.aliases)):
                    if key := utils.default_process(name):
                        keys.append(key)
                        slugs.append(role.slug)
            self.close_keys = (keys, slugs)
        keys, slugs = self.close_keys
        found: dict[str, None] = {}
        for _, _, position in process.extract(utils.default_process(query), keys,
                                              scorer=fuzz.token_sort_ratio, limit=limit * 4,
                                              score_cutoff=CLOSE_ROLE_SCORE):
            found.setdefault(slugs[position])
            if len(found) == limit:
                break
        return [self.knowledge.roles[slug] for slug in found]


def _new_view(knowledge: Knowledge) -> _View:
    return _View(knowledge, role_index(knowledge))


class Advisor:
    """Turns requests into replies against a KnowledgeStore.

    Work that depends only on the knowledge is done once per knowledge view, not once
    per message: the alias index is built when a view is first seen, and answers to
    ``REMEMBERED_COMMANDS`` are kept with the view. A reload of the knowledge (a rebuild,
    a moderator's edit) is a new view, so nothing stale is ever given again.
    """

    def __init__(self, store: KnowledgeStore, chat: ChatHandler | None = None) -> None:
        self.store = store
        self.chat = chat

    # -- knowledge -------------------------------------------------------------------

    def knowledge(self, guild_id: str | None = None) -> Knowledge:
        return self.store.knowledge(guild_id)

    @staticmethod
    def _view(knowledge: Knowledge) -> _View:
        """What the advisor prepares for ``knowledge``, kept on the view itself."""
        return knowledge.derived("advisor.view", _new_view)

    def index(self, knowledge: Knowledge) -> RoleIndex:
        """The alias index for a knowledge view, built once per view."""
        return self._view(knowledge).index

    def warm(self) -> None:
        """Prepare at start what the first message would otherwise wait for: the global
        view's index and every compiled template (long-running front ends call this)."""
        self.index(self.knowledge())
        warm_templates()

    def resolve(self, name: str, guild_id: str | None = None) -> Match:
        return self.index(self.knowledge(guild_id)).resolve(name)

    def autocomplete(self, text: str, guild_id: str | None = None,
                     limit: int = 25) -> list[tuple[str, str]]:
        """(display name, value) pairs for a role box, best first, at most ``limit``."""
        view = self._view(self.knowledge(guild_id))
        key = (text[:100], limit)
        if view.completions is None:
            view.completions = LRUCache(maxsize=COMPLETION_CACHE_SIZE)
        choices = view.completions.get(key)
        if choices is None:
            names = view.display_names()
            slugs = view.index.autocomplete(key[0], names, limit)
            choices = [(names[s], s) for s in slugs]
            view.completions[key] = choices
        return list(choices)

    # -- entry points ----------------------------------------------------------------

    def handle(self, request: Request) -> Reply:
        """Answer one message. Never raises for anything a user can type."""
        with self.store.one_check():
            return self._handle(request)

    def _handle(self, request: Request) -> Reply:
        text = request.text[:MAX_INPUT_CHARS]
        knowledge = self.knowledge(request.guild_id)
        parsed = parse_command(text, request.prefix)
        if parsed is None:
            if self.chat is not None:
                reply = self.chat(request, knowledge)
                if reply is not None:
                    return reply
            return _not_command(request.prefix)
        spec = find_command(parsed.name)
        if spec is None:
            return render("unknown_command.j2", prefix=request.prefix, name=parsed.name,
                          commands=REGISTRY)
        if spec.free_text:
            return self._ask(spec, _command_rest(text, request.prefix), request, knowledge)
        return self._noted(request, spec, self._run(spec, parsed, knowledge, request.prefix))

    def listen(self, request: Request, limiter: RateLimiter | None = None) -> Reply | None:
        """Answer an unasked message in a Q&A channel, or None to stay quiet.

        For messages the bot was not addressed in (``request.addressed`` False): the chat
        handler answers only when confident, commands are left to the command layer,
        and ``limiter`` (per channel) is consulted only once there is an answer to post.
        """
        if self.chat is None or parse_command(request.text[:MAX_INPUT_CHARS], request.prefix):
            return None
        unasked = replace(request, text=request.text[:MAX_INPUT_CHARS], addressed=False)
        reply = self.chat(unasked, self.knowledge(request.guild_id))
        if reply is None or reply.kind in ("error", "help", "decline"):
            return None
        if limiter is not None and not limiter.allow(str(request.channel_id)):
            return None
        return reply

    def run(self, name: str, roles: Sequence[str | None], *, guild_id: str | None = None,
            prefix: str = "!", options: dict[str, str] | None = None, user_id: str = "local",
            channel_id: str = "slash", is_dm: bool = False) -> Reply:
        """Run a command with its arguments already separated (slash commands).

        For a free-text command (``ask``) the arguments are the question; ``user_id`` and
        ``channel_id`` key the conversation memory so follow-ups work over /ask too.
        """
        spec = find_command(name)
        if spec is None:
            raise KeyError(name)
        if spec.free_text:
            question = " ".join(r.strip() for r in roles if r and r.strip())
            request = Request(text=question, user_id=str(user_id), channel_id=str(channel_id),
                              guild_id=guild_id, prefix=prefix, is_dm=is_dm)
            return self._ask(spec, question, request, self.knowledge(guild_id))
        segments = tuple(r.strip() for r in roles if r and r.strip())
        parsed = ParsedCommand(spec.name, segments, dict(options or {}), explicit=True)
        reply = self._run(spec, parsed, self.knowledge(guild_id), prefix)
        return self._noted(Request(text="", user_id=str(user_id), channel_id=str(channel_id),
                                   guild_id=guild_id, prefix=prefix, is_dm=is_dm), spec, reply)

    # -- internals -------------------------------------------------------------------

    def _noted(self, request: Request, spec: CommandSpec, reply: Reply) -> Reply:
        """Tell the chat handler what a command's answer was about (its roles), so the
        conversation memory shared with plain questions knows the subject of a follow-up.
        Only answers about roles are noted; a usage error or an unknown role changes nothing."""
        note = getattr(self.chat, "note_command", None)
        if note is not None and reply.kind == "answer" and reply.roles:
            note(request, spec.name, reply.roles)
        return reply

    def _ask(self, spec: CommandSpec, question: str, request: Request,
             knowledge: Knowledge) -> Reply:
        """A free-text command: hand the question to the chat handler as addressed."""
        if not question.strip():
            return render("usage.j2", prefix=request.prefix, spec=spec, given=0)
        if self.chat is None:
            return spec.handler(CommandContext(knowledge=knowledge, prefix=request.prefix), [])
        reply = self.chat(replace(request, text=question[:MAX_INPUT_CHARS], addressed=True),
                          knowledge)
        if reply is None:
            return _not_command(request.prefix)
        return reply

    def _run(self, spec: CommandSpec, parsed: ParsedCommand, knowledge: Knowledge,
             prefix: str) -> Reply:
        """The reply to a parsed command; a remembered one when it was asked before."""
        options = {k: v for k, v in parsed.options.items() if k in spec.options}
        if spec.name not in REMEMBERED_COMMANDS:
            return self._answer(spec, parsed, knowledge, prefix, options)
        key = (spec.name, parsed.segments, parsed.explicit, tuple(sorted(options.items())), prefix)
        composed = self._remembered(knowledge, key)
        if composed is not None:
            return composed.reply
        view = self._view(knowledge)  # prepared by ``_remembered``: one dict lookup
        reads = _Reads(view.index)
        reply = self._answer(spec, parsed, knowledge, prefix, options, reads)
        composed = _Composed(reply, tuple(reads.names.items()), reads.whole, reads.shows)
        parent, changes = knowledge.parent, knowledge.changes
        if parent is not None and changes is not None and parent.market is knowledge.market:
            shared = self._view(parent)
            if key not in shared.replies \
                    and composed.holds_in(shared.index, changes, (knowledge, parent),
                                          view.shown):
                _remember(shared.replies, key, composed)  # every server may take it from there
                return reply
        _remember(view.replies, key, composed)
        return reply

    def _remembered(self, knowledge: Knowledge, key: tuple) -> _Composed | None:
        """The answer kept for ``key`` that is exactly what ``knowledge`` would compose, or
        None.

        A server's view first asks the view it was made from, whose answers every server
        shares: most read nothing its overlay changed (``_Composed.holds_in``, a few set
        tests against what the overlay changed). Such an answer is not copied into the
        server's own answers (each server kept an entry per answer it was ever given, and
        the copy was most of a server's first ask): the check runs again instead. Only
        answers that differ on the server are kept with its view."""
        view = self._view(knowledge)
        parent, changes = knowledge.parent, knowledge.changes
        if parent is not None and changes is not None and parent.market is knowledge.market:
            prepared = parent.kept("advisor.view") or self._view(parent)
            shared = prepared.replies
            composed = shared.get(key)
            if composed is not None and composed.holds_in(view.index, changes,
                                                          (parent, knowledge), view.shown):
                shared.move_to_end(key)
                return composed
        replies = view.replies
        composed = replies.get(key)
        if composed is not None:
            replies.move_to_end(key)
        return composed

    def _answer(self, spec: CommandSpec, parsed: ParsedCommand, knowledge: Knowledge,
                prefix: str, options: dict[str, str], reads: _Reads | None = None) -> Reply:
        """Compose the reply; ``reads`` records what it read (see ``_Composed``)."""
        ctx = CommandContext(knowledge=knowledge, prefix=prefix, options=options)
        if reads is None:
            reads = _Reads(self.index(knowledge))
        if spec.name == "help":
            topic = parsed.segments[0] if parsed.segments else None
            return help_command(ctx, [], topic)
        if spec.max_roles == 0:
            reads.whole = True  # ``roles`` lists them all, showing ``spec.shows`` of each
            reads.shows = spec.shows
            return spec.handler(ctx, [])
        index = reads
        segments = self._segments(spec, parsed, index)
        if len(segments) < spec.min_roles:
            return render("usage.j2", prefix=prefix, spec=spec, given=len(segments))
        if len(segments) > spec.max_roles:
            return render("usage.j2", prefix=prefix, spec=spec, given=len(segments))
        roles: list[Role] = []
        for position, segment in enumerate(segments):
            match = index.resolve(segment)
            if not match.ok:
                retries = [
                    " ".join(knowledge.roles[slug].handle if i == position else _arg(seg)
                             for i, seg in enumerate(segments))
                    for slug in match.suggestions
                ]
                reads.whole = True  # the reply lists the roles, or those close to the name
                return unknown_role(ctx, spec, segment, match.suggestions, retries,
                                    self._view(knowledge).close_roles)
            if not match.exact:
                ctx.assumed.append(match)
            roles.append(knowledge.roles[match.slug])  # type: ignore[index]
        if len(roles) == 2 and roles[0].slug == roles[1].slug:
            reads.whole = True  # the reply suggests other roles
            return render("same_role.j2", prefix=prefix, role=roles[0], spec=spec,
                          others=[r for r in knowledge.role_list() if r.slug != roles[0].slug])
        return spec.handler(ctx, roles)

    @staticmethod
    def _segments(spec: CommandSpec, parsed: ParsedCommand, index: Resolver) -> list[str]:
        """Role phrases for ``spec``, splitting an unquoted run of words where needed."""
        segments = list(parsed.segments)
        if parsed.explicit or len(segments) != 1 or spec.max_roles < 2:
            if spec.max_roles == 1 and len(segments) > 1 and not parsed.explicit:
                return [" ".join(segments)]
            return segments
        only = segments[0]
        whole = index.resolve(only)
        if spec.min_roles < 2 and whole.exact:
            return [only]
        split = split_roles(only, lambda phrase: _score(index, phrase))
        if split is not None:
            return list(split)
        if spec.min_roles < 2:
            return [only]
        words = only.split()
        if len(words) >= 2:
            return [words[0], " ".join(words[1:])]
        return [only]


def _command_rest(text: str, prefix: str) -> str:
    """Everything after the command name: the question of ``!ask <question>``."""
    body = text.strip()[len(prefix):].lstrip()
    parts = body.split(None, 1)
    return parts[1] if len(parts) > 1 else ""


@lru_cache(maxsize=16)
def _not_command(prefix: str) -> Reply:
    """The short help for text that is not a command; the same for every such message."""
    return render("not_command.j2", prefix=prefix, commands=REGISTRY)


def _arg(segment: str) -> str:
    """A role phrase as it must be typed again: quoted when it has spaces."""
    return f'"{segment}"' if " " in segment else segment


def _remember(replies: OrderedDict[tuple, _Composed], key: tuple, composed: _Composed) -> None:
    """Keep an answer, dropping the least recently used one past ``REPLY_CACHE_SIZE``."""
    replies[key] = composed
    if len(replies) > REPLY_CACHE_SIZE:
        replies.popitem(last=False)


def _score(index: Resolver, phrase: str) -> float:
    """How well ``phrase`` names a role: its match score, or 0 when it names none."""
    match = index.resolve(phrase)
    return match.score if match.ok else 0.0
