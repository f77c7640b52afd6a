"""The erasure API: import an nwipe log, request erasure certificates."""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from config.exceptions import ErrorSerializer, NotFound, ValidationFailed
from inventory.api.views import error_responses, flatten_errors
from reuse import selectors, services
from reuse.api.serializers import PartnerChoiceSerializer
from reuse.permissions import collecting_partner


def _optional(max_length: int) -> serializers.CharField:
    return serializers.CharField(
        max_length=max_length, required=False, allow_blank=True, default=""
    )


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


def _valid(serializer: serializers.Serializer) -> dict:
    if not serializer.is_valid():
        raise ValidationFailed(
            _("The data sent is invalid."), code="invalid", fields=flatten_errors(serializer.errors)
        )
    return serializer.validated_data


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
        data = _valid(NwipeImportRequestSerializer(data=request.data))
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
            "with the reason. The PDF is produced in the background: download it from the "
            "documents API once issued."
        ),
        request=ErasureCertificateRequestSerializer,
        responses={
            201: ErasureCertificateSerializer,
            **error_responses(400, 403),
            404: OpenApiResponse(ErrorSerializer, description="No such device."),
            409: OpenApiResponse(ErrorSerializer, description="An erasure is missing or failed."),
        },
    )
    def post(self, request: Request) -> Response:
        data = _valid(ErasureCertificateRequestSerializer(data=request.data))
        partner = collecting_partner(request.user, data.get("partner"))
        codes = sorted({code.strip().upper() for code in data["codes"]})
        devices = list(selectors.devices_by_codes(codes))
        missing = sorted(set(codes) - {device.code for device in devices})
        if missing:
            raise NotFound(
                _("No such device: %(codes)s.") % {"codes": ", ".join(missing)},
                code="device_not_found",
            )
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
