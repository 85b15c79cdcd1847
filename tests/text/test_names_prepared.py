"""The prepared role index answers exactly as a plain comparison with every alias would.

RoleIndex picks fuzzy candidates in rapidfuzz's C loop, remembers what it resolved and
autocompletes from prepared lists, for speed with hundreds of roles. These tests keep
the straightforward version (compare the input with each alias in turn) as the
reference and check, over random alias sets chosen to collide and tie, that the
prepared index gives the same Match (slug, score, suggestions and their order) and the
same autocomplete list.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from rapidfuzz import fuzz
from rapidfuzz.distance import OSA

from bot.text.names import (
    ACCEPT_SCORE,
    AMBIGUITY_MARGIN,
    EXACT_ONLY_MAX_LEN,
    SUGGEST_SCORE,
    Match,
    RoleIndex,
    alias_key,
)


def reference_resolve(index: RoleIndex, text: str) -> Match:
    """The original loop over every alias key."""
    key = alias_key(text)
    if not key:
        return Match(text, None, 0.0, False)
    slug = index.exact(text)
    if slug is not None:
        return Match(text, slug, 100.0, True)
    if len(key) <= EXACT_ONLY_MAX_LEN:
        return Match(text, None, 0.0, False)
    best: dict[str, float] = {}
    for candidate in index._keys:
        if len(candidate) <= EXACT_ONLY_MAX_LEN:
            continue
        score = max(fuzz.ratio(key, candidate), OSA.normalized_similarity(key, candidate) * 100)
        slug = index._exact[candidate]
        if score > best.get(slug, 0.0):
            best[slug] = score
    ranked = sorted(best.items(), key=lambda kv: kv[1], reverse=True)
    if not ranked or ranked[0][1] < SUGGEST_SCORE:
        return Match(text, None, ranked[0][1] if ranked else 0.0, False)
    top_slug, top_score = ranked[0]
    close = [s for s, sc in ranked[1:] if top_score - sc < AMBIGUITY_MARGIN and sc >= SUGGEST_SCORE]
    if top_score >= ACCEPT_SCORE and not close:
        return Match(text, top_slug, top_score, False)
    return Match(text, None, top_score, False, tuple([top_slug, *close][:3]))


def reference_autocomplete(index: RoleIndex, text: str, names: dict[str, str],
                           limit: int = 25) -> list[str]:
    key = alias_key(text)
    if not key:
        return sorted(names, key=lambda s: names[s].lower())[:limit]
    scored: dict[str, float] = {}
    for alias_k, slug in index._exact.items():
        if alias_k.startswith(key):
            score = 300 - len(alias_k)
        elif key in alias_k:
            score = 200 - len(alias_k)
        else:
            score = fuzz.partial_ratio(key, alias_k) if len(key) > EXACT_ONLY_MAX_LEN else 0
            if score < SUGGEST_SCORE:
                continue
        scored[slug] = max(scored.get(slug, 0), score)
    return sorted(scored, key=lambda s: (-scored[s], names[s].lower()))[:limit]


# Few letters, so aliases collide, tie and sit near every threshold.
words = st.text(alphabet="abcdeml ", min_size=1, max_size=14)


@st.composite
def variant(draw: st.DrawFn, base: str) -> str:
    """``base`` with a few letters changed, dropped, added or swapped: a near miss."""
    chars = list(base)
    for _ in range(draw(st.integers(0, 3))):
        op = draw(st.sampled_from("sdiT"))
        i = draw(st.integers(0, max(0, len(chars) - 1)))
        letter = draw(st.sampled_from("abcdeml"))
        if op == "s" and chars:
            chars[i] = letter
        elif op == "d" and len(chars) > 1:
            del chars[i]
        elif op == "i":
            chars.insert(i, letter)
        elif op == "T" and i + 1 < len(chars):
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
    return "".join(chars)


@st.composite
def family(draw: st.DrawFn) -> tuple[list[list[str]], list[str]]:
    """Roles whose aliases and queries are all near misses of one word: many ties."""
    base = draw(st.text(alphabet="abcdeml", min_size=4, max_size=10))
    roles = draw(st.lists(st.lists(variant(base), min_size=1, max_size=4), min_size=2, max_size=6))
    queries = draw(st.lists(variant(base), min_size=1, max_size=6))
    return roles, queries


role_sets = st.lists(st.lists(words, min_size=1, max_size=6), min_size=1, max_size=8)


def build(role_aliases: list[list[str]]) -> tuple[RoleIndex, dict[str, str]]:
    # Slugs sort in the opposite order to the roles, so a tie broken by slug shows.
    roles = [(f"role-{len(role_aliases) - i:02d}", aliases) for i, aliases in enumerate(role_aliases)]
    names = {slug: aliases[0] + f" {slug}" for slug, aliases in roles}
    return RoleIndex(roles), names


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(role_sets, st.lists(words, min_size=1, max_size=6))
def test_resolve_matches_the_plain_loop(role_aliases: list[list[str]], queries: list[str]) -> None:
    index, _ = build(role_aliases)
    for query in queries:
        expected = reference_resolve(index, query)
        assert index.resolve(query) == expected
        assert index.resolve(query) == expected  # and again, from the memo


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(family())
def test_near_misses_match_the_plain_loop(case: tuple[list[list[str]], list[str]]) -> None:
    role_aliases, queries = case
    index, names = build(role_aliases)
    for query in queries:
        assert index.resolve(query) == reference_resolve(index, query)
        assert index.autocomplete(query, names) == reference_autocomplete(index, query, names)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(role_sets, words)
def test_autocomplete_matches_the_plain_loop(role_aliases: list[list[str]], query: str) -> None:
    index, names = build(role_aliases)
    for limit in (25, 2):
        assert index.autocomplete(query, names, limit) == reference_autocomplete(
            index, query, names, limit)


def test_typos_of_real_names_resolve_as_before() -> None:
    index = RoleIndex([
        ("mlops-engineer", ["MLOps Engineer", "mlops", "ml ops", "ml platform engineer"]),
        ("ai-product-manager", ["AI Product Manager", "pm", "ai pm", "ml product manager"]),
        ("ml-engineer", ["Machine Learning Engineer", "mle", "ml engineer"]),
    ])
    for query in ("mlosp", "ml engneer", "ai prodcut manager", "product managr", "mle",
                  "machine learning platform", "xyzzy", "pm", "ai pms"):
        assert index.resolve(query) == reference_resolve(index, query), query
    assert index.resolve("mlosp").slug == "mlops-engineer"
    assert not index.resolve("xyzzy").ok
