"""Validate request bodies against Discord's official OpenAPI description.

Why: the fake server accepts whatever discord.py sends, so a payload Discord would reject
(a 4,000-character message, 26 autocomplete choices, a command option without a
description) would pass every end-to-end test and fail only in production. Checking each
body against ``discord-api-spec/openapi.json`` closes that gap without network access.

Where the file lives: the spec is vendored in the project's ``shared/`` folder, which sits
*beside* the repository (``<repo>/../shared/discord-api-spec/openapi.json``), both in the
development layout and in CI. ``$DISCORD_API_SPEC`` overrides the location. When the file
is missing, :func:`spec_available` is False, :func:`require_spec` skips the calling test
with a clear reason, and the server records no violations (it cannot check).

Cost: the 1.2 MB JSON is parsed once per process (~15 ms) and each compiled validator is
cached per (method, path template), so validating every request in a test run is cheap.

Tolerances (each one is a documented disagreement, handled narrowly, not a blanket pass):

1. **Snowflakes as integers.** ``SnowflakeType`` is a digit string in the spec, but
   discord.py sends many ids as JSON integers (``message_reference.message_id``,
   ``allowed_mentions.users``...). The spec README notes Discord accepts both, so the
   loaded copy of ``SnowflakeType`` also accepts non-negative integers.
2. **Integers as digit strings.** The upstream README: "Our API accepts strings for int
   fields if they are parseable as ints." The validator's ``integer`` type therefore also
   accepts strings matching ``-?[0-9]+`` (range keywords then do not apply to them).
3. **Undeclared keys** (``nsfw`` on application commands, ``flags`` on embeds): no
   tolerance needed, request schemas never set ``additionalProperties: false``; listed here
   because the README calls them out.
4. **``MessageCreateRequest.content`` maxLength 4000**: the docs give 2,000 for bots and
   the upstream README says follow the docs where they differ, so :func:`validate_request`
   adds a docs check: ``content`` longer than 2,000 characters is reported.
5. **Unions.** The spec marks ``anyOf`` unions ``x-discord-union: oneOf`` ("exactly one").
   Because request schemas are open (tolerance 3), branches overlap: a plain follow-up body
   satisfies both ``IncomingWebhookRequestPartial`` and ``IncomingWebhookUpdateRequestPartial``.
   A strict exactly-one check would reject valid bodies, so ``anyOf`` keeps its JSON
   Schema meaning (at least one branch). Real ``oneOf`` keywords stay exactly-one, except
   that a digit string or integer may match both a string and an integer branch (an
   overlap created by tolerances 1 and 2, e.g. discord.py's digit-string ``nonce``).
"""

from __future__ import annotations

import copy
import functools
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

__all__ = [
    "DOCS_MESSAGE_CONTENT_LIMIT",
    "find_operation",
    "load_spec",
    "require_spec",
    "spec_available",
    "spec_path",
    "validate_request",
]

SPEC_ENV_VAR = "DISCORD_API_SPEC"
SPEC_URI = "urn:discord-api-spec:openapi.json"
DOCS_MESSAGE_CONTENT_LIMIT = 2000

# Operations whose body is a message a bot sends (tolerance 4 applies to them).
_MESSAGE_BODY_TEMPLATES = {
    ("POST", "/channels/{channel_id}/messages"),
    ("PATCH", "/channels/{channel_id}/messages/{message_id}"),
    ("POST", "/webhooks/{webhook_id}/{webhook_token}"),
    ("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/@original"),
    ("PATCH", "/webhooks/{webhook_id}/{webhook_token}/messages/{message_id}"),
}


def _candidate_paths() -> list[Path]:
    here = Path(__file__).resolve()
    repo_root = here.parents[2]  # tests/fake_discord/spec.py -> <repo>
    rel = Path("shared") / "discord-api-spec" / "openapi.json"
    paths = []
    if os.environ.get(SPEC_ENV_VAR):
        paths.append(Path(os.environ[SPEC_ENV_VAR]))
    paths += [repo_root.parent / rel, repo_root / rel]
    return paths


@functools.cache
def spec_path() -> Path | None:
    """Where the spec file is, or None when this checkout has no ``shared/`` beside it."""
    for p in _candidate_paths():
        if p.is_file():
            return p
    return None


def spec_available() -> bool:
    return spec_path() is not None


def require_spec() -> Path:
    """Return the spec path, or skip the calling test saying where the file was looked for."""
    path = spec_path()
    if path is None:
        import pytest

        looked = ", ".join(str(p) for p in _candidate_paths())
        pytest.skip(f"Discord OpenAPI spec not found (looked at: {looked}; set ${SPEC_ENV_VAR})")
    return path


@functools.cache
def load_spec() -> dict[str, Any]:
    """Parse the spec once per process, with tolerance 1 applied to ``SnowflakeType``."""
    path = spec_path()
    if path is None:
        raise FileNotFoundError("Discord OpenAPI spec not found; see spec.require_spec()")
    with path.open("rb") as fh:
        doc = json.load(fh)
    schemas = doc["components"]["schemas"]
    strict = copy.deepcopy(schemas["SnowflakeType"])
    schemas["SnowflakeType"] = {"anyOf": [strict, {"type": "integer", "minimum": 0}]}
    return doc


@functools.cache
def _templates() -> list[tuple[str, re.Pattern[str]]]:
    """Path templates as regexes, most literal first, so ``.../messages/@original`` wins over
    ``.../messages/{message_id}``."""
    out = []
    for template in load_spec()["paths"]:
        parts = template.strip("/").split("/")
        literal = sum(1 for p in parts if not p.startswith("{"))
        rx = "^/" + "/".join("[^/]+" if p.startswith("{") else re.escape(p) for p in parts) + "$"
        out.append((literal, len(parts), template, re.compile(rx)))
    out.sort(key=lambda t: (-t[1], -t[0]))
    return [(template, rx) for _, _, template, rx in out]


def find_operation(method: str, path: str) -> tuple[str, dict[str, Any]] | None:
    """Match a concrete path (``/channels/123/messages``, no ``/api/v10`` prefix, no query)
    to its template and operation object; None if the spec has no such operation."""
    path = "/" + path.split("?", 1)[0].strip("/")
    paths = load_spec()["paths"]
    for template, rx in _templates():
        if rx.match(path):
            op = paths[template].get(method.lower())
            if op is not None:
                return template, op
    return None


def _pointer(*parts: str) -> str:
    return "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


@functools.cache
def _validator(method: str, template: str) -> Callable[[Any], list[str]] | None:
    import jsonschema
    from jsonschema.exceptions import ValidationError
    from jsonschema.validators import extend
    from referencing import Registry, Resource
    from referencing.jsonschema import DRAFT202012

    op = load_spec()["paths"][template][method.lower()]
    content = (op.get("requestBody") or {}).get("content") or {}
    if "application/json" not in content:
        return None
    resource = Resource(contents=load_spec(), specification=DRAFT202012)
    registry = Registry().with_resource(SPEC_URI, resource)
    pointer = _pointer("paths", template, method.lower(), "requestBody", "content")
    schema = {"$ref": f"{SPEC_URI}#/{pointer}/application~1json/schema"}

    base = jsonschema.Draft202012Validator

    def is_integer(checker: Any, instance: Any) -> bool:  # tolerance 2
        if isinstance(instance, str):
            return re.fullmatch(r"-?[0-9]+", instance) is not None
        return base.TYPE_CHECKER.is_type(instance, "integer")

    def one_of(validator: Any, branches: list[Any], instance: Any, schema: Any) -> Any:
        # Tolerances 1 and 2 let a digit string or an int satisfy both a string branch and an
        # integer branch (``nonce`` is oneOf string/int64, and discord.py sends a digit
        # string). That overlap is ours, not ambiguity in the body, so for such scalars one
        # or more matches pass; everything else keeps strict exactly-one semantics.
        errors: list[Any] = []
        matched = 0
        for index, branch in enumerate(branches):
            errs = list(validator.descend(instance, branch, schema_path=index))
            if errs:
                errors.extend(errs)
            else:
                matched += 1
        if matched == 0:
            yield ValidationError(
                f"{instance!r} is not valid under any of the given schemas", context=errors
            )
        elif matched > 1 and not _digit_scalar(instance):
            yield ValidationError(f"{instance!r} is valid under more than one of {branches!r}")

    cls = extend(
        base,
        validators={"oneOf": one_of},
        type_checker=base.TYPE_CHECKER.redefine("integer", is_integer),
    )
    validator = cls(schema, registry=registry)

    def run(body: Any) -> list[str]:
        errors = []
        for err in sorted(validator.iter_errors(body), key=lambda e: list(e.absolute_path)):
            errors.append(_format_error(err))
        return errors

    return run


def _digit_scalar(instance: Any) -> bool:
    if isinstance(instance, bool):
        return False
    if isinstance(instance, int):
        return True
    return isinstance(instance, str) and re.fullmatch(r"-?[0-9]+", instance) is not None


def _closest(err: Any) -> Any:
    """The most useful error inside a failed union.

    Branches of a Discord union are told apart by a ``type`` discriminator (callback type,
    option type...). jsonschema's ``best_match`` prefers shallow errors, so it reports
    "type 4 is not one of [8]" from the wrong branch; instead drop branches whose
    discriminator does not match, take the branch with fewest errors, and descend.
    """
    branches: dict[Any, list[Any]] = {}
    for e in err.context:
        branches.setdefault(e.relative_schema_path[0], []).append(e)

    def discriminator_mismatch(es: list[Any]) -> bool:
        return any(
            list(e.relative_path) == ["type"] and e.validator in ("enum", "const") for e in es
        )

    candidates = [es for es in branches.values() if not discriminator_mismatch(es)]
    if not candidates:
        candidates = list(branches.values())
    depth = len(err.absolute_path)
    # A branch that failed deeper than the union itself got further (the object branch of
    # "null or object" for an object with a bad field), so it explains more.
    # A branch whose only complaint is the instance's type ("not of type 'null'") is the
    # least informative: the value was clearly meant for another branch.
    best = min(
        candidates,
        key=lambda es: (
            all(len(e.absolute_path) <= depth for e in es),
            all(e.validator == "type" for e in es),
            len(es),
        ),
    )
    deepest = max(best, key=lambda e: len(e.absolute_path))
    if deepest.validator in ("anyOf", "oneOf") and deepest.context:
        return _closest(deepest)
    return deepest


def _format_error(err: Any) -> str:
    """One line per error: where (a JSON path), what, and for a failed union the branch that
    came closest, since "matches no branch" alone does not say what to fix."""

    def where(e: Any) -> str:
        return "$" + "".join(
            f"[{p!r}]" if isinstance(p, str) else f"[{p}]" for p in e.absolute_path
        )

    def short(text: str) -> str:
        return text if len(text) <= 200 else text[:197] + "..."

    def what(e: Any) -> str:
        sized = {
            "maxItems": "items",
            "minItems": "items",
            "maxLength": "characters",
            "minLength": "characters",
        }
        if e.validator in sized and hasattr(e.instance, "__len__"):
            limit = "at most" if e.validator.startswith("max") else "at least"
            return (
                f"has {len(e.instance)} {sized[e.validator]}; {limit} {e.validator_value} allowed"
            )
        return short(e.message)

    if err.validator in ("anyOf", "oneOf") and err.context:
        inner = _closest(err)
        return (
            f"{where(err)}: matches no branch of {err.validator}; closest: "
            f"{where(inner)}: {what(inner)}"
        )
    return f"{where(err)}: {what(err)}"


def validate_request(method: str, path: str, body: Any) -> list[str]:
    """Errors for ``body`` as the JSON request body of ``method path``; empty means valid.

    ``path`` is the API path without the ``/api/v10`` prefix. An operation the spec does not
    know is itself reported (the bot called a route Discord does not have); an operation
    without a JSON body schema has nothing to check. Raises FileNotFoundError when the spec
    is absent (call :func:`spec_available` or :func:`require_spec` first).
    """
    method = method.upper()
    found = find_operation(method, path)
    if found is None:
        return [f"{method} {path}: no such operation in the Discord OpenAPI spec"]
    template, _ = found
    run = _validator(method, template)
    if run is None:
        return []
    errors = run(body)
    if (method, template) in _MESSAGE_BODY_TEMPLATES and isinstance(body, dict):  # tolerance 4
        content = body.get("content")
        if isinstance(content, str) and len(content) > DOCS_MESSAGE_CONTENT_LIMIT:
            errors.append(
                f"$['content']: {len(content)} characters; Discord's docs allow at most "
                f"{DOCS_MESSAGE_CONTENT_LIMIT} for bots (the spec's 4000 is wrong)"
            )
    return errors
