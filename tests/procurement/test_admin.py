"""Group purchasing in the admin: every record readable, none changed there (the services
keep the rules and the devices' lifecycle)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from procurement.models import (
    AllocationLine,
    Campaign,
    Commitment,
    Groupement,
    Offer,
    Order,
)
from procurement.services import campaign_close, commitment_submit
from tests.conftest import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator_client(client, db):
    client.defaults["HTTP_ACCEPT_LANGUAGE"] = "en"
    client.force_login(UserFactory(username="operator", is_staff=True, is_superuser=True))
    return client


def test_every_record_is_listed_and_shown_read_only(
    operator_client, stocked_offer, open_campaign, buyer, buyer_user, buyer_site, territory_user
):
    # given: an allocated campaign with its order
    offer = stocked_offer(2)
    campaign = open_campaign(offer)
    commitment_submit(
        campaign=campaign,
        buyer=buyer,
        user=buyer_user,
        quantities={offer: 2},
        delivery_site=buyer_site,
        contact_name="Nadia Benali",
        contact_email="nadia@example.org",
        siret="44306184100013",
    )
    campaign_close(campaign=campaign, user=territory_user)

    for model in (Groupement, Offer, Campaign, Commitment, AllocationLine, Order):
        record = model.objects.get()
        name = f"admin:procurement_{model._meta.model_name}"

        # when
        listing = operator_client.get(reverse(f"{name}_changelist"))
        page = operator_client.get(reverse(f"{name}_change", args=[record.pk]))
        added = operator_client.get(reverse(f"{name}_add"))
        posted = operator_client.post(reverse(f"{name}_change", args=[record.pk]), {})

        # then
        assert (listing.status_code, page.status_code) == (200, 200), model
        assert (added.status_code, posted.status_code) == (403, 403), model


def test_deliveries_and_invoices_are_listed_and_shown_read_only(
    operator_client, placed_order, partner, partner_user, buyer_user, buyer_site
):
    # given: an admitted delivery, invoiced
    from django.utils import timezone

    from procurement.models import Delivery, Invoice
    from procurement.services import delivery_decide, delivery_prepare, invoice_issue
    from tests.conftest import SiteFactory

    SiteFactory(organisation=partner, name="Atelier", postal_code="94200")
    order = placed_order(2)
    delivery = delivery_prepare(
        order=order, user=partner_user, site=buyer_site, delivery_date=timezone.localdate()
    )
    delivery_decide(
        delivery=delivery,
        user=buyer_user,
        decision="admission",
        decided_on=timezone.localdate(),
        signatory_name="Claire Dubois",
    )
    invoice_issue(delivery=delivery, user=partner_user)

    for model in (Delivery, Invoice):
        record = model.objects.get()
        name = f"admin:procurement_{model._meta.model_name}"

        # when
        listing = operator_client.get(reverse(f"{name}_changelist"))
        page = operator_client.get(reverse(f"{name}_change", args=[record.pk]))
        posted = operator_client.post(reverse(f"{name}_change", args=[record.pk]), {})

        # then
        assert (listing.status_code, page.status_code, posted.status_code) == (200, 200, 403)
