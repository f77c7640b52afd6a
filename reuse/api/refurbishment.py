"""The refurbishment API of one device: its diagnoses, repairs and gradings.

Each is a collection under the device, ``/api/v1/devices/{code}/diagnoses/`` (and
``repairs/``, ``gradings/``): GET lists the records, newest first, to whoever may see the
device; POST adds one, for the organisation holding the device. Recording a diagnosis of a
collected device found working or repairable starts its refurbishment (the lifecycle's
``diagnose``). Records name the organisation that made them, never the person.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema
from rest_framework import serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from common import limits
from common.api import error_responses
from common.errors import ErrorSerializer, PermissionDenied
from inventory.api.lookups import device_response, visible_device
from inventory.api.serializers import DeviceSerializer
from inventory.models import Device
from organisations.models import Organisation
from organisations.permissions import membership_in
from reuse import services
from reuse.api.common import validated
from reuse.choices import CheckResult, DiagnosisResult, Grade
from reuse.models import Diagnosis, Grading, Repair
from reuse.selectors import refurbishment_history

_409 = OpenApiResponse(
    ErrorSerializer, description="The device's state does not allow this record."
)


class DiagnosisItemSerializer(serializers.Serializer):
    check = serializers.CharField(
        max_length=40, help_text=gettext_lazy("A check of the device category's checklist.")
    )
    result = serializers.ChoiceField(choices=CheckResult.choices)
    note = serializers.CharField(required=False, allow_blank=True, max_length=500, default="")


class DiagnosisSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    device = serializers.CharField(source="device.code", read_only=True)
    organisation = serializers.CharField(source="organisation.slug", read_only=True)
    items = DiagnosisItemSerializer(
        many=True,
        help_text=gettext_lazy(
            "Every check of the device category's checklist, once, with its result."
        ),
    )
    result = serializers.ChoiceField(choices=DiagnosisResult.choices)
    battery_health = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=0,
        max_value=limits.max_value(Diagnosis, "battery_health"),
        help_text=gettext_lazy("In percent; laptops, tablets and smartphones only."),
    )
    storage_health = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=0,
        max_value=limits.max_value(Diagnosis, "storage_health"),
        help_text=gettext_lazy("In percent."),
    )
    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    diagnosed_on = serializers.DateField(
        required=False, help_text=gettext_lazy("Today when not given; never in the future.")
    )
    device_state = serializers.CharField(source="device.state", read_only=True)


class RepairSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    device = serializers.CharField(source="device.code", read_only=True)
    organisation = serializers.CharField(source="organisation.slug", read_only=True)
    parts = serializers.ListField(
        child=serializers.CharField(max_length=200),
        required=False,
        default=list,
        max_length=50,
        help_text=gettext_lazy("The parts replaced."),
    )
    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    cost = serializers.DecimalField(
        max_digits=limits.max_digits(Repair, "cost"),
        decimal_places=limits.decimal_places(Repair, "cost"),
        min_value=0,
        required=False,
        default="0.00",
        help_text=gettext_lazy("In euros."),
    )
    repaired_on = serializers.DateField(required=False)


class GradingSerializer(serializers.Serializer):
    id = serializers.IntegerField(read_only=True)
    device = serializers.CharField(source="device.code", read_only=True)
    organisation = serializers.CharField(source="organisation.slug", read_only=True)
    grade = serializers.ChoiceField(
        choices=Grade.choices,
        help_text=gettext_lazy("The platform's cosmetic grade (see /reuse/grades/)."),
    )
    battery_health = serializers.IntegerField(
        required=False,
        allow_null=True,
        min_value=0,
        max_value=limits.max_value(Grading, "battery_health"),
    )
    notes = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")
    graded_on = serializers.DateField(required=False)


def _holder(user, device: Device) -> Organisation:
    """The holding organisation, when ``user`` belongs to it; otherwise refused (403)."""
    membership = membership_in(user, device.holder)
    if membership is None:
        raise PermissionDenied(
            _("Only the organisation holding the device records its refurbishment."),
            code="not_holder",
        )
    return membership.organisation


class _RefurbishmentRecordView(APIView):
    """GET lists the device's records of one kind; POST adds one (the holder only)."""

    serializer_class: type[serializers.Serializer]
    history_attribute: str

    def _device(self, code: str) -> Device:
        return visible_device(self.request, code)

    def _validated(self, request: Request) -> dict:
        return validated(self.serializer_class(data=request.data))

    def get(self, request: Request, code: str) -> Response:
        device = self._device(code)
        records = getattr(refurbishment_history(device), self.history_attribute)
        return Response(self.serializer_class(records, many=True).data)

    def _created(self, record) -> Response:
        record.device.refresh_from_db(fields=["state"])
        return Response(self.serializer_class(record).data, status=status.HTTP_201_CREATED)


_DESCRIPTION_READ = "Newest first; to whoever may see the device."


@extend_schema(tags=["refurbishment"])
class DeviceDiagnosesView(_RefurbishmentRecordView):
    serializer_class = DiagnosisSerializer
    history_attribute = "diagnoses"

    @extend_schema(
        summary="List a device's diagnoses",
        description=_DESCRIPTION_READ,
        responses={200: DiagnosisSerializer(many=True), **error_responses(404)},
    )
    def get(self, request: Request, code: str) -> Response:
        return super().get(request, code)

    @extend_schema(
        summary="Record a diagnosis of a device your organisation holds",
        description=(
            "The device must be `collected` or `in_refurbishment`. `items` holds every check "
            "of the category's checklist once (see the refurbishment page). A collected "
            "device found `works` or `needs_repair` becomes `in_refurbishment` (event "
            "`diagnosed`); one found `not_repairable` stays collected, bound for recycling."
        ),
        request=DiagnosisSerializer,
        responses={201: DiagnosisSerializer, **error_responses(400, 403, 404), 409: _409},
    )
    def post(self, request: Request, code: str) -> Response:
        device = self._device(code)
        organisation = _holder(request.user, device)
        data = self._validated(request)
        diagnosis = services.diagnosis_record(
            device=device,
            organisation=organisation,
            user=request.user,
            items=[dict(item) for item in data["items"]],
            result=data["result"],
            battery_health=data.get("battery_health"),
            storage_health=data.get("storage_health"),
            notes=data["notes"],
            diagnosed_on=data.get("diagnosed_on"),
        )
        return self._created(diagnosis)


@extend_schema(tags=["refurbishment"])
class DeviceRepairsView(_RefurbishmentRecordView):
    serializer_class = RepairSerializer
    history_attribute = "repairs"

    @extend_schema(
        summary="List a device's repairs",
        description=_DESCRIPTION_READ,
        responses={200: RepairSerializer(many=True), **error_responses(404)},
    )
    def get(self, request: Request, code: str) -> Response:
        return super().get(request, code)

    @extend_schema(
        summary="Record a repair of a device your organisation refurbishes",
        description=(
            "The device must be `in_refurbishment`. Name the parts replaced or describe the "
            "repair; the cost is in euros."
        ),
        request=RepairSerializer,
        responses={201: RepairSerializer, **error_responses(400, 403, 404), 409: _409},
    )
    def post(self, request: Request, code: str) -> Response:
        device = self._device(code)
        organisation = _holder(request.user, device)
        data = self._validated(request)
        repair = services.repair_record(
            device=device,
            organisation=organisation,
            user=request.user,
            parts=data["parts"],
            notes=data["notes"],
            cost=data["cost"],
            repaired_on=data.get("repaired_on"),
        )
        return self._created(repair)


@extend_schema(tags=["refurbishment"])
class DeviceGradingsView(_RefurbishmentRecordView):
    serializer_class = GradingSerializer
    history_attribute = "gradings"

    @extend_schema(
        summary="List a device's gradings (the first is its grade)",
        description=_DESCRIPTION_READ,
        responses={200: GradingSerializer(many=True), **error_responses(404)},
    )
    def get(self, request: Request, code: str) -> Response:
        return super().get(request, code)

    @extend_schema(
        summary="Grade a device your organisation refurbishes",
        description=(
            "The device must be `in_refurbishment`. The latest grading is the device's grade, "
            "on the platform's A/B/C scale (/reuse/grades/)."
        ),
        request=GradingSerializer,
        responses={201: GradingSerializer, **error_responses(400, 403, 404), 409: _409},
    )
    def post(self, request: Request, code: str) -> Response:
        device = self._device(code)
        organisation = _holder(request.user, device)
        data = self._validated(request)
        grading = services.grading_record(
            device=device,
            organisation=organisation,
            user=request.user,
            grade=data["grade"],
            battery_health=data.get("battery_health"),
            notes=data["notes"],
            graded_on=data.get("graded_on"),
        )
        return self._created(grading)


@extend_schema(tags=["refurbishment"])
class DeviceReadyView(APIView):
    """POST marks a device your organisation refurbishes as ``ready`` (in its stock)."""

    @extend_schema(
        summary="Mark a device your organisation refurbishes as ready",
        description=(
            "The device must be `in_refurbishment` and held by your organisation. It becomes "
            "`ready` (event `ready`) only when every storage medium of a data-bearing device "
            "has a passed latest erasure record (clear or purge) or was destroyed, the latest "
            "diagnosis found it `works` (or `needs_repair` with a repair recorded since) and "
            "it has a grade. Otherwise 409, whose message names every missing piece and "
            "whose code is the first: `not_erased`, `no_diagnosis`, `not_reusable`, "
            "`not_repaired` or `no_grade` (or `transition_not_allowed` for another state)."
        ),
        request=None,
        responses={
            200: DeviceSerializer,
            **error_responses(403, 404),
            409: OpenApiResponse(
                ErrorSerializer, description="The state, or a missing piece of evidence."
            ),
        },
    )
    def post(self, request: Request, code: str) -> Response:
        device = visible_device(request, code)
        organisation = _holder(request.user, device)
        services.device_certify_ready(device=device, partner=organisation, user=request.user)
        return device_response(request, device)
