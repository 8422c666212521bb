"""The JSON-LD contexts this instance's documents name, shipped with it (`contexts/`): the
ActivityStreams and security v1 contexts under their well-known URLs, and the extension terms
(Mastodon's, Mobilizon's, schema.org's) that documents carry inline.

The instance never expands JSON-LD: it writes compacted documents and reads what it receives
by their compact names, so nothing here is ever fetched. The files are the local copies the
URLs stand for, so that a test can check each term a document uses against them
(`undefined_terms`), and anyone can read what the instance means by its terms."""

import json
from pathlib import Path
from typing import Any

CONTEXTS_DIR = Path(__file__).resolve().parent / "contexts"

AS_CONTEXT = "https://www.w3.org/ns/activitystreams"
SECURITY_CONTEXT = "https://w3id.org/security/v1"


def _load(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((CONTEXTS_DIR / name).read_text(encoding="utf-8"))
    return document["@context"]


# The shipped copy behind each context URL a document may name.
SHIPPED: dict[str, dict[str, Any]] = {
    AS_CONTEXT: _load("activitystreams.jsonld"),
    SECURITY_CONTEXT: _load("security-v1.jsonld"),
}
# Carried inline (as Mastodon and Mobilizon do): the terms outside both contexts.
EXTENSIONS: dict[str, Any] = _load("extensions.jsonld")


def _terms(context: Any) -> dict[str, Any]:
    """The term definitions a `@context` value brings, from the shipped copies only; a URL
    that is not shipped raises KeyError (nothing is fetched)."""
    if isinstance(context, str):
        return dict(SHIPPED[context])
    if isinstance(context, list):
        merged: dict[str, Any] = {}
        for part in context:
            merged.update(_terms(part))
        return merged
    if isinstance(context, dict):
        return dict(context)
    raise KeyError(repr(context))


def _defined(name: str, terms: dict[str, Any]) -> bool:
    if name.startswith("@") or name in terms:
        return True
    prefix, colon, _rest = name.partition(":")
    return bool(colon and (prefix in terms or prefix in ("http", "https")))


def undefined_terms(document: dict[str, Any]) -> set[str]:
    """The property names and `type` values of `document` (and everything nested in it) that
    its `@context` does not define. Raises KeyError for a context that is not shipped."""
    terms = _terms(document["@context"])
    missing: set[str] = set()

    def walk(value: Any) -> None:
        if isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, dict):
            for key, inner in value.items():
                if key == "@context":
                    continue
                if not _defined(key, terms):
                    missing.add(key)
                if key == "type":
                    for kind in inner if isinstance(inner, list) else [inner]:
                        if isinstance(kind, str) and not _defined(kind, terms):
                            missing.add(kind)
                # Some values are text, not terms (a post's Markdown source is a dict of
                # text): only nested objects are walked.
                walk(inner)

    walk(document)
    return missing
