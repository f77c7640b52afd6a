"""What an invoice or a credit note says, in plain data checked against EN 16931's rules, and
its totals.

Every amount is a ``Decimal`` in euros (a quantity may be an ``int``). A line's net amount is
its quantity times its net unit price, rounded half-up to the cent; a category and rate's VAT
is its basis times the rate, rounded half-up to the cent once per rate (EN 16931 BR-S-09),
never summed from rounded line VAT; the totals are sums of those cents (BR-CO-10 to BR-CO-16).
A credit note carries positive amounts: its type code says it is a credit.

The number and the date of issue are not part of the content: they are the document's, given
when the XML is built (:func:`documents.facturx.cii.invoice_xml`).
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from functools import cached_property
from typing import Any

from django.core.exceptions import ValidationError
from django.db import models
from django.utils import formats
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from common.errors import ValidationFailed
from organisations.validators import validate_siret

CENT = Decimal("0.01")
CURRENCY = "EUR"
# The rates of French VAT (CGI art. 278 to 281 nonies): standard, intermediate, reduced and
# special. EN 16931 carries any rate; an invoice of Boucle is French, so another is a mistake.
FRENCH_VAT_RATES = frozenset({Decimal("20"), Decimal("10"), Decimal("5.5"), Decimal("2.1")})
# Factur-X carries quantities and unit prices with at most four decimals (its section 4.4.1).
QUANTITY_DECIMALS = 4
PRICE_DECIMALS = 4

_COUNTRY_CODE = re.compile(r"[A-Z]{2}")
_FRENCH_POSTCODE = re.compile(r"\d{5}")
_UNIT_CODE = re.compile(r"[A-Z0-9]{2,3}")  # UN/ECE Recommendation 20: C62 one, H87 piece
_NOTE_SUBJECT_CODE = re.compile(r"[A-Z]{3}")  # UNTDID 4451: AAB, PMT, PMD, REG…
_ALLOWANCE_REASON_CODE = re.compile(r"\d{2,3}")  # UNTDID 5189: 95 discount…
_VAT_NUMBER = re.compile(r"[A-Z]{2}[0-9A-Z]{2,13}")
_FRENCH_VAT_NUMBER = re.compile(r"FR([0-9A-Z]{2})(\d{9})")
_IBAN = re.compile(r"[A-Z]{2}\d{2}[A-Z0-9]{11,30}")


class InvoiceTypeCode(models.TextChoices):
    """BT-3, from UNTDID 1001."""

    INVOICE = "380", gettext_lazy("Invoice")
    CREDIT_NOTE = "381", gettext_lazy("Credit note")


class VatCategory(models.TextChoices):
    """BT-151, BT-95 and BT-118, from UNTDID 5305: the categories a French seller uses."""

    STANDARD = "S", gettext_lazy("Subject to VAT")
    EXEMPT = "E", gettext_lazy("Exempt from VAT")


class PaymentMeansCode(models.TextChoices):
    """BT-81, from UNTDID 4461: how public bodies pay, by transfer."""

    CREDIT_TRANSFER = "30", gettext_lazy("Credit transfer")
    SEPA_CREDIT_TRANSFER = "58", gettext_lazy("SEPA credit transfer")


class InvalidInvoice(ValidationFailed):
    """An invoice that EN 16931 or Chorus Pro would refuse; ``fields`` says where."""

    default_code = "invalid_invoice"


def round_cent(value: Decimal) -> Decimal:
    """Rounded half-up to the cent, as EN 16931 rounds every amount."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def compact(identifier: str) -> str:
    """An identifier as the XML carries it: without spaces, in capitals (IBAN, VAT number)."""
    return "".join(identifier.split()).upper()


@dataclass(frozen=True)
class PostalAddress:
    """BG-5 and BG-8: a party's postal address."""

    line_one: str
    postcode: str
    city: str
    line_two: str = ""
    country_code: str = "FR"


@dataclass(frozen=True)
class Party:
    """The seller (BG-4) or the buyer (BG-7). The SIRET is the legal registration identifier
    (BT-30, BT-47, scheme 0002), by which Chorus Pro routes an invoice; the VAT number is
    BT-31 or BT-48."""

    name: str
    siret: str
    address: PostalAddress
    vat_number: str = ""


@dataclass(frozen=True)
class InvoiceLine:
    """BG-25: what is invoiced at one net unit price and one VAT category and rate."""

    identifier: str  # BT-126, unique in the invoice
    name: str  # BT-153
    quantity: Decimal | int  # BT-129, more than zero
    unit_price: Decimal  # BT-146, net of VAT
    vat_category: str  # BT-151, a VatCategory
    vat_rate: Decimal  # BT-152, in percent
    unit_code: str = "C62"  # BT-130, "one"
    seller_item_id: str = ""  # BT-155, the seller's reference (a device's code)
    description: str = ""  # BT-154

    @property
    def net_amount(self) -> Decimal:
        """BT-131: quantity times net unit price, rounded half-up to the cent."""
        return round_cent(Decimal(self.quantity) * Decimal(self.unit_price))


@dataclass(frozen=True)
class Allowance:
    """BG-20: an amount taken off the whole invoice, such as a réfaction (the price
    reduction a buyer decides on admission, CCAG 2021), under one VAT category and rate:
    a reduction over several rates is one allowance per rate."""

    amount: Decimal  # BT-92, excluding VAT
    reason: str  # BT-97
    vat_category: str  # BT-95
    vat_rate: Decimal  # BT-96
    reason_code: str = ""  # BT-98, UNTDID 5189 (95: discount)


@dataclass(frozen=True)
class PaymentMeans:
    """BG-16: a transfer, to the seller's IBAN (BT-84) when it is given."""

    code: str = PaymentMeansCode.CREDIT_TRANSFER
    iban: str = ""


@dataclass(frozen=True)
class PrecedingInvoice:
    """BG-3: the invoice a credit note cancels or corrects."""

    number: str  # BT-25
    issue_date: datetime.date | None = None  # BT-26


@dataclass(frozen=True)
class InvoiceNote:
    """BG-1: a free-text note, with its UNTDID 4451 subject (PMT, PMD, AAB…) when it has one."""

    text: str
    subject_code: str = ""


@dataclass(frozen=True)
class VatBreakdown:
    """BG-23: one VAT category and rate of the invoice."""

    category: str  # BT-118
    rate: Decimal  # BT-119
    basis: Decimal  # BT-116: its lines' net amounts less its allowances
    amount: Decimal  # BT-117: basis × rate, rounded half-up to the cent
    exemption_reason: str = ""  # BT-120, for the exempt category


@dataclass(frozen=True)
class InvoiceTotals:
    """BG-22, the document totals, in euros."""

    line_total: Decimal  # BT-106: sum of the lines' net amounts
    allowance_total: Decimal  # BT-107: sum of the allowances
    tax_basis_total: Decimal  # BT-109: line total less allowance total
    tax_total: Decimal  # BT-110: sum of the VAT of every category and rate
    grand_total: Decimal  # BT-112: tax basis total plus tax total
    due_payable: Decimal  # BT-115: grand total (nothing is paid in advance)
    vat_breakdown: tuple[VatBreakdown, ...]


@dataclass(frozen=True)
class Invoice:
    """An invoice or a credit note, checked when it is made against the rules of EN 16931
    and Chorus Pro that its content could break; :class:`InvalidInvoice` says which, field by
    field."""

    type_code: str  # BT-3, an InvoiceTypeCode
    seller: Party
    buyer: Party
    lines: tuple[InvoiceLine, ...]
    allowances: tuple[Allowance, ...] = ()
    currency: str = CURRENCY  # BT-5
    buyer_reference: str = ""  # BT-10: the buyer's Chorus Pro service code
    purchase_order_reference: str = ""  # BT-13: the buyer's engagement number
    contract_reference: str = ""  # BT-12: the public contract
    preceding_invoice: PrecedingInvoice | None = None  # BG-3, required on a credit note
    payment_terms: str = ""  # BT-20
    due_date: datetime.date | None = None  # BT-9
    payment_means: PaymentMeans | None = None  # BG-16
    vat_exemption_reason: str = ""  # BT-120, required when a line is exempt
    delivery_date: datetime.date | None = None  # BT-72: the admission, for a delivery
    notes: tuple[InvoiceNote, ...] = ()  # BG-1

    def __post_init__(self) -> None:
        for name in ("lines", "allowances", "notes"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        errors = invoice_errors(self)
        if errors:
            messages = dict.fromkeys(message for found in errors.values() for message in found)
            raise InvalidInvoice(" ".join(messages), fields=errors)

    @property
    def is_credit_note(self) -> bool:
        return self.type_code == InvoiceTypeCode.CREDIT_NOTE

    @cached_property
    def totals(self) -> InvoiceTotals:
        return invoice_totals(self)


def invoice_totals(invoice: Invoice) -> InvoiceTotals:
    """The VAT breakdown and the document totals of an invoice."""
    bases: dict[tuple[str, Decimal], Decimal] = defaultdict(lambda: Decimal("0.00"))
    for line in invoice.lines:
        bases[str(line.vat_category), Decimal(line.vat_rate)] += line.net_amount
    for allowance in invoice.allowances:
        bases[str(allowance.vat_category), Decimal(allowance.vat_rate)] -= Decimal(allowance.amount)
    breakdown = tuple(
        VatBreakdown(
            category=category,
            rate=rate,
            basis=basis,
            amount=round_cent(basis * rate / 100),
            exemption_reason=invoice.vat_exemption_reason if category == VatCategory.EXEMPT else "",
        )
        # Standard rates first, the highest first, then the exempt lines.
        for (category, rate), basis in sorted(
            bases.items(), key=lambda item: (item[0][0] != VatCategory.STANDARD, -item[0][1])
        )
    )
    line_total = sum((line.net_amount for line in invoice.lines), Decimal("0.00"))
    allowance_total = sum(
        (Decimal(allowance.amount) for allowance in invoice.allowances), Decimal("0.00")
    )
    tax_basis_total = line_total - allowance_total
    tax_total = sum((vat.amount for vat in breakdown), Decimal("0.00"))
    grand_total = tax_basis_total + tax_total
    return InvoiceTotals(
        line_total=line_total,
        allowance_total=allowance_total,
        tax_basis_total=tax_basis_total,
        tax_total=tax_total,
        grand_total=grand_total,
        due_payable=grand_total,
        vat_breakdown=breakdown,
    )


# Checks -------------------------------------------------------------------------------------

Refuse = Callable[[str, str], None]


def invoice_errors(invoice: Invoice) -> dict[str, list[str]]:
    """What keeps the invoice from being a valid EN 16931 invoice for Chorus Pro, by field
    (``lines[2].quantity``); empty when nothing does."""
    errors: dict[str, list[str]] = defaultdict(list)

    def refuse(path: str, message: str) -> None:
        errors[path].append(message)

    if invoice.type_code not in InvoiceTypeCode.values:
        refuse("type_code", _("An invoice's type is 380 (invoice) or 381 (credit note)."))
    if invoice.currency != CURRENCY:
        refuse("currency", _("Invoices are in euros (EUR)."))
    _check_party(refuse, "seller", invoice.seller)
    _check_party(refuse, "buyer", invoice.buyer)
    if isinstance(invoice.seller, Party) and not invoice.seller.vat_number.strip():
        # BR-S-02 and BR-E-02: a line subject to VAT or exempt from it needs the seller's.
        refuse("seller.vat_number", _("The seller's VAT number is required on an invoice."))

    if not invoice.lines:
        refuse("lines", _("An invoice has at least one line."))
    identifiers: set[str] = set()
    for index, line in enumerate(invoice.lines):
        _check_line(refuse, f"lines[{index}]", line, identifiers)
    rates_invoiced = {
        (str(line.vat_category), _decimal(line.vat_rate))
        for line in invoice.lines
        if isinstance(line, InvoiceLine)
    }
    for index, allowance in enumerate(invoice.allowances):
        _check_allowance(refuse, f"allowances[{index}]", allowance, rates_invoiced)

    categories = {category for category, _rate in rates_invoiced}
    if VatCategory.EXEMPT in categories and not invoice.vat_exemption_reason.strip():
        # BR-E-10: the exempt breakdown states why, such as « TVA non applicable, art. 293 B
        # du CGI ».
        refuse(
            "vat_exemption_reason",
            _("An invoice with lines exempt from VAT states the reason for the exemption."),
        )
    _check_references(refuse, invoice)
    _check_payment(refuse, invoice)
    for index, note in enumerate(invoice.notes):
        if not isinstance(note, InvoiceNote) or not note.text.strip():
            refuse(f"notes[{index}].text", _("A note has a text."))
        elif note.subject_code and not _NOTE_SUBJECT_CODE.fullmatch(note.subject_code):
            refuse(
                f"notes[{index}].subject_code",
                _("A note's subject is a code of three capital letters, such as PMT."),
            )

    if not errors:  # every amount is sound: the totals can be checked
        totals = invoice_totals(invoice)
        for vat in totals.vat_breakdown:
            if vat.basis < 0:
                refuse(
                    "allowances",
                    _("The allowances at %(rate)s %% VAT exceed the lines invoiced at that rate.")
                    % {"rate": formats.number_format(Decimal(number_text(vat.rate)))},
                )
        if totals.due_payable > 0 and not (invoice.due_date or invoice.payment_terms.strip()):
            # BR-CO-25
            refuse(
                "payment_terms",
                _("An invoice with an amount due gives its due date or its payment terms."),
            )
    return dict(errors)


def _check_party(refuse: Refuse, path: str, party: Any) -> None:
    if not isinstance(party, Party):
        refuse(path, _("A party has a name, a SIRET and an address."))
        return
    if not party.name.strip():
        refuse(f"{path}.name", _("A party has a name."))
    if not party.siret.strip():
        refuse(
            f"{path}.siret",
            _("A SIRET is required: Chorus Pro identifies both parties by it."),
        )
    else:
        try:
            validate_siret(party.siret)
        except ValidationError as error:
            refuse(f"{path}.siret", " ".join(error.messages))
    if party.vat_number and not _valid_vat_number(compact(party.vat_number)):
        refuse(f"{path}.vat_number", _("This VAT number is not valid."))
    address = party.address
    if not isinstance(address, PostalAddress):
        refuse(f"{path}.address", _("A party has a postal address."))
        return
    if not address.line_one.strip():
        refuse(f"{path}.address.line_one", _("An address gives its street."))
    if not address.city.strip():
        refuse(f"{path}.address.city", _("An address gives its town."))
    if not _COUNTRY_CODE.fullmatch(address.country_code):
        refuse(
            f"{path}.address.country_code",
            _("A country is given by its two-letter ISO code, such as FR."),
        )
    elif address.country_code == "FR" and not _FRENCH_POSTCODE.fullmatch(address.postcode):
        refuse(f"{path}.address.postcode", _("A French postcode has five digits."))


def _check_line(refuse: Refuse, path: str, line: Any, identifiers: set[str]) -> None:
    if not isinstance(line, InvoiceLine):
        refuse(path, _("This is not an invoice line."))
        return
    if not line.identifier.strip():
        refuse(f"{path}.identifier", _("An invoice line has an identifier."))
    elif line.identifier in identifiers:
        refuse(f"{path}.identifier", _("Two invoice lines have the same identifier."))
    identifiers.add(line.identifier)
    if not line.name.strip():
        refuse(f"{path}.name", _("An invoice line names what it invoices."))
    quantity = _decimal(line.quantity)
    if quantity is None or quantity <= 0 or not _has_decimals(quantity, QUANTITY_DECIMALS):
        refuse(
            f"{path}.quantity",
            _("A quantity is a number more than zero, with at most four decimals."),
        )
    unit_price = _decimal(line.unit_price)
    if unit_price is None or unit_price < 0 or not _has_decimals(unit_price, PRICE_DECIMALS):
        refuse(
            f"{path}.unit_price",
            _("A unit price is an amount of zero or more, with at most four decimals."),
        )
    if not _UNIT_CODE.fullmatch(line.unit_code):
        refuse(f"{path}.unit_code", _("A unit is a UN/ECE code, such as C62 for one."))
    _check_vat(refuse, path, line.vat_category, line.vat_rate)


def _check_allowance(
    refuse: Refuse, path: str, allowance: Any, rates_invoiced: set[tuple[str, Decimal | None]]
) -> None:
    if not isinstance(allowance, Allowance):
        refuse(path, _("This is not an allowance."))
        return
    amount = _decimal(allowance.amount)
    if amount is None or amount <= 0 or not _has_decimals(amount, 2):
        refuse(f"{path}.amount", _("An allowance is an amount more than zero, in cents."))
    if not allowance.reason.strip():
        refuse(f"{path}.reason", _("An allowance states its reason."))
    if allowance.reason_code and not _ALLOWANCE_REASON_CODE.fullmatch(allowance.reason_code):
        refuse(f"{path}.reason_code", _("An allowance's reason code is a UNTDID 5189 code."))
    if _check_vat(refuse, path, allowance.vat_category, allowance.vat_rate) and (
        (str(allowance.vat_category), _decimal(allowance.vat_rate)) not in rates_invoiced
    ):
        refuse(
            f"{path}.vat_rate",
            _("An allowance is at the VAT category and rate of lines of the invoice."),
        )


def _check_vat(refuse: Refuse, path: str, category: Any, rate: Any) -> bool:
    """Whether the category and rate go together; refused with the reason when not."""
    value = _decimal(rate)
    if category not in VatCategory.values:
        refuse(
            f"{path}.vat_category",
            _("The VAT category is S (subject to VAT) or E (exempt from VAT)."),
        )
        return False
    if category == VatCategory.STANDARD and value not in FRENCH_VAT_RATES:
        refuse(
            f"{path}.vat_rate",
            _("A VAT rate is one of France's: 20, 10, 5.5 or 2.1 percent."),
        )
        return False
    if category == VatCategory.EXEMPT and value != 0:
        refuse(f"{path}.vat_rate", _("The VAT rate of an exempt line is zero."))
        return False
    return True


def _check_references(refuse: Refuse, invoice: Invoice) -> None:
    preceding = invoice.preceding_invoice
    if preceding is None:
        if invoice.type_code == InvoiceTypeCode.CREDIT_NOTE:
            refuse("preceding_invoice", _("A credit note names the invoice it cancels."))
    elif not isinstance(preceding, PrecedingInvoice) or not preceding.number.strip():
        refuse("preceding_invoice.number", _("A preceding invoice is named by its number."))
    elif preceding.issue_date is not None and not isinstance(preceding.issue_date, datetime.date):
        refuse("preceding_invoice.issue_date", _("This is not a date."))
    for name in ("due_date", "delivery_date"):
        value = getattr(invoice, name)
        if value is not None and not isinstance(value, datetime.date):
            refuse(name, _("This is not a date."))


def _check_payment(refuse: Refuse, invoice: Invoice) -> None:
    means = invoice.payment_means
    if means is None:
        return
    if not isinstance(means, PaymentMeans) or means.code not in PaymentMeansCode.values:
        refuse(
            "payment_means.code",
            _("Payment is by credit transfer (30) or SEPA credit transfer (58)."),
        )
        return
    if means.iban and not _valid_iban(compact(means.iban)):
        refuse("payment_means.iban", _("This IBAN is not valid."))
    elif not means.iban and means.code == PaymentMeansCode.SEPA_CREDIT_TRANSFER:
        refuse("payment_means.iban", _("A SEPA credit transfer gives the seller's IBAN."))


def _decimal(value: Any) -> Decimal | None:
    """A finite ``Decimal`` or ``int`` as a ``Decimal``; ``None`` for anything else (a float
    carries binary rounding errors into amounts)."""
    if isinstance(value, bool) or not isinstance(value, Decimal | int):
        return None
    value = Decimal(value)
    return value if value.is_finite() else None


def _has_decimals(value: Decimal, places: int) -> bool:
    return value == value.quantize(Decimal(1).scaleb(-places))


def _valid_vat_number(number: str) -> bool:
    if not _VAT_NUMBER.fullmatch(number):
        return False
    french = _FRENCH_VAT_NUMBER.fullmatch(number)
    if number.startswith("FR") and french is None:
        return False
    if french is not None and french.group(1).isdigit():
        # The French key: (12 + 3 × (SIREN mod 97)) mod 97.
        return int(french.group(1)) == (12 + 3 * (int(french.group(2)) % 97)) % 97
    return True


def _valid_iban(iban: str) -> bool:
    """ISO 13616: the account moved after the country and key, letters as numbers, mod 97."""
    if not _IBAN.fullmatch(iban):
        return False
    rearranged = iban[4:] + iban[:4]
    return int("".join(str(int(char, 36)) for char in rearranged)) % 97 == 1


# Amounts as the XML and the context write them -----------------------------------------


def amount_text(value: Decimal | int) -> str:
    return f"{Decimal(value):.2f}"


def price_text(value: Decimal | int) -> str:
    """A unit price with its cents, and up to four decimals when it has them."""
    value = Decimal(value)
    return amount_text(value) if _has_decimals(value, 2) else number_text(value)


def number_text(value: Decimal | int) -> str:
    """A number without exponent or trailing zeros: 20, 5.5."""
    return format(Decimal(value).normalize(), "f")
