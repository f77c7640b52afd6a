"""A document's title in the reader's language.

A document's ``title`` is written once, in the language of the person who asked for it; a
reader of another language should not read it frozen so. Each app that issues a kind of
document registers how to word its title from the document's stored context (from its
``AppConfig.ready()``: documents is below the apps whose documents it keeps); the title is
worded when shown, in the active language. A document whose kind has no builder, or whose
context lacks what the builder reads, shows its stored title.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

TitleBuilder = Callable[[Mapping[str, Any]], str]

_builders: dict[str, TitleBuilder] = {}


def register_title(kind: str, builder: TitleBuilder) -> None:
    """Word the titles of documents of ``kind`` with ``builder(context)``."""
    _builders[kind] = builder


def document_title(document) -> str:
    """The document's title in the active language; its stored title when it cannot be
    worded again."""
    builder = _builders.get(document.kind)
    if builder is not None:
        try:
            return builder(document.context or {})
        except (KeyError, TypeError, ValueError):
            pass  # an older context, without what the builder reads
    return document.title
