"""Invoices and credit notes of deliveries.

Once the buyer admitted a delivery (the « service fait »), its partner issues the invoice of
the admitted devices (``FA-…``, a gap-free series of its own): a Factur-X PDF/A-3 carrying its
EN 16931 XML (:mod:`documents.facturx`), through ``document_request(…, facturx_invoice=…)``.

- One line per order line (an offer at the order's price), its quantity the admitted devices,
  their codes listed in the line's description; the lines' VAT at each rate, rounded once per
  rate (EN 16931).
- A réfaction is a document-level allowance excl. VAT; over several VAT rates it is shared in
  proportion to each rate's amount, to the cent, the last rate taking what rounding left.
- The buyer's SIRET, Chorus Pro service code (BT-10) and engagement number (BT-13) are the
  commitment's; the contract reference (BT-12) the groupement's convention; payment within 30
  days of the issue by credit transfer (the legal delay of a public buyer, CCP R2192-10).
- The seller's intra-community VAT number is derived from its SIREN (FR, a key, the SIREN),
  its address its first open site; the buyer's address the delivery site.

An issued invoice never changes. A credit note (type 381, ``AV-…``) cancels it whole, naming
it; the delivery may then be invoiced again. Refused, nothing changed: an invoice of a
delivery not admitted, or already invoiced (409); anyone but the partner (403).
"""

from __future__ import annotations

import dataclasses
import datetime
from collections import defaultdict
from decimal import Decimal

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_fsm import can_proceed

from common.errors import NotFound, PermissionDenied, TransitionNotAllowed, ValidationFailed
from common.handoff import enqueue_on_commit
from documents.choices import DocumentKind
from documents.facturx import (
    Allowance,
    InvoiceLine,
    InvoiceTypeCode,
    Party,
    PaymentMeans,
    PaymentMeansCode,
    PostalAddress,
    PrecedingInvoice,
    VatCategory,
    invoice_from_context,
)
from documents.facturx import Invoice as FacturxInvoice
from documents.rendering import FACTURX_CONTEXT_KEY
from documents.services import document_request
from organisations.models import Organisation, Site
from organisations.permissions import is_member
from procurement import permissions, tasks
from procurement.allocation import ZERO, to_cent
from procurement.choices import (
    AdmissionDecision,
    DeliveryItemOutcome,
    DeliveryState,
    InvoiceState,
)
from procurement.models import (
    Admission,
    CreditNote,
    CreditNoteDevice,
    Delivery,
    DeliveryDevice,
    Invoice,
)
from procurement.services.orders import cancellation_reason

INVOICE_TEMPLATE = "documents/facturx_invoice.html"
# A public buyer pays within 30 days (Code de la commande publique, R2192-10).
PAYMENT_DAYS = 30
# UNTDID 5189: discount, the code of a price reduction.
REDUCTION_REASON_CODE = "95"


def french_vat_number(siren: str) -> str:
    """The intra-community VAT number of a French company: FR, a two-digit key computed from
    its SIREN, then the SIREN."""
    return f"FR{(12 + 3 * (int(siren) % 97)) % 97:02d}{siren}"


def _address_of(site: Site) -> PostalAddress:
    return PostalAddress(line_one=site.address, postcode=site.postal_code, city=site.city)


def _seller(partner: Organisation) -> Party:
    site = Site.objects.filter(organisation=partner, is_active=True).order_by("pk").first()
    if site is None:
        raise ValidationFailed(
            _("Record your organisation's address (a site) before invoicing."),
            code="no_address",
        )
    if not partner.siret:
        raise ValidationFailed(
            _("Record your organisation's SIRET before invoicing."), code="no_siret"
        )
    return Party(
        name=partner.name,
        siret=partner.siret,
        vat_number=french_vat_number(partner.siren_number),
        address=_address_of(site),
    )


def reduction_allowances(
    reduction: Decimal, bases: dict[Decimal, Decimal], *, reason: str
) -> list[Allowance]:
    """The réfaction as allowances, one per VAT rate, in proportion to each rate's amount
    excl. VAT (``bases``), each rounded half-up to the cent, the last rate taking the rest so
    that they add up to ``reduction``."""
    if not reduction:
        return []
    total = sum(bases.values(), ZERO)
    rates = sorted(bases, reverse=True)
    allowances, shared = [], ZERO
    for index, rate in enumerate(rates):
        share = (
            reduction - shared
            if index == len(rates) - 1
            else to_cent(reduction * bases[rate] / total)
        )
        shared += share
        if share:
            allowances.append(
                Allowance(
                    amount=share,
                    reason=reason,
                    reason_code=REDUCTION_REASON_CODE,
                    vat_category=VatCategory.STANDARD if rate else VatCategory.EXEMPT,
                    vat_rate=rate,
                )
            )
    return allowances


def device_lines(items: list[DeliveryDevice]) -> tuple[list[InvoiceLine], dict[Decimal, Decimal]]:
    """One invoice line per order line of ``items`` (an offer at the order's price), its
    quantity their number, their codes in its description; and the amount excl. VAT of the
    lines at each VAT rate."""
    by_line: dict[int, list[DeliveryDevice]] = defaultdict(list)
    for item in items:
        by_line[item.line_id].append(item)
    lines, bases = [], defaultdict(lambda: ZERO)
    for index, line_items in enumerate(sorted(by_line.values(), key=lambda v: v[0].line_id)):
        line = line_items[0].line
        codes = ", ".join(sorted(item.device.code for item in line_items))
        lines.append(
            InvoiceLine(
                identifier=str(index + 1),
                name=line.offer.title,
                quantity=len(line_items),
                unit_price=line.unit_price,
                vat_category=VatCategory.STANDARD if line.vat_rate else VatCategory.EXEMPT,
                vat_rate=line.vat_rate,
                seller_item_id=f"OFFRE-{line.offer_id}",
                description=_("Devices: %(codes)s") % {"codes": codes},
            )
        )
        bases[line.vat_rate] += to_cent(line.unit_price * len(line_items))
    return lines, dict(bases)


def invoice_content(
    delivery: Delivery,
    admission: Admission,
    items: list[DeliveryDevice],
    *,
    issued_on: datetime.date,
    iban: str = "",
) -> FacturxInvoice:
    """The Factur-X invoice of ``delivery``'s admitted ``items`` (module docstring) after
    ``admission``, as issued on ``issued_on``. ``delivery`` comes with its order's commitment
    and campaign's groupement, its parties and site."""
    lines, bases = device_lines(items)
    commitment = delivery.order.commitment
    return FacturxInvoice(
        type_code=InvoiceTypeCode.INVOICE,
        seller=_seller(delivery.partner),
        buyer=Party(
            name=delivery.buyer.name,
            siret=commitment.siret or delivery.buyer.siret,
            address=_address_of(delivery.site),
        ),
        lines=tuple(lines),
        allowances=tuple(
            reduction_allowances(
                admission.reduction_amount,
                bases,
                reason=_("Réfaction: %(reason)s") % {"reason": admission.reason},
            )
        ),
        buyer_reference=commitment.service_code,
        purchase_order_reference=commitment.engagement_number,
        contract_reference=delivery.order.campaign.groupement.reference,
        payment_terms=_(
            "Payment by credit transfer within %(days)d days of the invoice's date (public "
            "buyer's payment delay, Code de la commande publique R2192-10)."
        )
        % {"days": PAYMENT_DAYS},
        due_date=issued_on + datetime.timedelta(days=PAYMENT_DAYS),
        payment_means=PaymentMeans(
            code=(
                PaymentMeansCode.SEPA_CREDIT_TRANSFER if iban else PaymentMeansCode.CREDIT_TRANSFER
            ),
            iban=iban,
        ),
        vat_exemption_reason=(
            _("VAT not applicable, article 293 B of the CGI") if ZERO in bases else ""
        ),
        delivery_date=admission.decided_on,
    )


def _locked_delivery(delivery: Delivery) -> Delivery:
    locked = (
        Delivery.objects.select_for_update(of=("self",))
        .select_related(
            "order__campaign__groupement", "order__commitment", "partner", "buyer", "site"
        )
        .filter(pk=delivery.pk)
        .first()
    )
    if locked is None:
        raise NotFound(_("No such delivery."), code="delivery_not_found")
    return locked


def _require_partner(user: AbstractBaseUser, partner: Organisation, delivery: Delivery) -> None:
    if not is_member(user, partner) or not permissions.may_deliver(partner, delivery.order):
        raise PermissionDenied(
            _("Only the order's partner invoices its deliveries."), code="not_the_partner"
        )


def invoice_issue(*, delivery: Delivery, user: AbstractBaseUser, iban: str = "") -> Invoice:
    """The partner invoices ``delivery``'s admitted devices (module docstring); ``iban`` is
    where to pay, when given. 403 for anyone but the partner's members; 409 for a delivery
    not admitted, or invoiced already (and not cancelled); 400 for an invoice EN 16931 would
    refuse (a bad IBAN, say), nothing changed."""
    iban = (iban or "").replace(" ", "").upper()
    with transaction.atomic(durable=True):
        locked = _locked_delivery(delivery)
        _require_partner(user, locked.partner, locked)
        if locked.state != DeliveryState.ADMITTED:
            raise TransitionNotAllowed(
                _("Only an admitted delivery is invoiced: this one is %(state)s.")
                % {"state": locked.get_state_display().lower()},
                code="delivery_not_admitted",
            )
        if Invoice.objects.filter(delivery=locked, state="issued").exists():
            raise TransitionNotAllowed(
                _("This delivery is invoiced already: cancel the invoice by a credit note first."),
                code="delivery_invoiced",
            )
        items = list(
            DeliveryDevice.objects.filter(delivery=locked, outcome=DeliveryItemOutcome.ADMITTED)
            # A device refunded under warranty is no longer the buyer's to pay.
            .exclude(credit_note_items__isnull=False)
            .select_related("device", "line__offer")
            .order_by("line_id", "device__code")
        )
        if not items:
            raise TransitionNotAllowed(
                _(
                    "Every admitted device of this delivery is refunded: nothing is left to "
                    "invoice."
                ),
                code="delivery_refunded",
            )
        issued_on = timezone.localdate()
        admission = Admission.objects.get(
            delivery=locked,
            decision__in=[AdmissionDecision.ADMISSION, AdmissionDecision.REDUCTION],
        )
        content = invoice_content(locked, admission, items, issued_on=issued_on, iban=iban)
        totals = content.totals
        document = document_request(
            kind=DocumentKind.INVOICE,
            owner=locked.partner,
            counterpart=locked.buyer,
            title=_("Invoice to %(buyer)s") % {"buyer": locked.buyer.name},
            template=INVOICE_TEMPLATE,
            context={"delivery": locked.pk, "order": locked.order_id},
            created_by=user,
            device_codes=[item.device.code for item in items],
            facturx_invoice=content,
        )
        invoice = Invoice.objects.create(
            delivery=locked,
            partner=locked.partner,
            buyer=locked.buyer,
            document=document,
            issued_on=issued_on,
            due_on=content.due_date,
            total_excl_vat=totals.tax_basis_total,
            total_vat=totals.tax_total,
            total_incl_vat=totals.grand_total,
            created_by=user,
        )
        enqueue_on_commit(tasks.notify_invoice_issued, invoice.pk)
    return invoice


def credit_note_issue(*, invoice: Invoice, user: AbstractBaseUser, reason: str) -> CreditNote:
    """The partner cancels ``invoice`` by a credit note saying why: the same lines and
    amounts, type 381, naming the invoice. 403 for anyone but the partner's members; 409 for
    an invoice cancelled already."""
    reason = cancellation_reason(reason)
    with transaction.atomic(durable=True):
        locked = (
            Invoice.objects.select_for_update(of=("self",))
            .select_related("document", "partner", "buyer", "delivery__order")
            .filter(pk=invoice.pk)
            .first()
        )
        if locked is None:
            raise NotFound(_("No such invoice."), code="invoice_not_found")
        _require_partner(user, locked.partner, locked.delivery)
        if not can_proceed(locked.cancel):
            raise TransitionNotAllowed(
                _("This invoice is cancelled already."), code="invoice_cancelled"
            )
        original = invoice_from_context(locked.document.context[FACTURX_CONTEXT_KEY])
        issued_on = timezone.localdate()
        terms = _("Cancels invoice %(number)s: %(reason)s") % {
            "number": locked.document.number,
            "reason": reason,
        }
        device_codes = list(locked.document.device_links.values_list("device_code", flat=True))
        partials = list(
            CreditNote.objects.filter(invoice=locked, is_partial=True).select_related("document")
        )
        if partials:
            # Devices refunded already: the credit note cancels what is left of the invoice.
            remaining = _invoiced_items(locked).exclude(credit_note_items__isnull=False)
            remaining = list(remaining)
            if not remaining:
                raise TransitionNotAllowed(
                    _(
                        "Every device of this invoice is refunded already: nothing is left to "
                        "cancel."
                    ),
                    code="invoice_refunded",
                )
            content = _credit_content(
                original,
                remaining,
                allowances=_remaining_allowances(original, partials),
                invoice=locked,
                terms=terms,
            )
            device_codes = [item.device.code for item in remaining]
        else:
            content = dataclasses.replace(
                original,
                type_code=InvoiceTypeCode.CREDIT_NOTE,
                preceding_invoice=PrecedingInvoice(
                    number=locked.document.number, issue_date=locked.issued_on
                ),
                payment_terms=terms,
                due_date=None,
            )
        document = document_request(
            kind=DocumentKind.CREDIT_NOTE,
            owner=locked.partner,
            counterpart=locked.buyer,
            title=_("Credit note to %(buyer)s") % {"buyer": locked.buyer.name},
            template=INVOICE_TEMPLATE,
            context={"invoice": locked.pk, "delivery": locked.delivery_id},
            created_by=user,
            device_codes=device_codes,
            facturx_invoice=content,
        )
        locked.cancel()
        locked.save(update_fields=["state"])
        credit_note = CreditNote.objects.create(
            invoice=locked,
            reason=reason,
            document=document,
            issued_on=issued_on,
            created_by=user,
        )
        enqueue_on_commit(tasks.notify_invoice_issued, locked.pk)
    return credit_note


# --- Partial credit notes: some devices of an invoice refunded (a warranty return). ---


def _invoiced_items(invoice: Invoice):
    """The devices ``invoice`` bills: its delivery's admitted devices whose codes its
    document lists, with their line's offer, in the order of the lines and codes."""
    codes = invoice.document.device_links.values_list("device_code", flat=True)
    return (
        DeliveryDevice.objects.filter(
            delivery_id=invoice.delivery_id,
            outcome=DeliveryItemOutcome.ADMITTED,
            device__code__in=codes,
        )
        .select_related("device", "line__offer")
        .order_by("line_id", "device__code")
    )


def _allowances_by_rate(content: FacturxInvoice) -> dict[Decimal, Allowance]:
    return {allowance.vat_rate: allowance for allowance in content.allowances}


def _line_bases(content: FacturxInvoice) -> dict[Decimal, Decimal]:
    bases: dict[Decimal, Decimal] = defaultdict(lambda: ZERO)
    for line in content.lines:
        bases[line.vat_rate] += line.net_amount
    return dict(bases)


def refunded_allowances(
    original: FacturxInvoice, credited_bases: dict[Decimal, Decimal]
) -> list[Allowance]:
    """The share of ``original``'s réfaction that goes with the devices credited: at each VAT
    rate, the rate's allowance times the credited amount over the invoiced amount at that
    rate, rounded half-up to the cent."""
    invoiced = _line_bases(original)
    shares = []
    for rate, allowance in sorted(_allowances_by_rate(original).items(), reverse=True):
        credited = credited_bases.get(rate, ZERO)
        share = to_cent(allowance.amount * credited / invoiced[rate]) if credited else ZERO
        if share:
            shares.append(dataclasses.replace(allowance, amount=share))
    return shares


def _remaining_allowances(original: FacturxInvoice, partials: list[CreditNote]) -> list[Allowance]:
    """What is left of ``original``'s réfaction once the partial credit notes took theirs:
    a whole credit note after them cancels the rest, to the cent."""
    taken: dict[Decimal, Decimal] = defaultdict(lambda: ZERO)
    for note in partials:
        for allowance in invoice_from_context(
            note.document.context[FACTURX_CONTEXT_KEY]
        ).allowances:
            taken[allowance.vat_rate] += allowance.amount
    remaining = []
    for rate, allowance in sorted(_allowances_by_rate(original).items(), reverse=True):
        left = allowance.amount - taken[rate]
        if left > 0:
            remaining.append(dataclasses.replace(allowance, amount=left))
    return remaining


def _credit_content(
    original: FacturxInvoice,
    items: list[DeliveryDevice],
    *,
    allowances: list[Allowance],
    invoice: Invoice,
    terms: str,
) -> FacturxInvoice:
    lines, bases = device_lines(items)
    return dataclasses.replace(
        original,
        type_code=InvoiceTypeCode.CREDIT_NOTE,
        lines=tuple(lines),
        allowances=tuple(allowances),
        preceding_invoice=PrecedingInvoice(
            number=invoice.document.number, issue_date=invoice.issued_on
        ),
        payment_terms=terms,
        due_date=None,
        vat_exemption_reason=original.vat_exemption_reason if ZERO in bases else "",
    )


def partial_credit_note_issue(
    *, invoice: Invoice, items: list[DeliveryDevice], user: AbstractBaseUser, reason: str
) -> CreditNote:
    """A partial credit note of ``invoice`` (locked by the caller, who checked that ``user``
    acts for its partner): it refunds ``items``, devices the invoice bills and not refunded
    yet, at their invoiced price less their share of the réfaction (:func:`refunded_allowances`),
    VAT per rate; type 381, naming the invoice, which stays issued. Joins the caller's
    transaction; 409 for an invoice cancelled or a device not on it or refunded already."""
    reason = cancellation_reason(reason)
    with transaction.atomic():
        if invoice.state != InvoiceState.ISSUED:
            raise TransitionNotAllowed(
                _("Invoice %(number)s is cancelled: nothing on it is left to refund.")
                % {"number": invoice.document.number},
                code="invoice_cancelled",
            )
        billed = {item.pk for item in _invoiced_items(invoice)}
        refunded = set(
            CreditNoteDevice.objects.filter(delivery_item__in=[item.pk for item in items])
            .order_by()
            .values_list("delivery_item_id", flat=True)
        )
        for item in items:
            if item.pk not in billed or item.pk in refunded:
                raise TransitionNotAllowed(
                    _("Device %(code)s is not on invoice %(number)s, or is refunded already.")
                    % {"code": item.device.code, "number": invoice.document.number},
                    code="device_not_refundable",
                )
        original = invoice_from_context(invoice.document.context[FACTURX_CONTEXT_KEY])
        _lines, bases = device_lines(items)
        credited_before = set(
            CreditNoteDevice.objects.filter(delivery_item__in=billed)
            .order_by()
            .values_list("delivery_item_id", flat=True)
        )
        if billed <= credited_before | {item.pk for item in items}:
            # The last devices of the invoice: what is left of the réfaction, to the cent, so
            # that the credit notes add up to the invoice.
            previous = list(
                CreditNote.objects.filter(invoice=invoice, is_partial=True).select_related(
                    "document"
                )
            )
            allowances = _remaining_allowances(original, previous)
        else:
            allowances = refunded_allowances(original, bases)
        codes = ", ".join(sorted(item.device.code for item in items))
        content = _credit_content(
            original,
            items,
            allowances=allowances,
            invoice=invoice,
            terms=_("Refunds devices %(codes)s of invoice %(number)s: %(reason)s")
            % {"codes": codes, "number": invoice.document.number, "reason": reason},
        )
        document = document_request(
            kind=DocumentKind.CREDIT_NOTE,
            owner=invoice.partner,
            counterpart=invoice.buyer,
            title=_("Credit note to %(buyer)s") % {"buyer": invoice.buyer.name},
            template=INVOICE_TEMPLATE,
            context={"invoice": invoice.pk, "delivery": invoice.delivery_id, "partial": True},
            created_by=user,
            device_codes=[item.device.code for item in items],
            facturx_invoice=content,
        )
        credit_note = CreditNote.objects.create(
            invoice=invoice,
            is_partial=True,
            reason=reason,
            document=document,
            issued_on=timezone.localdate(),
            created_by=user,
        )
        CreditNoteDevice.objects.bulk_create(
            CreditNoteDevice(credit_note=credit_note, delivery_item=item) for item in items
        )
    return credit_note
