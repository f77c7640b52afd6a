"""The device passport at ``/d/<code>/``: what its QR code label opens.

Anyone may read a device's public passport: its code, category, brand, model, state,
specification, what the apps above add (reuse: who refurbished it, its grade and the erasure
of its data, through :func:`register_passport_details`) and its history, with only what
happened, when, and which organisation acted — never a person's name, an internal note or a
serial number (of the device or of its storage media). A visitor whose active organisation
may act on the device sees, above it, the actions it may take now.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse
from django.utils.translation import gettext as _

from inventory import lifecycle, permissions, selectors
from inventory.models import Device
from organisations.models import Organisation


@dataclass(frozen=True)
class PassportFact:
    """One line of the passport an app above inventory adds: ``key`` names it for pages and
    tests (``grade``), ``label`` and ``value`` are what the reader sees."""

    key: str
    label: str
    value: str


# What an app above inventory adds to the public passport (reuse: the refurbisher, the grade,
# the erasure of the data), for one device. It shows anyone: never a person's name, an
# internal note or a serial number.
PassportDetailProvider = Callable[[Device], Iterable[PassportFact]]
_passport_detail_providers: list[PassportDetailProvider] = []


def register_passport_details(provider: PassportDetailProvider) -> PassportDetailProvider:
    """Let ``provider`` add facts to every passport (once, however often it registers).

    The hook by which a higher app (reuse and the refurbishment) proves the device's reuse
    on its passport without inventory importing it (rule 14); register in the app's
    ``AppConfig.ready()``.
    """
    if provider not in _passport_detail_providers:
        _passport_detail_providers.append(provider)
    return provider


def unregister_passport_details(provider: PassportDetailProvider) -> None:
    """Remove a provider registered with :func:`register_passport_details` (for tests)."""
    if provider in _passport_detail_providers:
        _passport_detail_providers.remove(provider)


def passport_details(device: Device) -> list[PassportFact]:
    """Every registered provider's facts about ``device``, in the order they registered."""
    return [fact for provider in _passport_detail_providers for fact in provider(device)]


def passport_device(code: str) -> Device | None:
    """The device with ``code`` (any state, withdrawn too), or ``None``."""
    return (
        Device.objects.select_related("commune", "holder", "claimed_by")
        .filter(code=code.strip().upper())
        .first()
    )


def passport_actions(organisation: Organisation | None, device: Device) -> list[dict[str, Any]]:
    """The actions ``organisation`` may take on ``device`` now, each with its page.

    An action the state allows but that still lacks something (``certify`` before the data
    is erased, say) carries the list of what is missing in ``missing``: the passport shows it
    as blocked, never as a link."""
    # The pages of transitions are listed by the inventory's views; imported here, late,
    # since those views import much more than this module needs at import time.
    from inventory.views import TRANSITION_PAGES

    if organisation is None or not permissions.can_view_device([organisation], device):
        return []
    actions = []
    for name in lifecycle.allowed_transitions(device, [organisation]):
        if name in TRANSITION_PAGES:
            actions.append(
                {
                    "name": name,
                    "label": lifecycle.transition_label(name),
                    "url": reverse(TRANSITION_PAGES[name], args=[device.code]),
                    "missing": lifecycle.transition_missing(device, name),
                }
            )
    if permissions.can_edit_device(organisation, device):
        actions.append(
            {
                "name": "edit",
                "label": _("Edit the description"),
                "url": reverse("inventory:device-edit", args=[device.code]),
                "missing": [],
            }
        )
    return actions


def may_open_device_page(organisation: Organisation | None, device: Device) -> bool:
    """Whether the visitor's organisation may open the device's full page."""
    return organisation is not None and permissions.can_view_device([organisation], device)


def public_history(device: Device) -> list[dict[str, Any]]:
    """The device's history as the public passport shows it: kind, date, organisation."""
    return [
        {
            "kind": event.kind,
            "label": event.get_kind_display(),
            "created_at": event.created_at,
            "organisation": event.organisation.name if event.organisation else "",
        }
        for event in selectors.device_history(device)
    ]


def passport_url_builder(request: HttpRequest) -> Callable[[str], str]:
    """The absolute address of a device's passport, by its code, as ``request`` reaches it."""

    def url(code: str) -> str:
        return request.build_absolute_uri(reverse("device-passport", args=[code]))

    return url
