"""French as French municipal staff write it: the faults a French text must not have.

One list of rules, used by the catalogue test (every French msgstr) and by the browser journeys
(the visible text of every French page they visit and of every PDF they download). Each rule
finds a fault in a text and says what it is; ``french_faults`` lists them with their context.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

NON_BREAKING_SPACES = "\u00a0\u202f"
LETTER = r"A-Za-zÀ-ÖØ-öø-ÿŒœ"
VOWEL = "AEIOUYÀÂÉÈÊËÎÏÔÛÙaeiouyàâéèêëîïôûù"


@dataclass(frozen=True)
class Rule:
    name: str
    pattern: re.Pattern[str]


RULES = (
    # A high punctuation mark ends a word then a space or the text: a plain space or no space
    # before it is a fault (« 14:30 », « https://… » and « ?next= » are not followed by a space).
    Rule(
        "no non-breaking space before « : ; ? ! »",
        re.compile(rf"(?:[^\s{NON_BREAKING_SPACES}]| (?<=\S ))[:;?!](?=[\s»)]|$)"),
    ),
    Rule("no non-breaking space after « «", re.compile(rf"«(?:[^{NON_BREAKING_SPACES}]|$)")),
    Rule("no non-breaking space before « »", re.compile(rf"(?:^|[^{NON_BREAKING_SPACES}])»")),
    Rule("straight apostrophe", re.compile(rf"[{LETTER}]'[{LETTER}]")),
    # A quantity and its unit: « 256 GB » (a model name such as « SSD 860 EVO 250GB » is left).
    Rule(
        "English or binary unit",
        re.compile(r"\d[\s\u00a0\u202f](?:TB|GB|MB|KB|kB|TiB|GiB|MiB|KiB|Tio|Gio|Mio|Kio)\b"),
    ),
    Rule("binary unit", re.compile(r"\b(?:Tio|Gio|Mio|Kio|GiB|MiB|KiB)\b")),
    Rule("Django's empty choice", re.compile(r"-{5,}")),
    Rule("ISO date", re.compile(r"(?<![\w-])\d{4}-\d{2}-\d{2}(?![\w-])")),
    Rule("« (s) » instead of a plural form", re.compile(rf"[{LETTER}]\((?:s|es|x)\)")),
    Rule(
        "no elision before a vowel",
        re.compile(rf"(?<![{LETTER}-])(?:[Qq]ue|[Dd]e|[Ll]e|[Cc]e|[Jj]e|[Nn]e|[Ss]e) [{VOWEL}]"),
    ),
    Rule("trailing comma", re.compile(r",[ \t]*(?:\n|$)")),
    Rule("English method name", re.compile(r"\b(?:Clear|Destroy)\b|\(Purge\)")),
)


@dataclass(frozen=True)
class Fault:
    rule: str
    context: str

    def __str__(self) -> str:
        return f"{self.rule}: «{self.context}»"


def french_faults(text: str) -> list[Fault]:
    """The typography faults of a French ``text``, each with the text around it."""
    faults = []
    for rule in RULES:
        for match in rule.pattern.finditer(text):
            start, end = max(match.start() - 30, 0), min(match.end() + 30, len(text))
            context = text[start:end].replace("\n", "⏎")
            faults.append(Fault(rule.name, context))
    return faults
