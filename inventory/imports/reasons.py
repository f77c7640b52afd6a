"""Why an import rejected a row: a stable code and its values, worded in the reader's language.

An import runs in the language of the person who sent the file, but its rejections are read
later, by anyone of the commune or the territory, on the import's page, through the API, as
the CSV report or from the command line, each in their own language. So a rejection is stored
as what it says, a code and its values (a JSON object), never as a sentence, and worded when
shown, in the active language, through the one registry of messages below. Imports rejected
before the codes were stored kept their reasons as text: those show as they were written.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.functional import Promise
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

# Every reason an import gives, by code. A code is stored in imports and read by programs
# through the API: never rename one, and keep each message's placeholders.
REASONS: dict[str, Promise] = {
    "category_required": gettext_lazy("The category is required."),
    "category_unknown": gettext_lazy(
        "Unknown category. Use one of: laptop (portable), desktop (unité centrale), "
        "monitor (écran), tablet, smartphone, printer, projector, accessory, other."
    ),
    "brand_required": gettext_lazy("The brand is required."),
    "brand_too_long": gettext_lazy("At most %(limit)d characters."),
    "too_long": gettext_lazy("At most %(limit)d characters (here %(length)d)."),
    "storage_type_unknown": gettext_lazy(
        "Unknown storage type. Use HDD, SSD, NVMe, eMMC or flash."
    ),
    "not_a_number": gettext_lazy("%(what)s must be a number."),
    "number_unreadable": gettext_lazy("%(what)s must be a number, such as 8 or 23,8."),
    "negative": gettext_lazy("%(what)s cannot be negative."),
    "unit_unknown": gettext_lazy("%(what)s: unknown unit “%(unit)s”."),
    "memory_too_large": gettext_lazy("The memory cannot exceed %(max)s GB; give it in GB."),
    "storage_too_large": gettext_lazy("The storage cannot exceed %(max)s GB; give it in GB."),
    "screen_not_inches": gettext_lazy("The screen size is in inches, such as 15,6."),
    "screen_out_of_range": gettext_lazy(
        "The screen size must be between %(min)s and %(max)s inches."
    ),
    "date_unreadable": gettext_lazy("Not a real date; write it as dd/mm/yyyy, such as 12/03/2018."),
    "date_in_future": gettext_lazy("The purchase date cannot be in the future."),
    "date_too_old": gettext_lazy("The purchase date cannot be before 1980."),
    "entity_foreign": gettext_lazy(
        "This row belongs to “%(entity)s”, not to %(commune)s, for whom you import."
    ),
    "site_unknown": gettext_lazy("Unknown pickup site for this commune; its sites: %(sites)s."),
    "value_unreadable": gettext_lazy("Unreadable value."),
    "column_missing": gettext_lazy("This column is required and was not found."),
    "column_repeated": gettext_lazy("Another column already gives this information."),
    "no_device": gettext_lazy("The file has a header line but no device."),
    "no_surplus_row": gettext_lazy(
        "No row has a surplus status (%(statuses)s): there is nothing to declare."
    ),
    "duplicate_in_file": gettext_lazy(
        "The same device (brand and serial number) is on line %(line)s of this file."
    ),
    "duplicate_in_inventory": gettext_lazy(
        "This device (same brand and serial number) is already declared as %(code)s by %(commune)s."
    ),
}

# What a number is about (``what``), stored as a key and worded with the message.
SUBJECTS: dict[str, Promise] = {
    "memory": gettext_lazy("The memory"),
    "storage": gettext_lazy("The storage"),
    "screen_size": gettext_lazy("The screen size"),
}
# Boucle's columns a reason may name (``column``) when the file has no such column.
COLUMNS: dict[str, Promise] = {
    "category": gettext_lazy("Category (type)"),
    "brand": gettext_lazy("Brand"),
}


def _names(names: list[str]) -> str:
    return ", ".join(names) or _("none")


# Values stored as keys or lists, worded in the reader's language; the others show as stored.
_WORDED_VALUES: dict[str, Callable[[Any], str]] = {
    "what": lambda key: str(SUBJECTS[key]),
    "column": lambda key: str(COLUMNS[key]),
    "sites": _names,
    "statuses": ", ".join,
}


@dataclass(frozen=True, slots=True)
class Reason:
    """A rejection as it is stored: its code and its values as a JSON object."""

    code: str
    params: str = "{}"

    @classmethod
    def of(cls, code: str, **params: Any) -> Reason:
        """The reason ``code`` with these values (numbers, text, lists of text)."""
        if code not in REASONS:
            raise ValueError(f"No import reason has the code {code!r}.")
        if not params:
            return cls(code)
        return cls(code, json.dumps(params, ensure_ascii=False, default=str))

    def worded(self) -> str:
        """The reason in the active language."""
        return word_reason(self.code, json.loads(self.params))


class Wording:
    """Words reasons in the active language, each message translated once: one wording serves
    the many rows of a report, or of a page, read in one language."""

    def __init__(self) -> None:
        self._messages: dict[str, str] = {}

    def reason(self, code: str, params: Mapping[str, Any]) -> str:
        """The reason ``code`` with its values."""
        message = self._messages.get(code)
        if message is None:
            message = self._messages[code] = str(REASONS[code])
        if not params:
            return message
        return message % {
            name: _WORDED_VALUES[name](value) if name in _WORDED_VALUES else value
            for name, value in params.items()
        }

    def rejection(self, code: str, params: Mapping[str, Any], column: str) -> tuple[str, str]:
        """A rejection's reason and column: a reason about one of Boucle's columns that the
        file lacks names it, where the file gives no column."""
        try:
            reason = self.reason(code, params)
        except (KeyError, TypeError, ValueError):
            reason = code  # a code this version does not word: say it rather than fail
        if not column and params.get("column") in COLUMNS:
            column = str(COLUMNS[params["column"]])
        return reason, column


def word_reason(code: str, params: Mapping[str, Any]) -> str:
    """The reason ``code`` with its values, in the active language."""
    return Wording().reason(code, params)


def worded_rejection(stored: Mapping[str, Any], wording: Wording | None = None) -> dict[str, Any]:
    """A stored rejection (an entry of ``DeviceImport.errors_preview``) as it is shown: its
    line, column, value, reason in the active language and code.

    An entry stored before the codes were (``reason`` as text) shows its text, and no code.
    """
    code = stored.get("code")
    if code is None:
        reason, column = stored.get("reason", ""), stored.get("column", "")
    else:
        reason, column = (wording or Wording()).rejection(
            code, stored.get("params") or {}, stored.get("column", "")
        )
    return {
        "line": stored["line"],
        "column": column,
        "value": stored.get("value", ""),
        "reason": reason,
        "code": code,
    }
