"""The kinds of documents Boucle issues, and the states of a document."""

from django.db import models
from django.utils.translation import gettext_lazy as _


class DocumentKind(models.TextChoices):
    """DESIGN.md's documents; each has the prefix of its number (``BL-2026-000123``)."""

    COLLECTION_NOTE = "collection_note", _("Collection note")
    ERASURE_CERTIFICATE = "erasure_certificate", _("Erasure certificate")
    ERASURE_BATCH_CERTIFICATE = "erasure_batch_certificate", _("Batch erasure certificate")
    WASTE_REGISTER = "waste_register", _("Waste register")
    PURCHASE_ORDER = "purchase_order", _("Purchase order")
    DELIVERY_NOTE = "delivery_note", _("Delivery note")
    ADMISSION_RECORD = "admission_record", _("Admission record")
    INVOICE = "invoice", _("Invoice")
    CREDIT_NOTE = "credit_note", _("Credit note")
    DONATION_AGREEMENT = "donation_agreement", _("Donation agreement")
    LABEL_SHEET = "label_sheet", _("Label sheet")
    IMPACT_REPORT = "impact_report", _("Impact report")


# The prefix of each kind's numbers, from the French names the communes file them under.
NUMBER_PREFIXES: dict[str, str] = {
    DocumentKind.COLLECTION_NOTE: "BE",  # bon d'enlèvement
    DocumentKind.ERASURE_CERTIFICATE: "CE",  # certificat d'effacement
    DocumentKind.ERASURE_BATCH_CERTIFICATE: "CEL",  # certificat d'effacement par lot
    DocumentKind.WASTE_REGISTER: "RD",  # registre des déchets
    DocumentKind.PURCHASE_ORDER: "BC",  # bon de commande
    DocumentKind.DELIVERY_NOTE: "BL",  # bon de livraison
    DocumentKind.ADMISSION_RECORD: "PV",  # procès-verbal d'admission
    DocumentKind.INVOICE: "FA",  # facture
    DocumentKind.CREDIT_NOTE: "AV",  # avoir
    DocumentKind.DONATION_AGREEMENT: "CD",  # convention de cession (de don)
    DocumentKind.LABEL_SHEET: "ET",  # étiquettes
    DocumentKind.IMPACT_REPORT: "RI",  # rapport d'impact
}


class DocumentState(models.TextChoices):
    PENDING = "pending", _("Being produced")
    ISSUED = "issued", _("Issued")
    FAILED = "failed", _("Production failed")
