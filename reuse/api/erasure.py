"""The erasure API: a device's storage media and their erasure records (NIST SP 800-88),
recorded by hand or imported from an nwipe log, and erasure certificates.

Whoever may see a device reads its media and records (the inventory's visibility rule: its
commune, its holder, the territory); others get 404. Only the partner holding the device
records media and erasures, while it is collected or in refurbishment: the services refuse
others (403) and other states (409).
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common import limits
from common.api import error_responses
from common.errors import ErrorSerializer, NotFound
from common.parsers import FormParser, JSONParser, MultiPartParser
from inventory.api.lookups import visible_device
from inventory.models import Device
from inventory.permissions import can_view_device
from organisations.permissions import organisations_of
from reuse import selectors, services
from reuse.api.common import held_devices_for_codes, validated
from reuse.api.serializers import PartnerChoiceSerializer
from reuse.choices import ErasureResult, MediumType, SanitisationLevel
from reuse.models import ErasureRecord, StorageMedium
from reuse.permissions import collecting_partner

_409 = OpenApiResponse(
    ErrorSerializer,
    description="The device is not collected or in refurbishment: it cannot be erased now.",
)
_403 = OpenApiResponse(
    ErrorSerializer,
    description="Your partner does not hold the device, or you belong to no partner.",
)
_404_MEDIUM = OpenApiResponse(
    ErrorSerializer, description="No such medium, or not of a device your organisations see."
)


def _record_length(name: str) -> int:
    return limits.max_length(ErasureRecord, name)


def _optional(max_length: int) -> serializers.CharField:
    return serializers.CharField(
        max_length=max_length, required=False, allow_blank=True, default=""
    )


class ErasureRecordSerializer(PartnerChoiceSerializer):
    id = serializers.IntegerField(read_only=True)
    medium = serializers.IntegerField(source="medium_id", read_only=True)
    device = serializers.CharField(source="medium.device.code", read_only=True)
    level = serializers.ChoiceField(
        choices=SanitisationLevel.choices, help_text=gettext_lazy("The NIST SP 800-88 level.")
    )
    method = serializers.CharField(
        max_length=_record_length("method"),
        help_text=gettext_lazy("E.g. overwrite, cryptographic erase."),
    )
    tool = serializers.CharField(max_length=_record_length("tool"))
    tool_version = _optional(_record_length("tool_version"))
    verification_method = serializers.CharField(max_length=_record_length("verification_method"))
    result = serializers.ChoiceField(choices=ErasureResult.choices)
    operator_name = serializers.CharField(
        max_length=_record_length("operator_name"),
        help_text=gettext_lazy("Who sanitised the medium."),
    )
    operator_title = serializers.CharField(max_length=_record_length("operator_title"))
    verifier_name = serializers.CharField(
        max_length=_record_length("verifier_name"),
        help_text=gettext_lazy("Who verified the sanitisation."),
    )
    verifier_title = serializers.CharField(max_length=_record_length("verifier_title"))
    started_at = serializers.DateTimeField()
    finished_at = serializers.DateTimeField(
        help_text=gettext_lazy("Not before `started_at`, never in the future.")
    )
    location = serializers.CharField(max_length=_record_length("location"))
    destination = serializers.CharField(
        max_length=_record_length("destination"),
        help_text=gettext_lazy("Where the medium goes after sanitisation (reuse, recycling…)."),
    )
    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    evidence = serializers.FileField(
        required=False,
        write_only=True,
        help_text=gettext_lazy(
            "A log or report of the erasure (multipart only); kept with its SHA-256."
        ),
    )
    evidence_sha256 = serializers.CharField(
        read_only=True,
        help_text=gettext_lazy("The SHA-256 of the evidence file; blank without one."),
    )
    created_at = serializers.DateTimeField(read_only=True)


class StorageMediumSerializer(PartnerChoiceSerializer):
    id = serializers.IntegerField(read_only=True)
    device = serializers.CharField(source="device.code", read_only=True)
    type = serializers.ChoiceField(choices=MediumType.choices)
    model = _optional(limits.max_length(StorageMedium, "model"))
    serial = serializers.CharField(
        max_length=limits.max_length(StorageMedium, "serial"),
        required=False,
        allow_blank=True,
        default="",
        help_text=gettext_lazy("The medium's own serial number, as an nwipe log names it."),
    )
    capacity_gb = serializers.IntegerField(
        required=False,
        allow_null=True,
        default=None,
        min_value=0,
        # A medium holds at most what a device does.
        max_value=limits.max_value(Device, "storage_gb"),
    )
    created_at = serializers.DateTimeField(read_only=True)
    latest_erasure = serializers.SerializerMethodField(
        help_text=gettext_lazy(
            "The latest erasure record, the one that counts (its level, result and "
            "finished_at); null when none was recorded."
        )
    )

    @extend_schema_field(ErasureRecordSerializer(allow_null=True))
    def get_latest_erasure(self, medium: StorageMedium) -> dict | None:
        record = selectors.latest_erasure(medium)
        return None if record is None else ErasureRecordSerializer(record).data


class NwipeImportRequestSerializer(PartnerChoiceSerializer):
    log = serializers.FileField(help_text=gettext_lazy("The nwipe log file (text)."))
    operator_title = _optional(150)
    verifier_name = _optional(150)
    verifier_title = _optional(150)
    location = _optional(200)
    destination = _optional(200)


class ImportedRecordSerializer(serializers.Serializer):
    device = serializers.CharField(help_text=gettext_lazy("The device's code."))
    medium_serial = serializers.CharField()
    result = serializers.CharField()


class UnmatchedDriveSerializer(serializers.Serializer):
    drive = serializers.CharField(help_text=gettext_lazy("The drive in the log (sda…)."))
    model = serializers.CharField()
    serial = serializers.CharField()
    status = serializers.CharField()


class NwipeImportReportSerializer(serializers.Serializer):
    created = ImportedRecordSerializer(many=True, help_text=gettext_lazy("Passed erasures."))
    failed = ImportedRecordSerializer(many=True, help_text=gettext_lazy("Failed erasures."))
    unmatched = UnmatchedDriveSerializer(
        many=True, help_text=gettext_lazy("Drives matched to no device your partner holds.")
    )
    evidence_sha256 = serializers.CharField()


class ErasureCertificateRequestSerializer(PartnerChoiceSerializer):
    codes = serializers.ListField(
        child=serializers.CharField(max_length=20),
        min_length=1,
        max_length=5000,
        help_text=gettext_lazy(
            "Codes of devices your partner holds; one code gives a device certificate, "
            "several a batch certificate."
        ),
    )


class ErasureCertificateSerializer(serializers.Serializer):
    number = serializers.CharField()
    kind = serializers.CharField()
    state = serializers.CharField()
    download = serializers.CharField()


def _visible_medium(request: Request, pk: int) -> StorageMedium:
    """A medium of a device the user's organisations may see; 404 for any other, as for a
    medium that does not exist."""
    medium = selectors.medium_by_id(pk)
    if medium is None or not can_view_device(organisations_of(request.user), medium.device):
        raise NotFound(_("No such storage medium."), code="medium_not_found")
    return medium


@extend_schema(tags=["erasure"])
class DeviceMediaView(APIView):
    """GET lists a device's storage media; POST records one (the holding partner only)."""

    @extend_schema(
        summary="List a device's storage media, with each one's latest erasure",
        description=(
            "In the order recorded; to whoever may see the device (its commune, its holder, "
            "the territory). `latest_erasure` is the record that counts for the certificate "
            "and for `ready`."
        ),
        responses={200: StorageMediumSerializer(many=True), **error_responses(404)},
    )
    def get(self, request: Request, code: str) -> Response:
        device = visible_device(request, code)
        return Response(StorageMediumSerializer(selectors.device_media(device), many=True).data)

    @extend_schema(
        summary="Record a storage medium of a device your partner holds",
        description=(
            "The device must be `collected` or `in_refurbishment` and held by your partner "
            "(send `partner` only if you belong to several). Every medium of a data-bearing "
            "device needs a passed erasure before its certificate and `ready`."
        ),
        request=StorageMediumSerializer,
        responses={
            201: StorageMediumSerializer,
            **error_responses(400, 404),
            403: _403,
            409: _409,
        },
    )
    def post(self, request: Request, code: str) -> Response:
        device = visible_device(request, code)
        data = validated(StorageMediumSerializer(data=request.data))
        partner = collecting_partner(request.user, data.get("partner"))
        medium = services.medium_add(
            partner=partner,
            user=request.user,
            device=device,
            type=data["type"],
            model=data["model"],
            serial=data["serial"],
            capacity_gb=data["capacity_gb"],
        )
        return Response(StorageMediumSerializer(medium).data, status=status.HTTP_201_CREATED)


@extend_schema(tags=["erasure"])
class MediumErasuresView(APIView):
    """GET lists a medium's erasure records; POST records one (the holding partner only)."""

    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(
        summary="List a storage medium's erasure records, newest first",
        description="The first is the one that counts. To whoever may see the device.",
        responses={200: ErasureRecordSerializer(many=True), 404: _404_MEDIUM},
    )
    def get(self, request: Request, pk: int) -> Response:
        medium = _visible_medium(request, pk)
        return Response(ErasureRecordSerializer(selectors.medium_erasures(medium), many=True).data)

    @extend_schema(
        summary="Record an erasure of a storage medium (NIST SP 800-88)",
        description=(
            "Every field of NIST SP 800-88's certificate: level, method, tool, verification, "
            "result, who sanitised and who verified (names and titles), when, where, and the "
            "destination. Send the evidence file (a log or report) as multipart: it is kept "
            "with its SHA-256, returned as `evidence_sha256`. The device must be `collected` "
            "or `in_refurbishment` and held by your partner; records are never changed, a new "
            "one supersedes them."
        ),
        request=ErasureRecordSerializer,
        responses={
            201: ErasureRecordSerializer,
            **error_responses(400),
            403: _403,
            404: _404_MEDIUM,
            409: _409,
        },
    )
    def post(self, request: Request, pk: int) -> Response:
        medium = _visible_medium(request, pk)
        data = dict(validated(ErasureRecordSerializer(data=request.data)))
        partner = collecting_partner(request.user, data.pop("partner", None))
        record: ErasureRecord = services.erasure_record_create(
            partner=partner, user=request.user, medium=medium, **data
        )
        return Response(ErasureRecordSerializer(record).data, status=status.HTTP_201_CREATED)


def _record_row(record) -> dict:
    return {
        "device": record.medium.device.code,
        "medium_serial": record.medium.serial,
        "result": record.result,
    }


class NwipeImportView(APIView):
    parser_classes = [MultiPartParser, FormParser]

    @extend_schema(
        tags=["erasure"],
        summary="Import an nwipe log",
        description=(
            "Each drive of the log's Drive Status table is matched to a device your partner "
            "holds (collected or in refurbishment) by the drive's serial or the log's system "
            "serial; `Erased` drives are recorded as passed, `-FAILED-` ones as failed, and "
            "unmatched drives are listed. The log is kept as evidence with its SHA-256."
        ),
        request={"multipart/form-data": NwipeImportRequestSerializer},
        responses={201: NwipeImportReportSerializer, **error_responses(400, 403)},
    )
    def post(self, request: Request) -> Response:
        data = validated(NwipeImportRequestSerializer(data=request.data))
        partner = collecting_partner(request.user, data.get("partner"))
        report = services.nwipe_log_import(
            partner=partner,
            user=request.user,
            log_file=data["log"],
            operator_title=data["operator_title"],
            verifier_name=data["verifier_name"],
            verifier_title=data["verifier_title"],
            location=data["location"],
            destination=data["destination"],
        )
        body = {
            "created": [_record_row(record) for record in report.created],
            "failed": [_record_row(record) for record in report.failed],
            "unmatched": [
                {
                    "drive": drive.device,
                    "model": drive.model,
                    "serial": drive.serial,
                    "status": drive.status,
                }
                for drive in report.unmatched
            ],
            "evidence_sha256": report.evidence_sha256,
        }
        return Response(NwipeImportReportSerializer(body).data, status=status.HTTP_201_CREATED)


class ErasureCertificateView(APIView):
    @extend_schema(
        tags=["erasure"],
        summary="Request an erasure certificate",
        description=(
            "Every medium of every device must have a passed latest erasure record, else 409 "
            "with the reason. A code of no device and a code of a device another organisation "
            "holds get the same 404, so that codes cannot be probed. The PDF is produced in "
            "the background: download it from the documents API once issued."
        ),
        request=ErasureCertificateRequestSerializer,
        responses={
            201: ErasureCertificateSerializer,
            **error_responses(400, 403),
            404: OpenApiResponse(
                ErrorSerializer, description="No device your partner holds has one of the codes."
            ),
            409: OpenApiResponse(ErrorSerializer, description="An erasure is missing or failed."),
        },
    )
    def post(self, request: Request) -> Response:
        data = validated(ErasureCertificateRequestSerializer(data=request.data))
        partner = collecting_partner(request.user, data.get("partner"))
        devices = held_devices_for_codes(data["codes"], partner=partner)
        if len(devices) == 1:
            document = services.erasure_certificate_issue(
                partner=partner, user=request.user, device=devices[0]
            )
        else:
            document = services.erasure_batch_certificate_issue(
                partner=partner, user=request.user, devices=devices
            )
        body = {
            "number": document.number,
            "kind": document.kind,
            "state": document.state,
            "download": f"/api/v1/documents/{document.number}/download/",
        }
        return Response(ErasureCertificateSerializer(body).data, status=status.HTTP_201_CREATED)
