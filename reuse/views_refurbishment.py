"""Pages of a device's refurbishment (diagnosis, repair, grade, and their history) and the
public page of the platform's grade scale.

The active organisation acts; :mod:`reuse.services` decides and writes. The forms show only
to the organisation holding the device, in the states that allow them.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied as PageForbidden
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.errors import TransitionNotAllowed, ValidationFailed
from common.pages import add_application_error, error_summary
from inventory import lifecycle
from inventory import permissions as inventory_permissions
from inventory.models import Device
from inventory.pages import visible_device
from organisations.active import active_organisation
from organisations.models import Organisation
from reuse import services
from reuse.checklists import check_label
from reuse.choices import CheckResult
from reuse.forms import DiagnosisForm, GradeForm, RepairForm
from reuse.grade_scale import grade_scale
from reuse.selectors import refurbishment_history


def _may_record(organisation: Organisation | None, device: Device) -> bool:
    return organisation is not None and inventory_permissions.is_holder(device, organisation)


def _render_page(request: HttpRequest, device: Device, status: int = 200, **forms_given):
    organisation = active_organisation(request)
    holder = _may_record(organisation, device)
    steps = services.refurbishment_steps(device=device, organisation=organisation)
    diagnosable, refurbishing = steps["diagnosis"], steps["refurbishment"]
    page_forms = {
        "diagnosis_form": forms_given.get("diagnosis_form")
        or (DiagnosisForm(category=device.category) if diagnosable else None),
        "repair_form": forms_given.get("repair_form") or (RepairForm() if refurbishing else None),
        "grade_form": forms_given.get("grade_form")
        or (GradeForm(category=device.category) if refurbishing else None),
    }
    bound = [(form, "") for form in page_forms.values() if form is not None]
    ready_missing = services.device_readiness_missing(device) if refurbishing else None
    history = refurbishment_history(device)
    results = dict(CheckResult.choices)
    context = {
        "device": device,
        "history": history,
        "diagnoses": [
            (
                diagnosis,
                [
                    {
                        "label": check_label(item["check"]),
                        "result": results.get(item["result"], item["result"]),
                        "note": item.get("note", ""),
                    }
                    for item in diagnosis.items
                    if item["result"] != CheckResult.OK
                ],
            )
            for diagnosis in history.diagnoses
        ],
        "show_people": holder,
        "may_mark_ready": refurbishing,
        "may_recycle": holder
        and "recycle" in lifecycle.allowed_transitions(device, [organisation]),
        "ready_missing": ready_missing,
        "errors": error_summary(bound),
        **page_forms,
    }
    return render(request, "reuse/diagnosis_refurbishment.html", context, status=status)


def _record(request: HttpRequest, code: str, form_name: str, build, run, success: str):
    organisation = active_organisation(request)
    device = visible_device(request, code)
    if not _may_record(organisation, device):
        raise PageForbidden(
            _("Only the organisation holding the device records its refurbishment.")
        )
    form = build(device)
    if form.is_valid():
        try:
            run(device, organisation, form)
        except TransitionNotAllowed as error:
            messages.error(request, error.message)
            return redirect("reuse:device-refurbishment", code=device.code)
        except ValidationFailed as error:
            add_application_error(form, error)
        else:
            messages.success(request, success)
            return redirect("reuse:device-refurbishment", code=device.code)
    return _render_page(request, device, status=400, **{form_name: form})


@login_required
@require_GET
def device_refurbishment(request: HttpRequest, code: str) -> HttpResponse:
    """The device's diagnoses, repairs and grades, with the forms for its holder."""
    return _render_page(request, visible_device(request, code))


@login_required
@require_POST
def device_diagnosis(request: HttpRequest, code: str) -> HttpResponse:
    def run(device: Device, organisation: Organisation, form: DiagnosisForm) -> None:
        data = form.cleaned_data
        services.diagnosis_record(
            device=device,
            organisation=organisation,
            user=request.user,
            items=form.items(),
            result=data["result"],
            battery_health=data.get("battery_health"),
            storage_health=data["storage_health"],
            notes=data["notes"],
            diagnosed_on=data["diagnosed_on"],
        )

    return _record(
        request,
        code,
        "diagnosis_form",
        lambda device: DiagnosisForm(request.POST, category=device.category),
        run,
        _("The diagnosis is recorded."),
    )


@login_required
@require_POST
def device_repair(request: HttpRequest, code: str) -> HttpResponse:
    def run(device: Device, organisation: Organisation, form: RepairForm) -> None:
        data = form.cleaned_data
        services.repair_record(
            device=device,
            organisation=organisation,
            user=request.user,
            parts=form.part_list(),
            notes=data["notes"],
            cost=data["cost"],
            repaired_on=data["repaired_on"],
        )

    return _record(
        request,
        code,
        "repair_form",
        lambda device: RepairForm(request.POST),
        run,
        _("The repair is recorded."),
    )


@login_required
@require_POST
def device_grade(request: HttpRequest, code: str) -> HttpResponse:
    def run(device: Device, organisation: Organisation, form: GradeForm) -> None:
        data = form.cleaned_data
        services.grading_record(
            device=device,
            organisation=organisation,
            user=request.user,
            grade=data["grade"],
            battery_health=data.get("battery_health"),
            notes=data["notes"],
            graded_on=data["graded_on"],
        )

    return _record(
        request,
        code,
        "grade_form",
        lambda device: GradeForm(request.POST, category=device.category),
        run,
        _("The grade is recorded."),
    )


@login_required
@require_POST
def device_ready(request: HttpRequest, code: str) -> HttpResponse:
    """The holder marks the device as ready; a refusal names what is missing."""
    organisation = active_organisation(request)
    device = visible_device(request, code)
    if not _may_record(organisation, device):
        raise PageForbidden(_("Only the organisation holding the device marks it as ready."))
    try:
        services.device_certify_ready(device=device, partner=organisation, user=request.user)
    except TransitionNotAllowed as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The device is ready: it is in your stock."))
    return redirect("reuse:device-refurbishment", code=device.code)


@require_http_methods(["GET", "HEAD"])
def grades(request: HttpRequest) -> HttpResponse:
    """The platform's cosmetic grade scale, public: documents refer to it."""
    return render(request, "reuse/grades.html", {"scale": grade_scale()})
