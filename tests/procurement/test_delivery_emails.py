"""E-mails at each hand-over of a delivery: announced to the buyer, decided on to the partner,
invoiced and cancelled by a credit note to the buyer; in French, once each."""

from __future__ import annotations

import pytest
from django.core import mail
from django.utils import timezone

from procurement.services import (
    credit_note_issue,
    delivery_decide,
    delivery_prepare,
    invoice_issue,
)
from tests.conftest import SiteFactory

pytestmark = pytest.mark.django_db


def test_each_hand_over_is_told_to_the_other_side(
    placed_order,
    partner,
    partner_user,
    buyer_user,
    buyer_site,
    django_capture_on_commit_callbacks,
):
    SiteFactory(organisation=partner, name="Atelier", postal_code="94200")
    order = placed_order(2)
    refused = order.items.order_by("device__code").first().device.code
    mail.outbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        delivery = delivery_prepare(
            order=order, user=partner_user, site=buyer_site, delivery_date=timezone.localdate()
        )
    [announced] = mail.outbox
    assert announced.to == [buyer_user.email]
    assert announced.subject == "[Boucle] Livraison annoncée par Atelier du Réemploi"
    assert "livre 2 appareils de votre commande" in announced.body
    assert delivery.note.number in announced.body

    with django_capture_on_commit_callbacks(execute=True):
        admission = delivery_decide(
            delivery=delivery,
            user=buyer_user,
            decision="admission",
            decided_on=timezone.localdate(),
            signatory_name="Claire Dubois",
            refusals={refused: "Écran fissuré"},
        )
    decided = mail.outbox[1]
    assert decided.to == [partner_user.email]
    assert decided.subject == "[Boucle] FCPE Cachan\u00a0: Admission"
    assert refused in decided.body
    assert admission.record.number in decided.body

    with django_capture_on_commit_callbacks(execute=True):
        invoice = invoice_issue(delivery=delivery, user=partner_user)
    invoiced = mail.outbox[2]
    assert invoiced.to == [buyer_user.email]
    assert invoiced.subject == f"[Boucle] Facture {invoice.document.number} — Atelier du Réemploi"
    assert "72,00\u00a0€ TTC" in invoiced.body

    with django_capture_on_commit_callbacks(execute=True):
        credit_note = credit_note_issue(invoice=invoice, user=partner_user, reason="Erreur")
    cancelled = mail.outbox[3]
    assert cancelled.subject == (
        f"[Boucle] Avoir {credit_note.document.number} — Atelier du Réemploi"
    )
    assert len(mail.outbox) == 4
