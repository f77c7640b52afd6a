"""French typography: what the translation catalogue cannot carry alone (template filters of
the same names in ``common/templatetags/typography.py``).

``colon`` writes a label's colon as the language wants it (« Nom : » in French, "Name:" in
English); ``elide`` elides « que » and « de » before a vowel (« qu’Atelier », « d’Ivry »), for
sentences where a name follows them; ``gigabytes`` and ``filesize`` write sizes in the
reader's units (Go, Mo, Ko in French); ``euros`` writes an amount to the cent with the
reader's separators (« 1 234,50 € »); ``percent`` a rate as the reader writes it (« 5,5 % »).
"""

from __future__ import annotations

import re
from decimal import Decimal, InvalidOperation

from django.utils import formats
from django.utils.html import avoid_wrapping
from django.utils.translation import gettext, ngettext

_ELIDABLE = re.compile(r"(?<![\w-])([Qq]u|[Dd])e (?=[AEIOUYÀÂÉÈÊËÎÏÔÛÙaeiouyàâéèêëîïôûù])")


def colon(label) -> str:
    """A label followed by its colon: « Nom : » in French, "Name:" in English."""
    return gettext("%(label)s:") % {"label": label}


def elide(text) -> str:
    """``text`` with « que » and « de » elided before a vowel, as French writes them."""
    return _ELIDABLE.sub(r"\1’", str(text))


def gigabytes(size) -> str:
    """A size in gigabytes, with the reader's unit (« 256 Go »)."""
    if size in (None, ""):
        return ""
    return avoid_wrapping(
        gettext("%(size)s GB") % {"size": formats.number_format(size, decimal_pos=None)}
    )


def filesize(size) -> str:
    """A number of bytes in the reader's units (« 1,5 Mo »), without binary prefixes."""
    try:
        size = int(size)
    except (TypeError, ValueError):
        return ""
    for scale, unit in (
        (1024**3, gettext("%(size)s GB")),
        (1024**2, gettext("%(size)s MB")),
        (1024, gettext("%(size)s KB")),
    ):
        if size >= scale:
            size_text = formats.number_format(round(size / scale, 1), decimal_pos=1)
            return avoid_wrapping(unit % {"size": size_text})
    return avoid_wrapping(ngettext("%(size)d byte", "%(size)d bytes", size) % {"size": size})


def euros(amount) -> str:
    """An amount of money to the cent, grouped as the reader writes it (« 1 234,50 € »)."""
    if amount in (None, ""):
        return ""
    return avoid_wrapping(
        gettext("%(amount)s €")
        % {"amount": formats.number_format(amount, decimal_pos=2, force_grouping=True)}
    )


def percent(rate) -> str:
    """A rate in percent, without trailing zeros, as the reader writes it (« 5,5 % »)."""
    if rate in (None, ""):
        return ""
    try:
        value = Decimal(str(rate)).normalize()
    except InvalidOperation:
        return ""
    # normalize() writes 20 as 2E+1: quantize back to whole units when it has no fraction.
    if value == value.to_integral_value():
        value = value.quantize(Decimal(1))
    return avoid_wrapping(
        gettext("%(rate)s%%") % {"rate": formats.number_format(value, decimal_pos=None)}
    )
