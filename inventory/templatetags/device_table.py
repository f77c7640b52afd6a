"""The inventory list's table rows, written in Python.

The list shows 50 devices a page, and in the template language each row cost about 0.4 ms
(its link reversed, two messages translated, two dates formatted, some twenty variables
looked up): most of the page's time at a million devices (issue 11). As Django's admin does
for its change list (``items_for_result``), the rows are written in Python: the link
reversed and the messages translated once a page, each value escaped
with the standard library's ``html.escape`` (what Django's ``escape`` calls), the markup
the template's.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from html import escape

from django import template
from django.urls import reverse
from django.utils import formats, timezone
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from inventory.choices import DeviceState
from inventory.models import Device

register = template.Library()

# Not a device code (codes are letters and digits, CODE_ALPHABET, that a URL keeps as they
# are): the link is reversed once with it, and each device's code put in its place.
_CODE_PLACEHOLDER = "DEVICE-CODE"


@register.simple_tag
def device_rows(devices: Iterable[Device], *, selectable: bool, labels: bool) -> SafeString:
    """The ``<tr>`` of each device: a box to tick it for a claim when ``selectable`` (a
    partner's, on declared devices), a box to tick it for a label sheet when ``labels``, its
    code linked to its page, brand, model and category, serial number, commune, state (and
    who claimed it) and the date it was declared."""
    link = reverse("inventory:device-detail", args=[_CODE_PLACEHOLDER])
    select_label = escape(gettext("Select %(code)s"))
    label_label = escape(gettext("Print a label for %(code)s"))
    claimed_by = escape(gettext("by %(partner)s"))
    # A file's devices share their creation time: each time is formatted once.
    dates: dict[datetime.datetime, str] = {}
    rows = []
    for device in devices:
        code = escape(device.code)
        cells = []
        if selectable:
            box = ""
            if device.state == DeviceState.DECLARED:
                box = (
                    f'<input type="checkbox" name="codes" value="{code}" form="claim-selection" '
                    f'id="select-{code}" aria-label="{select_label % {"code": code}}">'
                )
            cells.append(f'<td class="col-select">{box}</td>')
        if labels:
            cells.append(
                f'<td class="col-select"><input type="checkbox" name="devices" value="{code}" '
                f'form="label-selection" id="label-{code}" '
                f'aria-label="{label_label % {"code": code}}"></td>'
            )
        claim = ""
        if device.claimed_by_id is not None:
            partner = claimed_by % {"partner": escape(device.claimed_by.name)}
            claim = f'<span class="cell-meta">{partner}</span>'
        declared = dates.get(device.created_at)
        if declared is None:
            declared = dates[device.created_at] = _time(device.created_at)
        state = escape(device.state)
        href = escape(link.replace(_CODE_PLACEHOLDER, device.code))
        cells.append(
            f'<th scope="row"><a class="code" href="{href}">'
            f"{code}</a></th>"
            f'<td><span class="cell-title">{escape(device.brand)} {escape(device.model)}</span>'
            f'<span class="cell-meta">{escape(device.get_category_display())}</span></td>'
            f'<td class="col-optional mono">{escape(device.serial_number or "—")}</td>'
            f'<td class="col-optional">{escape(device.commune.name)}</td>'
            f'<td><span class="badge badge--{state}">{escape(device.get_state_display())}</span>'
            f"{claim}</td>"
            f'<td class="col-optional nowrap">{declared}</td>'
        )
        rows.append(f"<tr>{''.join(cells)}</tr>")
    return mark_safe("\n".join(rows))


def _time(moment: datetime.datetime) -> str:
    """The ``<time>`` of a declaration: its date, short, in the current time zone."""
    local = timezone.localtime(moment)
    return (
        f'<time datetime="{escape(formats.date_format(local, "c"))}">'
        f"{escape(formats.date_format(local, 'SHORT_DATE_FORMAT'))}</time>"
    )
