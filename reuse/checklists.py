"""The functional checklist of a diagnosis, per device category, and its validation.

A diagnosis records each check as ``{"check": name, "result": ok|fault|na, "note": text}``;
the checks are those of the device's category, each exactly once.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.utils.translation import gettext_lazy as _

from inventory.choices import DeviceCategory
from reuse.choices import CheckResult

CHECK_LABELS = {
    "power": _("Powers on"),
    "screen": _("Screen"),
    "keyboard": _("Keyboard"),
    "touchpad": _("Touchpad"),
    "mouse": _("Mouse"),
    "ports": _("Ports (USB, video, audio)"),
    "wifi": _("Wi-Fi"),
    "ethernet": _("Ethernet"),
    "battery": _("Battery"),
    "storage": _("Storage"),
    "memory": _("Memory test"),
    "video_inputs": _("Video inputs"),
    "dead_pixels": _("No dead pixels"),
    "backlight": _("Backlight"),
    "touchscreen": _("Touchscreen"),
    "cameras": _("Cameras"),
    "buttons": _("Buttons"),
    "charging": _("Charging"),
    "cellular": _("Mobile network"),
    "speaker_microphone": _("Speaker and microphone"),
    "print_test": _("Test page"),
    "paper_feed": _("Paper feed"),
    "consumables": _("Consumables"),
    "lamp": _("Lamp"),
    "focus": _("Focus"),
    "remote": _("Remote control"),
    "function": _("Works as intended"),
    "cable_connector": _("Cable and connectors"),
}

CHECKLISTS: Mapping[str, tuple[str, ...]] = {
    DeviceCategory.LAPTOP: (
        "power",
        "screen",
        "keyboard",
        "touchpad",
        "ports",
        "wifi",
        "battery",
        "storage",
    ),
    DeviceCategory.DESKTOP: ("power", "ports", "ethernet", "wifi", "storage", "memory"),
    DeviceCategory.MONITOR: ("power", "video_inputs", "dead_pixels", "backlight"),
    DeviceCategory.TABLET: (
        "power",
        "touchscreen",
        "cameras",
        "buttons",
        "charging",
        "wifi",
        "battery",
        "storage",
    ),
    DeviceCategory.SMARTPHONE: (
        "power",
        "touchscreen",
        "cameras",
        "buttons",
        "charging",
        "wifi",
        "cellular",
        "speaker_microphone",
        "battery",
        "storage",
    ),
    DeviceCategory.PRINTER: ("power", "print_test", "paper_feed", "consumables", "ports"),
    DeviceCategory.PROJECTOR: ("power", "lamp", "focus", "video_inputs", "remote"),
    DeviceCategory.ACCESSORY: ("function", "cable_connector"),
    DeviceCategory.OTHER: ("power", "function"),
}


def checklist_for(category: str) -> tuple[str, ...]:
    return CHECKLISTS[category]


def check_label(check: str) -> str:
    return str(CHECK_LABELS.get(check, check))


def validate_checklist(category: str, items: Iterable[Any]) -> tuple[list[dict], dict]:
    """The checklist as stored, and the errors by field (``items[2].result``), if any.

    Every check of the category must appear once, with a result; unknown checks are refused.
    """
    expected = checklist_for(category)
    errors: dict[str, list[str]] = {}
    cleaned: dict[str, dict] = {}
    if not isinstance(items, list | tuple):
        return [], {"items": [str(_("A list of checks is expected."))]}
    for index, item in enumerate(items):
        key = f"items[{index}]"
        if not isinstance(item, Mapping):
            errors[key] = [str(_("Each check is an object with check, result and note."))]
            continue
        check = str(item.get("check", "")).strip()
        result = str(item.get("result", "")).strip()
        note = str(item.get("note", "") or "").strip()
        if check not in expected:
            errors[f"{key}.check"] = [
                str(_("“%(check)s” is not a check of this category.") % {"check": check})
            ]
            continue
        if check in cleaned:
            errors[f"{key}.check"] = [str(_("This check appears twice."))]
            continue
        if result not in CheckResult.values:
            errors[f"{key}.result"] = [str(_("Choose ok, fault or na."))]
            continue
        if len(note) > 500:
            errors[f"{key}.note"] = [str(_("At most 500 characters."))]
            continue
        cleaned[check] = {"check": check, "result": result, "note": note}
    missing = [check for check in expected if check not in cleaned]
    if missing and not errors:
        errors["items"] = [str(_("Checks missing: %(checks)s.") % {"checks": ", ".join(missing)})]
    return [cleaned[check] for check in expected if check in cleaned], errors
