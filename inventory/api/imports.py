"""The imports API (send a file of devices, follow it, cancel it, read its report) and the
export of the device list as a file.

An import belongs to its commune: the commune's members send and follow it, the territory
reads every import, and to anybody else it does not exist (404). The import itself is
:mod:`inventory.imports.services`'s; the views pass the uploaded file on and show the result.
Files are answered as files (CSV, XLSX); errors always as JSON, in the house shape.
"""

from __future__ import annotations

from typing import Any

from django.core.validators import FileExtensionValidator
from django.http import FileResponse, HttpResponse, StreamingHttpResponse
from django.urls import reverse
from django.utils.http import content_disposition_header, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_field,
    extend_schema_view,
)
from rest_framework import generics, mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from common import limits
from common.api import FilterBackend
from common.errors import ErrorSerializer, NotFound
from common.parsers import FormParser, MultiPartParser
from inventory import exports
from inventory.api.serializers import OrganisationBriefSerializer, SiteBriefSerializer
from inventory.choices import ImportState
from inventory.filters import DeviceFilter
from inventory.forms import IMPORT_EXTENSIONS, SURPLUS_STATUSES_MAX_CHARACTERS
from inventory.imports.columns import parse_surplus_statuses
from inventory.imports.report import report_chunks
from inventory.imports.services import (
    device_import_cancel,
    device_import_create,
    device_import_from_dry_run,
)
from inventory.models import DeviceImport
from inventory.selectors import (
    device_import_get_visible,
    device_imports_visible_to,
    devices_visible_to,
)
from organisations.models import Organisation, Site
from organisations.permissions import organisations_of

_ERROR_DESCRIPTIONS = {
    400: "The data sent is invalid (`fields` tells which field and why), or the import is "
    "already finished.",
    403: "You may not import for this organisation: only a commune's members import its devices.",
    404: "No such import, or not one your organisations may see.",
    406: "The Accept header asks for a format this endpoint does not answer.",
}
_EXPORT_ERROR_DESCRIPTIONS = {
    400: "A filter's value is invalid; `fields` tells which one and why.",
    404: "The `format` asked for is neither csv nor xlsx.",
    406: "The Accept header asks for a format this endpoint does not answer.",
}


def _errors(
    *statuses: int, descriptions: dict[int, str] = _ERROR_DESCRIPTIONS
) -> dict[tuple[int, str], OpenApiResponse]:
    """Error responses, always JSON, even where the success is a file."""
    return {
        (code, "application/json"): OpenApiResponse(ErrorSerializer, description=descriptions[code])
        for code in statuses
    }


# --- Files as answers. ---


class CSVFileRenderer(BaseRenderer):
    """CSV, for content negotiation; the view answers with the file it made, as it is."""

    media_type = "text/csv"
    format = "csv"
    charset = "utf-8"

    def render(self, data: Any, accepted_media_type=None, renderer_context=None) -> Any:
        return data


class XLSXFileRenderer(BaseRenderer):
    """XLSX, for content negotiation; the view answers with the workbook it made, as it is."""

    media_type = exports.XLSX_CONTENT_TYPE
    format = "xlsx"
    charset = None
    render_style = "binary"

    def render(self, data: Any, accepted_media_type=None, renderer_context=None) -> Any:
        return data


FILE_RENDERERS = (CSVFileRenderer, XLSXFileRenderer)


class JSONErrorsMixin:
    """Errors are JSON in the house shape, even on an endpoint whose answer is a file."""

    def handle_exception(self, exc: Exception) -> Response:
        response = super().handle_exception(exc)
        renderer = getattr(self.request, "accepted_renderer", None)
        if renderer is None or isinstance(renderer, FILE_RENDERERS):
            self.request.accepted_renderer = JSONRenderer()
            self.request.accepted_media_type = JSONRenderer.media_type
        return response


# --- Serializers. ---


class ImportErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField(
        help_text=gettext_lazy("The line in the file, as a spreadsheet numbers it.")
    )
    column = serializers.CharField(help_text=gettext_lazy("The column's header in the file."))
    value = serializers.CharField(help_text=gettext_lazy("The value refused."))
    reason = serializers.CharField(help_text=gettext_lazy("Why, in the request's language."))
    code = serializers.CharField(
        allow_null=True,
        help_text=gettext_lazy(
            "The reason's stable code, for programs; null for the imports rejected before "
            "reasons had codes."
        ),
    )


class ImportFormatSerializer(serializers.Serializer):
    format = serializers.ChoiceField(
        choices=[("csv", "CSV"), ("xlsx", "XLSX"), ("ods", "ODS"), ("xls", "XLS")]
    )
    encoding = serializers.CharField(
        required=False, help_text=gettext_lazy("CSV only: utf-8, utf-8-sig (with BOM) or cp1252.")
    )
    delimiter = serializers.CharField(
        required=False, help_text=gettext_lazy("CSV only: the separator found.")
    )
    sheet = serializers.CharField(
        required=False, help_text=gettext_lazy("XLSX, ODS and XLS only: the sheet read.")
    )


class SkippedRowSerializer(serializers.Serializer):
    line = serializers.IntegerField(
        help_text=gettext_lazy("The line in the file, as a spreadsheet numbers it.")
    )
    status = serializers.CharField(help_text=gettext_lazy("The row's status, not a surplus one."))


class DeviceImportSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api-import-detail")
    commune = OrganisationBriefSerializer(read_only=True)
    pickup_site = SiteBriefSerializer(read_only=True, allow_null=True)
    state = serializers.ChoiceField(choices=ImportState.choices, read_only=True)
    unknown_columns = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text=gettext_lazy("Columns of the file that Boucle does not know, and ignored."),
    )
    file_format = serializers.SerializerMethodField(
        help_text=gettext_lazy("How the file was read; null until it is read.")
    )
    message = serializers.CharField(
        read_only=True,
        help_text=gettext_lazy(
            "What the import says of how it ended, in the language of the request."
        ),
    )
    message_code = serializers.CharField(
        read_only=True,
        help_text=gettext_lazy(
            "The message's stable code, for programs; empty for an import that ended before "
            "the codes were stored, or that has no message."
        ),
    )
    errors = ImportErrorSerializer(
        source="rejections",
        many=True,
        read_only=True,
        help_text=gettext_lazy("The first rejected rows (at most 200); the report has them all."),
    )
    surplus_statuses = serializers.ListField(
        child=serializers.CharField(),
        read_only=True,
        help_text=gettext_lazy(
            "A row whose status contains none of these (case and accents aside) is left out."
        ),
    )
    skipped = SkippedRowSerializer(
        source="skipped_preview",
        many=True,
        read_only=True,
        help_text=gettext_lazy(
            "The first rows left out because their status is not a surplus one (at most 200)."
        ),
    )
    report_url = serializers.SerializerMethodField(
        help_text=gettext_lazy("The full report of a rejected import, as CSV; null otherwise.")
    )
    devices_url = serializers.SerializerMethodField(
        help_text=gettext_lazy("The imported devices in the devices API; null until imported.")
    )

    class Meta:
        model = DeviceImport
        fields = [
            "id",
            "url",
            "commune",
            "original_name",
            "size",
            "sha256",
            "sheet",
            "pickup_site",
            "dry_run",
            "surplus_statuses",
            "state",
            "rows_read",
            "rows_valid",
            "rows_rejected",
            "rows_duplicate",
            "rows_skipped",
            "error_count",
            "message",
            "message_code",
            "unknown_columns",
            "file_format",
            "errors",
            "skipped",
            "report_url",
            "declaration",
            "devices_url",
            "from_dry_run",
            "created_at",
            "started_at",
            "finished_at",
        ]
        read_only_fields = fields

    @extend_schema_field(ImportFormatSerializer(allow_null=True))
    def get_file_format(self, device_import: DeviceImport) -> dict[str, str] | None:
        return device_import.file_format or None

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_report_url(self, device_import: DeviceImport) -> str | None:
        if not device_import.report:
            return None
        return self._absolute(reverse("api-import-report", args=[device_import.pk]))

    @extend_schema_field(serializers.URLField(allow_null=True))
    def get_devices_url(self, device_import: DeviceImport) -> str | None:
        if device_import.declaration_id is None:
            return None
        query = urlencode({"declaration": device_import.declaration_id})
        return self._absolute(f"{reverse('api-device-list')}?{query}")

    def _absolute(self, path: str) -> str:
        request = self.context.get("request")
        return request.build_absolute_uri(path) if request is not None else path


class DeviceImportCreateSerializer(serializers.Serializer):
    commune = serializers.SlugRelatedField(
        slug_field="slug",
        queryset=Organisation.objects.all(),
        help_text=gettext_lazy("The importing commune's short name (slug); you must belong to it."),
    )
    file = serializers.FileField(
        validators=[FileExtensionValidator(allowed_extensions=IMPORT_EXTENSIONS)],
        help_text=gettext_lazy(
            "A CSV (UTF-8 or Windows-1252; separated by semicolons, commas or tabs), XLSX, ODS "
            "or XLS file, one device per line after a header line."
        ),
    )
    pickup_site = serializers.PrimaryKeyRelatedField(
        queryset=Site.objects.all(),
        required=False,
        allow_null=True,
        help_text=gettext_lazy("A pickup site of the commune, for the rows that name none."),
    )
    sheet = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=limits.max_length(DeviceImport, "sheet"),
        help_text=gettext_lazy("XLSX only: the sheet to read; the first one otherwise."),
    )
    dry_run = serializers.BooleanField(
        required=False,
        default=False,
        help_text=gettext_lazy("Check every row and report; import nothing."),
    )
    surplus_statuses = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=SURPLUS_STATUSES_MAX_CHARACTERS,
        help_text=gettext_lazy(
            "For a file with a status column (GLPI's Statut): the statuses meaning surplus, "
            "separated by commas; a row whose status contains none of them (case and accents "
            "aside) is left out and listed in `skipped`. Default: rebut, réforme, à réformer, "
            "hors service, surplus, déclassé."
        ),
    )

    def validate_surplus_statuses(self, value: str) -> list[str]:
        return parse_surplus_statuses(value)


# --- Views. ---


@extend_schema(tags=["imports"])
@extend_schema_view(
    list=extend_schema(
        summary="List the file imports your organisations may see",
        description=(
            "The imports of the communes you belong to, newest first; the territory sees "
            "every import."
        ),
    ),
    retrieve=extend_schema(
        summary="Read one import: its state, progress and rejected rows",
        description=(
            "Poll it while `state` is `pending` or `running`: `rows_read` and `rows_valid` "
            "tell the progress."
        ),
        responses={200: DeviceImportSerializer, **_errors(404)},
    ),
)
class DeviceImportViewSet(
    JSONErrorsMixin, mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet
):
    """Files of devices a commune declares at once: all their rows are imported, or none."""

    serializer_class = DeviceImportSerializer
    parser_classes = [MultiPartParser, FormParser]
    filter_backends = []
    lookup_value_regex = "[0-9]+"

    def get_queryset(self):
        return device_imports_visible_to(organisations_of(self.request.user))

    def get_object(self) -> DeviceImport:
        device_import = device_import_get_visible(
            pk=int(self.kwargs["pk"]), organisations=organisations_of(self.request.user)
        )
        self.check_object_permissions(self.request, device_import)
        return device_import

    def _import_response(self, pk: int, **kwargs: Any) -> Response:
        device_import = device_import_get_visible(
            pk=pk, organisations=organisations_of(self.request.user)
        )
        serializer = DeviceImportSerializer(device_import, context=self.get_serializer_context())
        return Response(serializer.data, **kwargs)

    @extend_schema(
        summary="Import a file of devices",
        description=(
            "Send a CSV or XLSX file (multipart) for a commune you belong to. Every row is "
            "checked first: if all are valid, they are declared together as one declaration; "
            "otherwise nothing is imported and `errors` (and the report) list every rejected "
            "row. A small file is imported before the answer (201); a large one is imported "
            "in the background (202): poll the import's `url` until it is finished."
        ),
        request={"multipart/form-data": DeviceImportCreateSerializer},
        responses={
            201: OpenApiResponse(
                DeviceImportSerializer,
                description="Finished: imported, checked (dry run) or rejected; see `state`.",
            ),
            202: OpenApiResponse(
                DeviceImportSerializer, description="Accepted; it is imported in the background."
            ),
            **_errors(400, 403),
        },
    )
    def create(self, request: Request) -> Response:
        serializer = DeviceImportCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        uploaded = data["file"]
        uploaded.seek(0)
        device_import = device_import_create(
            user=request.user,
            commune=data["commune"],
            file=uploaded,
            original_name=uploaded.name,
            size=uploaded.size,
            pickup_site=data.get("pickup_site"),
            sheet=data.get("sheet", ""),
            dry_run=data["dry_run"],
            surplus_statuses=data.get("surplus_statuses") or None,
        )
        # Read again: without a transaction around the request, a queued import may already
        # have run, in the task's own copy of it.
        device_import = device_import_get_visible(
            pk=device_import.pk, organisations=organisations_of(request.user)
        )
        serializer = DeviceImportSerializer(device_import, context=self.get_serializer_context())
        return Response(
            serializer.data,
            status=status.HTTP_201_CREATED
            if device_import.is_finished
            else status.HTTP_202_ACCEPTED,
            headers={"Location": serializer.data["url"]},
        )

    @extend_schema(
        summary="Cancel an import that waits or runs",
        description="Nothing of a cancelled import is imported. A finished import is refused.",
        request=None,
        responses={200: DeviceImportSerializer, **_errors(400, 403, 404)},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        device_import = self.get_object()
        device_import_cancel(device_import=device_import, user=request.user)
        return self._import_response(device_import.pk)

    @extend_schema(
        summary="Import the file of a successful dry run, without sending it again",
        description=(
            "Creates a new import of the dry run's stored file, with the same settings "
            "(`from_dry_run` names the dry run). Only the importing commune's members may, "
            "within BOUCLE_IMPORT_DRY_RUN_HOURS (24 h) of the dry run, once."
        ),
        request=None,
        responses={
            201: DeviceImportSerializer,
            202: DeviceImportSerializer,
            **_errors(400, 403, 404),
        },
    )
    @action(detail=True, methods=["post"], url_path="import")
    def import_file(self, request: Request, pk: str) -> Response:
        dry_run = self.get_object()
        device_import = device_import_from_dry_run(dry_run=dry_run, user=request.user)
        response = self._import_response(device_import.pk)
        response.status_code = (
            status.HTTP_201_CREATED
            if DeviceImport.objects.get(pk=device_import.pk).is_finished
            else status.HTTP_202_ACCEPTED
        )
        return response

    @extend_schema(
        summary="The full report of a rejected import, as CSV",
        description=(
            "Every rejected row: line, column, value, reason (UTF-8 with BOM, separated by "
            "semicolons), the header and the reasons in the request's language "
            "(`Accept-Language`). Only a rejected import has a report."
        ),
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="The report."),
            **_errors(404, 406),
        },
    )
    @action(detail=True, methods=["get"], renderer_classes=[CSVFileRenderer])
    def report(self, request: Request, pk: str) -> HttpResponse:
        device_import = self.get_object()
        if not device_import.report:
            raise NotFound(
                _("This import has no report: only a rejected import has one."), code="no_report"
            )
        response = StreamingHttpResponse(
            report_chunks(device_import), content_type=exports.CSV_CONTENT_TYPE
        )
        response["Content-Disposition"] = content_disposition_header(
            True, f"import-{device_import.pk}-report.csv"
        )
        return response


@extend_schema(
    tags=["devices"],
    summary="Export the devices your organisations may see, as CSV or XLSX",
    description=(
        "The same devices and filters as the device list, as a file with the columns the "
        "import reads (French headers, dd/mm/yyyy dates, decimal commas in CSV). Choose the "
        "format with `format` or the Accept header; CSV by default. A cell that a spreadsheet "
        "would run as a formula starts with an apostrophe."
    ),
    filters=True,
    parameters=[
        OpenApiParameter(
            "format",
            OpenApiTypes.STR,
            enum=["csv", "xlsx"],
            description="The file format; CSV when left out.",
        )
    ],
    responses={
        (200, "text/csv"): OpenApiResponse(OpenApiTypes.STR, description="CSV, UTF-8 with BOM."),
        (200, exports.XLSX_CONTENT_TYPE): OpenApiResponse(
            OpenApiTypes.BINARY, description="An XLSX workbook."
        ),
        **_errors(400, 404, 406, descriptions=_EXPORT_ERROR_DESCRIPTIONS),
    },
)
class DeviceExportView(JSONErrorsMixin, generics.GenericAPIView):
    """The device list as a file, with the list's filters."""

    renderer_classes = list(FILE_RENDERERS)
    filter_backends = [FilterBackend]
    filterset_class = DeviceFilter
    pagination_class = None

    def get_queryset(self):
        return devices_visible_to(organisations_of(self.request.user))

    def get(self, request: Request) -> HttpResponse:
        devices = self.filter_queryset(self.get_queryset())
        if request.accepted_renderer.format == "xlsx":
            return FileResponse(
                exports.xlsx_file(devices),
                as_attachment=True,
                filename=exports.export_filename("xlsx"),
                content_type=exports.XLSX_CONTENT_TYPE,
            )
        response = StreamingHttpResponse(
            exports.csv_chunks(devices), content_type=exports.CSV_CONTENT_TYPE
        )
        response["Content-Disposition"] = content_disposition_header(
            True, exports.export_filename("csv")
        )
        return response
