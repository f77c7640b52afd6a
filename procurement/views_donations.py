"""Pages of donations: the donations an organisation gives or receives; a partner gives ready
devices to an eligible organisation (each valued, within the ceiling); a donation's page with
its agreement; the beneficiary confirms the receipt, the donor may cancel before."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as PageForbidden
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods
from django_fsm import can_proceed

from common.errors import PermissionDenied, TransitionNotAllowed, ValidationFailed
from common.pages import TransitionConfirmView, error_summary
from organisations.active import acting_as, active_organisation
from procurement import permissions, selectors
from procurement.choices import DonationState
from procurement.forms import ReasonForm
from procurement.forms_donations import MAX_FORM_DEVICES, DonationForm, ReceiptForm
from procurement.models import Donation
from procurement.regulatory import donation_value_ceiling
from procurement.services.donations import donation_cancel, donation_create, donation_receive


def _visible_donation(request: HttpRequest, pk: int) -> Donation:
    return selectors.donation_get_visible(pk=pk, organisations=acting_as(request))


@login_required
@require_GET
def donation_list(request: HttpRequest) -> HttpResponse:
    """The donations the active organisation gives or receives, the newest first."""
    organisation = active_organisation(request)
    donations = list(selectors.donations_visible_to(acting_as(request)))
    context = {
        "organisation": organisation,
        "given": [d for d in donations if organisation and d.donor_id == organisation.pk],
        "received": [d for d in donations if organisation and d.beneficiary_id == organisation.pk],
        "may_donate": organisation is not None and permissions.may_donate(organisation),
        "may_receive": organisation is not None and permissions.may_receive_donations(organisation),
    }
    return render(request, "procurement/donation_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def donation_new(request: HttpRequest) -> HttpResponse:
    """A partner gives some of its ready devices to an eligible organisation, each valued."""
    donor = active_organisation(request)
    if donor is None or not permissions.may_donate(donor):
        raise PageForbidden(_("Only a partner holding ready devices gives them away."))
    devices = list(selectors.donatable_devices(donor)[:MAX_FORM_DEVICES])
    form = DonationForm(request.POST or None, devices=devices)
    status = 200
    if request.method == "POST":
        if form.is_valid():
            try:
                donation = donation_create(
                    donor=donor,
                    user=request.user,
                    beneficiary=form.cleaned_data["beneficiary"],
                    values=form.values(),
                )
            except (ValidationFailed, TransitionNotAllowed, PermissionDenied) as error:
                fields = getattr(error, "fields", None) or {}
                form.add_error(
                    "beneficiary" if "beneficiary" in fields else None,
                    " ".join(fields.get("beneficiary", [])) or error.message,
                )
            else:
                messages.success(
                    request,
                    _("Donation made: its agreement is being issued and the beneficiary is told."),
                )
                return redirect("procurement:donation-detail", pk=donation.pk)
        status = 400
    ceiling = donation_value_ceiling(timezone.localdate())
    context: dict[str, Any] = {
        "form": form,
        "rows": form.rows(),
        "donor": donor,
        "ceiling": ceiling,
        "errors": error_summary([(form, "")]),
    }
    return render(request, "procurement/donation_form.html", context, status=status)


@login_required
@require_GET
def donation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A donation: both parties, its devices and values, the total, what it counts for in the
    AGEC purchase share, its agreement; the receipt or the cancellation when allowed."""
    donation = _visible_donation(request, pk)
    organisation = active_organisation(request)
    offered = donation.state == DonationState.OFFERED
    context = {
        "donation": donation,
        "items": list(selectors.donation_items(donation)),
        "may_receive": offered
        and organisation is not None
        and permissions.may_receive(organisation, donation),
        "may_cancel": offered
        and organisation is not None
        and permissions.may_cancel_donation(organisation, donation),
    }
    return render(request, "procurement/donation_detail.html", context)


class _DonationTransitionView(TransitionConfirmView):
    def get_object(self) -> Donation:
        return _visible_donation(self.request, self.kwargs["pk"])

    def object_url(self, obj: Donation) -> str:
        return reverse("procurement:donation-detail", args=[obj.pk])

    def get_context_data(self, obj: Donation, form) -> dict[str, Any]:
        return {**super().get_context_data(obj, form), "donation": obj}

    def _state_refusal(self, obj: Donation) -> str:
        if obj.state == DonationState.RECEIVED:
            return _("This donation's receipt is confirmed already.")
        return _("This donation is cancelled.")


class DonationReceiptView(_DonationTransitionView):
    """The beneficiary confirms it received the devices: they are delivered to it."""

    template_name = "procurement/donation_receipt.html"
    form_class = ReceiptForm
    forbidden_message = gettext_lazy("Only the donation's beneficiary confirms its receipt.")

    def refusal(self, obj: Donation) -> str | None:
        return None if can_proceed(obj.receive) else self._state_refusal(obj)

    def permitted(self, obj: Donation) -> bool:
        organisation = active_organisation(self.request)
        return organisation is not None and permissions.may_receive(organisation, obj)

    def perform(self, obj: Donation, form) -> None:
        try:
            donation_receive(
                donation=obj,
                user=self.request.user,
                received_on=form.cleaned_data["received_on"],
            )
        except ValidationFailed as error:
            raise TransitionNotAllowed(error.message, code=error.code) from error

    def success_message(self, obj: Donation) -> str:
        return _("Receipt confirmed: the devices are yours, the donor is told.")


class DonationCancelView(_DonationTransitionView):
    """The donor cancels before the receipt, saying why: the devices go back to its stock."""

    template_name = "procurement/donation_cancel.html"
    form_class = ReasonForm
    forbidden_message = gettext_lazy("Only the donor cancels its donation.")

    def refusal(self, obj: Donation) -> str | None:
        return None if can_proceed(obj.cancel) else self._state_refusal(obj)

    def permitted(self, obj: Donation) -> bool:
        organisation = active_organisation(self.request)
        return organisation is not None and permissions.may_cancel_donation(organisation, obj)

    def perform(self, obj: Donation, form) -> None:
        donation_cancel(donation=obj, user=self.request.user, reason=form.cleaned_data["reason"])

    def success_message(self, obj: Donation) -> str:
        return _("Donation cancelled: its devices are back in your stock.")


donation_receipt = login_required(DonationReceiptView.as_view())
donation_cancel_page = login_required(DonationCancelView.as_view())
