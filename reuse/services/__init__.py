"""The reuse loop's writes, one module per step: claims, collection, erasure, refurbishment and
recycling. Each change of a device runs a transition of the lifecycle through
:func:`inventory.services.device_transition`, which writes the device's event.
"""

from reuse.services.claims import (
    claims_expire_overdue,
    declaration_claim,
    device_release,
    devices_claim,
    site_claim,
)
from reuse.services.collection import collection_record
from reuse.services.erasures import (
    NwipeImportReport,
    device_erasure_status,
    erasure_batch_certificate_issue,
    erasure_certificate_issue,
    erasure_record_create,
    medium_add,
    nwipe_log_import,
)
from reuse.services.pickup import (
    pickup_cancel,
    pickup_confirm,
    pickup_counter_propose,
    pickup_propose,
)
from reuse.services.recycling import (
    device_recycling_missing,
    waste_record_create,
    waste_register_issue,
)
from reuse.services.refurbishment import (
    device_certify_ready,
    device_readiness_missing,
    diagnosis_record,
    grading_record,
    refurbishment_steps,
    repair_record,
)

__all__ = [
    "NwipeImportReport",
    "claims_expire_overdue",
    "collection_record",
    "declaration_claim",
    "device_certify_ready",
    "device_erasure_status",
    "device_readiness_missing",
    "device_recycling_missing",
    "device_release",
    "devices_claim",
    "diagnosis_record",
    "erasure_batch_certificate_issue",
    "erasure_certificate_issue",
    "erasure_record_create",
    "grading_record",
    "medium_add",
    "nwipe_log_import",
    "pickup_cancel",
    "pickup_confirm",
    "pickup_counter_propose",
    "pickup_propose",
    "refurbishment_steps",
    "repair_record",
    "site_claim",
    "waste_record_create",
    "waste_register_issue",
]
