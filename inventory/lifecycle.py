"""Questions about the device lifecycle: which transitions exist, which one may run now.

The lifecycle itself is declared on :class:`inventory.models.Device` (its transitions);
:func:`inventory.services.device_transition` runs them. These read-only helpers let pages and
the API show what is possible without duplicating the rules.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import cache

from django.utils.translation import gettext as _
from django_fsm import can_proceed, has_transition_perm

from inventory.models import Device
from organisations.models import Organisation


@cache
def transition_names() -> tuple[str, ...]:
    """The names of every transition of the device lifecycle, sorted."""
    state = Device._meta.get_field("state")
    return tuple(sorted({transition.name for transition in state.get_all_transitions(Device)}))


@cache
def transition_sources(name: str) -> tuple[str, ...]:
    """The states the transition ``name`` starts from, sorted (to filter devices by them)."""
    state = Device._meta.get_field("state")
    sources = {
        transition.source
        for transition in state.get_all_transitions(Device)
        if transition.name == name
    }
    if not sources:
        raise ValueError(f"{name!r} is not a transition of the device lifecycle.")
    return tuple(sorted(sources))


def transition_refusal(device: Device, transition: str) -> str | None:
    """Why the lifecycle refuses ``transition`` for ``device`` now, or ``None`` if it allows it."""
    method = getattr(device, transition)
    if not can_proceed(method, check_conditions=False):
        return _("This action is not possible for a device in state “%(state)s”.") % {
            "state": device.get_state_display()
        }
    meta = method._django_fsm
    fsm_transition = meta.get_transition(device.state)
    for condition in fsm_transition.conditions:
        if not condition(device):
            return str(getattr(condition, "message", _("A condition of this action is not met.")))
    return None


def allowed_transitions(device: Device, organisations: Iterable[Organisation]) -> list[str]:
    """The transitions one of ``organisations`` may run on ``device`` now.

    Uses only what is already loaded (the device row, the organisations), so a list of
    devices costs no query per device.
    """
    organisations = list(organisations)
    return [
        name
        for name in transition_names()
        if transition_refusal(device, name) is None
        and any(
            has_transition_perm(getattr(device, name), organisation)
            for organisation in organisations
        )
    ]


def transition_label(name: str) -> str:
    """The label a page shows for a transition (its button, say)."""
    state = Device._meta.get_field("state")
    for transition in state.get_all_transitions(Device):
        if transition.name == name:
            return str(transition.custom.get("label", name))
    raise ValueError(f"{name!r} is not a transition of the device lifecycle.")
