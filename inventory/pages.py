"""Page helpers for devices, shared by the pages of inventory and of the apps above it: the
device the active organisation may see, and the page that confirms one of its transitions."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import HttpRequest
from django.urls import reverse
from django_fsm import has_transition_perm

from common.pages import TransitionConfirmView
from inventory import lifecycle, selectors
from inventory.models import Device
from organisations.active import acting_as, active_organisation


def visible_device(request: HttpRequest, code: str) -> Device:
    """The device with ``code`` if the active organisation may see it; else 404."""
    return selectors.device_get_visible(code=code, organisations=acting_as(request))


class DeviceTransitionView(TransitionConfirmView):
    """Confirm, then run the device lifecycle's ``transition`` for the active organisation.

    The lifecycle says whether the device's state allows it and whether the organisation may
    run it (the transition's permission); the subclass runs its service.
    """

    transition: str

    def get_object(self) -> Device:
        return visible_device(self.request, self.kwargs["code"])

    @property
    def organisation(self):
        return active_organisation(self.request)

    def refusal(self, obj: Device) -> str | None:
        return lifecycle.transition_refusal(obj, self.transition)

    def permitted(self, obj: Device) -> bool:
        return self.organisation is not None and has_transition_perm(
            getattr(obj, self.transition), self.organisation
        )

    def object_url(self, obj: Device) -> str:
        return reverse("inventory:device-detail", args=[obj.code])

    def get_context_data(self, obj: Device, form: forms.Form) -> dict[str, Any]:
        return {**super().get_context_data(obj, form), "device": obj}
