"""The demo's deliveries: the orders of the closed campaign delivered, admitted and invoiced.

``seed_deliveries()`` runs after the group purchasing (:mod:`demo.procurement`), on the orders
its closing placed. Every write goes through :mod:`procurement.services`: the delivery notes,
the admission record, the signed note and the Factur-X invoice are issued as they are for the
partners and buyers. It is deterministic and idempotent: once a delivery exists, nothing is
added; without the closed campaign's orders, nothing is added either.

The story: this morning the Atelier numérique solidaire delivered the collège Romain Rolland's
two desktops; the collège's adjoint gestionnaire admitted one and refused the other at the door
(its front panel cracked in transport), which went back to the Atelier's stock; the Atelier
invoiced the admitted desktop. The Recyclerie de la Bièvre delivered the collège's screen, which
awaits the collège's decision; the lycée's desktop is still to deliver.
"""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.test.utils import override_settings
from django.utils import timezone

from demo.procurement import CLOSED
from demo.territory import SeedReport
from procurement.choices import AdmissionDecision
from procurement.models import Delivery, Order
from procurement.services import delivery_decide, delivery_prepare, invoice_issue

# The orders delivered, by buyer and partner; the first one's admission refuses its first
# device at the door.
ADMITTED = ("college-romain-rolland", "atelier-numerique-solidaire")
AWAITING = ("college-romain-rolland", "recyclerie-bievre")
REFUSAL_REASON = "Façade avant fissurée pendant le transport"
SIGNATORY_TITLE = "Adjoint gestionnaire"
# The Atelier's account, as its invoices state it (a fictitious IBAN whose key holds).
ATELIER_IBAN = "FR7630006000011234567890189"


def _agent(organisation):
    return get_user_model().objects.get(username=f"{organisation.slug}-agent")


def _order(buyer: str, partner: str) -> Order | None:
    return (
        Order.objects.filter(campaign__title=CLOSED.title, buyer__slug=buyer, partner__slug=partner)
        .select_related("buyer", "partner", "commitment__delivery_site")
        .first()
    )


def _prepare(order: Order, day) -> Delivery:
    return delivery_prepare(
        order=order,
        user=_agent(order.partner),
        site=order.commitment.delivery_site,
        delivery_date=day,
    )


def seed_deliveries(report: SeedReport) -> SeedReport:
    """Add the demo's deliveries, or find them already there (see the module's docstring).

    The counts of what was created go into ``report``; the e-mails are not sent."""
    if Delivery.objects.exists():
        return report
    admitted_order, awaiting_order = _order(*ADMITTED), _order(*AWAITING)
    if admitted_order is None or awaiting_order is None:
        return report
    today = timezone.localdate()
    with override_settings(EMAIL_BACKEND="django.core.mail.backends.dummy.EmailBackend"):
        delivery = _prepare(admitted_order, today)
        items = list(delivery.items.select_related("device").order_by("device__pk"))
        buyer_agent = _agent(admitted_order.buyer)
        # One device refused at the door, when another one is admitted with it.
        refusals = {items[0].device.code: REFUSAL_REASON} if len(items) > 1 else {}
        delivery_decide(
            delivery=delivery,
            user=buyer_agent,
            decision=AdmissionDecision.ADMISSION,
            decided_on=today,
            signatory_name=buyer_agent.get_full_name(),
            signatory_title=SIGNATORY_TITLE,
            refusals=refusals,
        )
        invoice_issue(delivery=delivery, user=_agent(admitted_order.partner), iban=ATELIER_IBAN)
        _prepare(awaiting_order, today)
    report.count("deliveries", 2)
    report.count("admissions")
    report.count("delivered", len(items) - len(refusals))
    report.count("refused_at_the_door", len(refusals))
    report.count("invoices")
    return report
