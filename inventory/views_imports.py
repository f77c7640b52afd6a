"""Pages of file imports (upload, follow, cancel, report) and the export of the device list.

The import itself is :mod:`inventory.imports.services`'s: these views hand it the uploaded
file, show where it stands and turn its refusals into form errors or 403 pages. An import is
visible to its commune and to the territory; to anybody else it does not exist (404).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as PageForbidden
from django.http import (
    FileResponse,
    Http404,
    HttpRequest,
    HttpResponse,
    StreamingHttpResponse,
)
from django.shortcuts import redirect, render
from django.utils.cache import patch_vary_headers
from django.utils.http import content_disposition_header
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.errors import ValidationFailed
from common.keyset import keyset_page
from common.pages import add_application_error, error_summary, is_htmx
from inventory import exports, permissions, selectors
from inventory.filters import DeviceFilter
from inventory.forms import ImportForm
from inventory.imports.report import report_chunks
from inventory.imports.services import (
    device_import_cancel,
    device_import_create,
    device_import_from_dry_run,
    dry_run_expires_at,
    dry_run_importable,
)
from inventory.models import DeviceImport
from organisations.active import acting_as, active_organisation
from organisations.models import Organisation

IMPORTS_PER_PAGE = 25
# How often the page of a running import asks for news, for htmx's ``every``.
POLL_INTERVAL = "1.5s"

ENCODING_NAMES = {
    "utf-8": "UTF-8",
    "utf-8-sig": gettext_lazy("UTF-8 with BOM"),
    "cp1252": "Windows-1252",
}
DELIMITER_NAMES = {
    ";": gettext_lazy("semicolons"),
    ",": gettext_lazy("commas"),
    "\t": gettext_lazy("tabs"),
}


# --- Reads. ---


def describe_format(file_format: dict[str, Any]) -> str:
    """How the file was read, for a person: "CSV, Windows-1252, separated by semicolons"."""
    if file_format.get("format") == "csv":
        return _("CSV, %(encoding)s, separated by %(delimiter)s") % {
            "encoding": ENCODING_NAMES.get(file_format.get("encoding", ""), "?"),
            "delimiter": DELIMITER_NAMES.get(file_format.get("delimiter", ""), "?"),
        }
    if file_format.get("format") in {"xlsx", "ods", "xls"}:
        return _("%(format)s, sheet “%(sheet)s”") % {
            "format": file_format["format"].upper(),
            "sheet": file_format.get("sheet", ""),
        }
    return ""


# --- Helpers of the pages. ---


def _importing_commune(request: HttpRequest) -> Organisation:
    commune = active_organisation(request)
    if commune is None or not permissions.can_declare_for(commune, commune):
        raise PageForbidden(
            _("Only a commune imports devices: choose a commune as your active organisation.")
        )
    return commune


def _visible_import(request: HttpRequest, pk: int) -> DeviceImport:
    return selectors.device_import_get_visible(pk=pk, organisations=acting_as(request))


def _may_cancel(organisation: Organisation | None, device_import: DeviceImport) -> bool:
    return (
        organisation is not None
        and not device_import.is_finished
        and not device_import.cancel_requested
        and permissions.can_declare_for(organisation, device_import.commune)
    )


# --- Pages. ---


@login_required
@require_GET
def import_list(request: HttpRequest) -> HttpResponse:
    """The recent imports of the active commune (every commune's, for the territory)."""
    organisation = active_organisation(request)
    if organisation is None or not (organisation.is_commune or organisation.is_territory):
        raise PageForbidden(_("Only communes and the territory follow file imports."))
    imports = selectors.device_imports_visible_to([organisation]).defer(
        "errors_preview", "file_format"
    )
    page = keyset_page(
        imports,
        request.GET,
        ordering=("-created_at", "-pk"),
        size=IMPORTS_PER_PAGE,
        count_limit=None,
    )
    context = {
        "organisation": organisation,
        "page": page,
        "imports": page.rows,
        "may_import": permissions.can_declare_for(organisation, organisation),
    }
    return render(request, "inventory/import_list.html", context)


@login_required
@require_http_methods(["GET", "POST"])
def import_new(request: HttpRequest) -> HttpResponse:
    """Upload a file of devices for the active commune; the page then follows the import."""
    commune = _importing_commune(request)
    if request.method == "GET":
        return _upload_page(request, commune, ImportForm(commune=commune))

    # Django's upload handlers have already written a large file to disk; the service reads
    # it in chunks, and so does the storage that keeps it.
    form = ImportForm(request.POST, request.FILES, commune=commune)
    if not form.is_valid():
        return _upload_page(request, commune, form)
    uploaded = form.cleaned_data["file"]
    uploaded.seek(0)
    try:
        device_import = device_import_create(
            user=request.user,
            commune=commune,
            file=uploaded,
            original_name=uploaded.name,
            size=uploaded.size,
            pickup_site=form.cleaned_data["pickup_site"],
            sheet=form.cleaned_data["sheet"],
            dry_run=form.cleaned_data["dry_run"],
            surplus_statuses=form.cleaned_data["surplus_statuses"],
        )
    except ValidationFailed as error:
        add_application_error(form, error, message_on_field=True)
        return _upload_page(request, commune, form)
    return redirect("inventory:import-detail", pk=device_import.pk)


def _upload_page(request: HttpRequest, commune: Organisation, form: ImportForm) -> HttpResponse:
    context = {
        "commune": commune,
        "form": form,
        "errors": error_summary([(form, "")]),
        "columns": [header for header in exports.HEADERS if header not in {"Code", "Statut"}],
    }
    return render(request, "inventory/import_new.html", context)


@login_required
@require_GET
def import_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """Where an import stands; while it runs, htmx asks for the status part every 1.5 s."""
    organisation = active_organisation(request)
    device_import = _visible_import(request, pk)
    htmx = is_htmx(request)
    context = {
        "device_import": device_import,
        "htmx": htmx,
        "poll_interval": POLL_INTERVAL,
        "format_description": describe_format(device_import.file_format or {}),
        "may_cancel": _may_cancel(organisation, device_import),
        "may_import": organisation is not None
        and permissions.can_declare_for(organisation, organisation),
        "may_import_dry_run": organisation is not None
        and permissions.can_declare_for(organisation, device_import.commune)
        and dry_run_importable(device_import),
        "dry_run_expires_at": dry_run_expires_at(device_import),
        "hidden_errors": max(device_import.error_count - len(device_import.errors_preview), 0),
    }
    template = "inventory/partials/import_status.html" if htmx else "inventory/import_detail.html"
    response = render(request, template, context)
    patch_vary_headers(response, ["HX-Request"])
    return response


@login_required
@require_POST
def import_cancel(request: HttpRequest, pk: int) -> HttpResponse:
    """Stop an import that waits or runs; nothing of it is imported."""
    device_import = _visible_import(request, pk)
    organisation = active_organisation(request)
    if organisation is None or not permissions.can_declare_for(organisation, device_import.commune):
        raise PageForbidden(_("Only the importing commune cancels its import."))
    try:
        device_import_cancel(device_import=device_import, user=request.user)
    except ValidationFailed as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The import is cancelled; nothing of it is imported."))
    return redirect("inventory:import-detail", pk=device_import.pk)


@login_required
@require_POST
def import_from_dry_run(request: HttpRequest, pk: int) -> HttpResponse:
    """Import the stored file of a successful dry run, with the same settings."""
    dry_run = _visible_import(request, pk)
    organisation = active_organisation(request)
    if organisation is None or not permissions.can_declare_for(organisation, dry_run.commune):
        raise PageForbidden(_("Only the importing commune imports its file."))
    try:
        device_import = device_import_from_dry_run(dry_run=dry_run, user=request.user)
    except ValidationFailed as error:
        messages.error(request, error.message)
        return redirect("inventory:import-detail", pk=dry_run.pk)
    return redirect("inventory:import-detail", pk=device_import.pk)


@login_required
@require_GET
def import_report(request: HttpRequest, pk: int) -> StreamingHttpResponse:
    """The full report of a rejected import: every rejected row, as CSV, in the page's
    language."""
    device_import = _visible_import(request, pk)
    if not device_import.report:
        raise Http404(_("This import has no report."))
    response = StreamingHttpResponse(
        report_chunks(device_import), content_type=exports.CSV_CONTENT_TYPE
    )
    response["Content-Disposition"] = content_disposition_header(
        True, f"import-{device_import.pk}-report.csv"
    )
    return response


# --- Export of the device list. ---


def _exported_devices(request: HttpRequest):
    """The devices of the inventory page, with its filters, as the active organisation sees."""
    return DeviceFilter(request.GET, queryset=selectors.devices_visible_to(acting_as(request))).qs


def _download_from_htmx(request: HttpRequest) -> HttpResponse:
    """The inventory's filter form runs through htmx; a file needs the browser to navigate."""
    response = HttpResponse()
    response["HX-Redirect"] = request.get_full_path()
    return response


@login_required
@require_GET
def device_export_csv(request: HttpRequest) -> HttpResponse:
    """The filtered device list as CSV (UTF-8 with BOM, ``;``), streamed row by row."""
    if is_htmx(request):
        return _download_from_htmx(request)
    response = StreamingHttpResponse(
        exports.csv_chunks(_exported_devices(request)), content_type=exports.CSV_CONTENT_TYPE
    )
    response["Content-Disposition"] = content_disposition_header(
        True, exports.export_filename("csv")
    )
    return response


@login_required
@require_GET
def device_export_xlsx(request: HttpRequest) -> HttpResponse:
    """The filtered device list as an XLSX workbook."""
    if is_htmx(request):
        return _download_from_htmx(request)
    return FileResponse(
        exports.xlsx_file(_exported_devices(request)),
        as_attachment=True,
        filename=exports.export_filename("xlsx"),
        content_type=exports.XLSX_CONTENT_TYPE,
    )
