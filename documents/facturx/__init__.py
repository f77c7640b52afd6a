"""Factur-X invoices and credit notes: the content in plain data, its EN 16931 CII XML, and
the PDF/A-3 that carries the XML inside the readable invoice.

Independent of any model: the invoicing service describes an invoice with the dataclasses of
:mod:`documents.facturx.invoice`, and the documents pipeline (``document_request`` with
``facturx_invoice``) turns it into a numbered Factur-X PDF.
"""

from documents.facturx.cii import PROFILE_EN16931, check_issue_date, invoice_xml
from documents.facturx.context import invoice_context, invoice_from_context
from documents.facturx.invoice import (
    FRENCH_VAT_RATES,
    Allowance,
    InvalidInvoice,
    Invoice,
    InvoiceLine,
    InvoiceNote,
    InvoiceTotals,
    InvoiceTypeCode,
    Party,
    PaymentMeans,
    PaymentMeansCode,
    PostalAddress,
    PrecedingInvoice,
    VatBreakdown,
    VatCategory,
)
from documents.facturx.pdf import PDF_VARIANT, facturx_pdf

__all__ = [
    "FRENCH_VAT_RATES",
    "PDF_VARIANT",
    "PROFILE_EN16931",
    "Allowance",
    "InvalidInvoice",
    "Invoice",
    "InvoiceLine",
    "InvoiceNote",
    "InvoiceTotals",
    "InvoiceTypeCode",
    "Party",
    "PaymentMeans",
    "PaymentMeansCode",
    "PostalAddress",
    "PrecedingInvoice",
    "VatBreakdown",
    "VatCategory",
    "check_issue_date",
    "facturx_pdf",
    "invoice_context",
    "invoice_from_context",
    "invoice_xml",
]
