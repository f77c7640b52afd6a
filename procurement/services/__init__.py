"""Group purchasing's writes, one module per subject: the groupement, offers and their stock,
campaigns, commitments, the closing (allocation and orders), orders, their deliveries and
admissions, their invoices and credit notes, and the warranty returns of delivered devices.
Each takes keyword-only arguments, checks who acts, runs in one durable transaction and queues its
e-mails once it commits.
"""

from procurement.services.campaigns import (
    campaign_cancel,
    campaign_complete,
    campaign_create,
    campaign_open,
    campaign_update,
    campaigns_remind_closing,
)
from procurement.services.closing import campaign_close, campaigns_close_due
from procurement.services.commitments import commitment_submit, commitment_withdraw
from procurement.services.deliveries import delivery_decide, delivery_prepare
from procurement.services.groupements import (
    groupement_create,
    groupement_member_add,
    groupement_member_remove,
    groupement_member_update,
    groupement_update,
)
from procurement.services.invoices import credit_note_issue, invoice_issue
from procurement.services.offers import (
    OFFER_FIELDS,
    offer_create,
    offer_deactivate,
    offer_stock_add,
    offer_stock_remove,
    offer_update,
)
from procurement.services.orders import order_cancel
from procurement.services.returns import return_report, return_settle

__all__ = [
    "OFFER_FIELDS",
    "campaign_cancel",
    "campaign_close",
    "campaign_complete",
    "campaign_create",
    "campaign_open",
    "campaign_update",
    "campaigns_close_due",
    "campaigns_remind_closing",
    "commitment_submit",
    "commitment_withdraw",
    "credit_note_issue",
    "delivery_decide",
    "delivery_prepare",
    "groupement_create",
    "groupement_member_add",
    "groupement_member_remove",
    "groupement_member_update",
    "groupement_update",
    "invoice_issue",
    "offer_create",
    "offer_deactivate",
    "offer_stock_add",
    "offer_stock_remove",
    "offer_update",
    "order_cancel",
    "return_report",
    "return_settle",
]
