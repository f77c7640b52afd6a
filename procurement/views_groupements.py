"""Pages of the groupement de commandes, the territory's only: its convention constitutive and
its members (communes and buyers), each with the day its council or board approved it."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from common.errors import ApplicationError, ValidationFailed
from common.pages import add_application_error, error_summary
from organisations.models import Organisation
from procurement import selectors, services
from procurement.forms import GroupementForm, GroupementMemberEditForm, GroupementMemberForm
from procurement.models import Groupement, GroupementMember
from procurement.pages import acting_coordinator


def _own_groupement(coordinator: Organisation, pk: int) -> Groupement:
    groupement = selectors.groupements_of(coordinator).filter(pk=pk).first()
    if groupement is None:
        raise Http404(_("No such groupement."))
    return groupement


def _own_member(coordinator: Organisation, pk: int) -> GroupementMember:
    member = (
        GroupementMember.objects.select_related("groupement", "organisation")
        .filter(pk=pk, groupement__coordinator=coordinator)
        .first()
    )
    if member is None:
        raise Http404(_("No such member."))
    return member


@login_required
@require_GET
def groupement_list(request: HttpRequest) -> HttpResponse:
    """The territory's groupements; the first one is recorded from here."""
    coordinator = acting_coordinator(request)
    groupements = list(selectors.groupements_of(coordinator))
    if len(groupements) == 1:
        return redirect("procurement:groupement-detail", pk=groupements[0].pk)
    return render(
        request,
        "procurement/groupement_list.html",
        {"organisation": coordinator, "groupements": groupements},
    )


@login_required
@require_http_methods(["GET", "POST"])
def groupement_new(request: HttpRequest) -> HttpResponse:
    """The territory records its groupement's convention constitutive."""
    coordinator = acting_coordinator(request)
    form = GroupementForm(request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid():
        try:
            groupement = services.groupement_create(
                coordinator=coordinator, user=request.user, **form.cleaned_data
            )
        except ValidationFailed as error:
            add_application_error(form, error)
        else:
            messages.success(request, _("Groupement recorded: add its members."))
            return redirect("procurement:groupement-detail", pk=groupement.pk)
    context = {"organisation": coordinator, "form": form, "errors": error_summary([(form, "")])}
    return render(
        request,
        "procurement/groupement_form.html",
        context,
        status=400 if form.is_bound else 200,
    )


@login_required
@require_http_methods(["GET", "POST"])
def groupement_edit(request: HttpRequest, pk: int) -> HttpResponse:
    coordinator = acting_coordinator(request)
    groupement = _own_groupement(coordinator, pk)
    initial = {
        "name": groupement.name,
        "reference": groupement.reference,
        "convention_date": groupement.convention_date,
    }
    form = GroupementForm(request.POST if request.method == "POST" else None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.groupement_update(
                groupement=groupement, user=request.user, **form.cleaned_data
            )
        except ValidationFailed as error:
            add_application_error(form, error)
        else:
            messages.success(request, _("Groupement changed."))
            return redirect("procurement:groupement-detail", pk=groupement.pk)
    context = {
        "organisation": coordinator,
        "groupement": groupement,
        "form": form,
        "errors": error_summary([(form, "")]),
    }
    return render(
        request,
        "procurement/groupement_form.html",
        context,
        status=400 if form.is_bound else 200,
    )


def _detail(request: HttpRequest, groupement: Groupement, form, status: int = 200):
    context: dict[str, Any] = {
        "groupement": groupement,
        "members": list(selectors.groupement_members(groupement)),
        "campaigns": list(groupement.campaigns.order_by("-closes_at", "-pk")),
        "form": form,
        "errors": error_summary([(form, "")]),
    }
    return render(request, "procurement/groupement_detail.html", context, status=status)


@login_required
@require_GET
def groupement_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The groupement: its convention, its members and their approval, its campaigns."""
    coordinator = acting_coordinator(request)
    groupement = _own_groupement(coordinator, pk)
    return _detail(request, groupement, GroupementMemberForm(groupement=groupement))


@login_required
@require_POST
def groupement_member_add(request: HttpRequest, pk: int) -> HttpResponse:
    coordinator = acting_coordinator(request)
    groupement = _own_groupement(coordinator, pk)
    form = GroupementMemberForm(request.POST, groupement=groupement)
    if form.is_valid():
        try:
            member = services.groupement_member_add(
                groupement=groupement, user=request.user, **form.cleaned_data
            )
        except ValidationFailed as error:
            add_application_error(form, error)
        else:
            messages.success(
                request,
                _("%(name)s joined the groupement.") % {"name": member.organisation.name},
            )
            return redirect("procurement:groupement-detail", pk=groupement.pk)
    return _detail(request, groupement, form, status=400)


@login_required
@require_http_methods(["GET", "POST"])
def groupement_member_edit(request: HttpRequest, pk: int) -> HttpResponse:
    """The territory corrects a member's approval date or reference."""
    coordinator = acting_coordinator(request)
    member = _own_member(coordinator, pk)
    initial = {"approved_on": member.approved_on, "approval_reference": member.approval_reference}
    form = GroupementMemberEditForm(
        request.POST if request.method == "POST" else None, initial=initial
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.groupement_member_update(member=member, user=request.user, **form.cleaned_data)
        except ValidationFailed as error:
            add_application_error(form, error)
        else:
            messages.success(request, _("Approval changed."))
            return redirect("procurement:groupement-detail", pk=member.groupement_id)
    context = {"member": member, "form": form, "errors": error_summary([(form, "")])}
    return render(
        request,
        "procurement/groupement_member_form.html",
        context,
        status=400 if form.is_bound else 200,
    )


@login_required
@require_POST
def groupement_member_remove(request: HttpRequest, pk: int) -> HttpResponse:
    """The territory records that a member left the groupement."""
    coordinator = acting_coordinator(request)
    member = _own_member(coordinator, pk)
    try:
        services.groupement_member_remove(member=member, user=request.user)
    except ApplicationError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("%(name)s left the groupement.") % {"name": member.organisation.name}
        )
    return redirect("procurement:groupement-detail", pk=member.groupement_id)
