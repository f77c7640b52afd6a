"""Pages of the organisations: the dashboard, the organisation switcher, and for an
organisation's administrators its page (sites and the log of changes) and its members (invite,
change a role, remove, unlock an account locked by login failures)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import (
    HttpRequest,
    HttpResponse,
    HttpResponsePermanentRedirect,
    HttpResponseRedirect,
)
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.template.loader import render_to_string
from django.templatetags.static import static
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from common.errors import ValidationFailed
from common.pages import add_application_error, error_summary
from organisations import services
from organisations.active import activate, active_membership
from organisations.dashboard import dashboard_action, dashboard_panels
from organisations.forms import InviteForm, OrganisationSwitchForm, RoleForm, SiteForm
from organisations.models import Membership, Organisation, Site
from organisations.permissions import (
    memberships_of,
    require_members_manager,
    require_sites_manager,
)
from organisations.selectors import (
    locked_out_usernames,
    organisation_audit,
    organisation_members,
    organisation_sites,
)
from organisations.services import member_unlock


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    """What needs the attention of the active organisation: the panels of its kind."""
    membership = active_membership(request)
    if membership is None:
        return render(request, "organisations/no_organisation.html")
    organisation = membership.organisation
    groups: list[dict[str, Any]] = []
    for panel in dashboard_panels(organisation):
        html = render_to_string(
            panel.template, {"organisation": organisation, **panel.context(organisation)}, request
        )
        # Cards sit side by side in a grid; a wide panel stands on its own.
        if groups and not panel.wide and not groups[-1]["wide"]:
            groups[-1]["panels"].append(html)
        else:
            groups.append({"wide": panel.wide, "panels": [html]})
    context = {
        "organisation": organisation,
        "action": dashboard_action(organisation),
        "groups": groups,
    }
    return render(request, "organisations/dashboard.html", context)


@login_required
@require_POST
def switch_organisation(request: HttpRequest) -> HttpResponse:
    """Make another of the user's organisations the active one, then go back where they were."""
    form = OrganisationSwitchForm(request.POST, memberships=memberships_of(request.user))
    if not form.is_valid():
        raise PermissionDenied(_("You do not belong to this organisation."))
    membership = activate(request, form.chosen_membership().organisation)
    messages.success(
        request, _("You now work for %(organisation)s.") % {"organisation": membership.organisation}
    )
    return HttpResponseRedirect(_safe_next(request, form.cleaned_data["next"]))


def _safe_next(request: HttpRequest, target: str) -> str:
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return resolve_url("dashboard")


@require_GET
def favicon(request: HttpRequest) -> HttpResponse:
    """The site's icon, for the browsers and readers that ask for /favicon.ico."""
    return HttpResponsePermanentRedirect(static("img/boucle-mark.svg"))


def _managed_organisation(request: HttpRequest, slug: str, *, members: bool) -> Organisation:
    organisation = get_object_or_404(Organisation, slug=slug, is_active=True)
    if members:
        require_members_manager(request.user, organisation)
    else:
        require_sites_manager(request.user, organisation)
    return organisation


def _site_root(request: HttpRequest) -> str:
    return request.build_absolute_uri("/").rstrip("/")


@login_required
@require_GET
def organisation_detail(request: HttpRequest, slug: str) -> HttpResponse:
    """An organisation's page for its administrators: its sites and the log of changes."""
    organisation = _managed_organisation(request, slug, members=False)
    context = {
        "organisation": organisation,
        "sites": list(organisation_sites(organisation)),
        "audit_entries": list(organisation_audit(organisation)),
    }
    return render(request, "organisations/organisation.html", context)


def _site_page(
    request: HttpRequest, organisation: Organisation, form: SiteForm, site: Site | None
) -> HttpResponse:
    context = {
        "organisation": organisation,
        "form": form,
        "site": site,
        "errors": error_summary([(form, "")]),
    }
    return render(request, "organisations/site_form.html", context)


@login_required
def site_new(request: HttpRequest, slug: str) -> HttpResponse:
    """Add a pickup or delivery address."""
    organisation = _managed_organisation(request, slug, members=False)
    if request.method != "POST":
        return _site_page(request, organisation, SiteForm(), None)
    form = SiteForm(request.POST)
    if not form.is_valid():
        return _site_page(request, organisation, form, None)
    try:
        site = services.site_add(organisation=organisation, actor=request.user, **form.attributes())
    except ValidationFailed as error:
        add_application_error(form, error)
        return _site_page(request, organisation, form, None)
    messages.success(request, _("The site %(name)s was added.") % {"name": site.name})
    return redirect("organisation-detail", slug=organisation.slug)


@login_required
def site_edit(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Correct a site."""
    organisation = _managed_organisation(request, slug, members=False)
    site = get_object_or_404(Site, pk=pk, organisation=organisation)
    if request.method != "POST":
        return _site_page(request, organisation, SiteForm(instance=site), site)
    form = SiteForm(request.POST, instance=Site(organisation=organisation))
    if not form.is_valid():
        return _site_page(request, organisation, form, site)
    try:
        site = services.site_update(site=site, actor=request.user, **form.attributes())
    except ValidationFailed as error:
        add_application_error(form, error)
        return _site_page(request, organisation, form, site)
    messages.success(request, _("The site %(name)s was saved.") % {"name": site.name})
    return redirect("organisation-detail", slug=organisation.slug)


@login_required
@require_POST
def site_close(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Close a site: its devices keep it, it is no longer offered."""
    organisation = _managed_organisation(request, slug, members=False)
    site = get_object_or_404(Site, pk=pk, organisation=organisation)
    try:
        services.site_close(site=site, actor=request.user)
    except ValidationFailed as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("The site %(name)s is closed.") % {"name": site.name})
    return redirect("organisation-detail", slug=organisation.slug)


def _members_page(
    request: HttpRequest, organisation: Organisation, invite_form: InviteForm
) -> HttpResponse:
    memberships = list(organisation_members(organisation))
    locked = locked_out_usernames([membership.user.username for membership in memberships])
    rows = [
        {
            "membership": membership,
            "locked": membership.user.username in locked,
            "role_form": RoleForm(
                initial={"role": membership.role}, prefix=f"member-{membership.pk}"
            ),
        }
        for membership in memberships
    ]
    context = {
        "organisation": organisation,
        "rows": rows,
        "invite_form": invite_form,
        "errors": error_summary([(invite_form, "")]),
    }
    return render(request, "organisations/members.html", context)


@login_required
def members(request: HttpRequest, slug: str) -> HttpResponse:
    """The members of an organisation, for its administrators: invite, change a role, remove,
    and unlock who is locked out."""
    organisation = _managed_organisation(request, slug, members=True)
    return _members_page(request, organisation, InviteForm())


@login_required
@require_POST
def member_invite(request: HttpRequest, slug: str) -> HttpResponse:
    """Invite a person by e-mail."""
    organisation = _managed_organisation(request, slug, members=True)
    form = InviteForm(request.POST)
    if not form.is_valid():
        return _members_page(request, organisation, form)
    try:
        membership = services.member_invite(
            organisation=organisation,
            actor=request.user,
            site_root=_site_root(request),
            **form.cleaned_data,
        )
    except ValidationFailed as error:
        add_application_error(form, error)
        return _members_page(request, organisation, form)
    messages.success(
        request,
        _("%(email)s is invited: an e-mail is on its way.")
        % {"email": membership.user.email or membership.user.username},
    )
    return redirect("organisation-members", slug=organisation.slug)


@login_required
@require_POST
def member_role(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Make a member an administrator or staff."""
    organisation = _managed_organisation(request, slug, members=True)
    membership = get_object_or_404(
        Membership.objects.select_related("user", "organisation"),
        pk=pk,
        organisation=organisation,
    )
    form = RoleForm(request.POST, prefix=f"member-{membership.pk}")
    if not form.is_valid():
        messages.error(request, _("Choose a role: administrator or staff."))
        return redirect("organisation-members", slug=organisation.slug)
    try:
        membership = services.membership_role_change(
            membership=membership, role=form.cleaned_data["role"], actor=request.user
        )
    except ValidationFailed as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("%(username)s is now %(role)s.")
            % {"username": membership.user.username, "role": membership.get_role_display()},
        )
    return redirect("organisation-members", slug=organisation.slug)


@login_required
@require_POST
def member_remove(request: HttpRequest, slug: str, pk: int) -> HttpResponse:
    """Remove a person from the organisation."""
    organisation = _managed_organisation(request, slug, members=True)
    membership = get_object_or_404(
        Membership.objects.select_related("user", "organisation"),
        pk=pk,
        organisation=organisation,
    )
    try:
        services.membership_remove(membership=membership, actor=request.user)
    except ValidationFailed as error:
        messages.error(request, error.message)
        return redirect("organisation-members", slug=organisation.slug)
    messages.success(
        request,
        _("%(username)s is no longer a member of %(organisation)s.")
        % {"username": membership.user.username, "organisation": organisation.name},
    )
    if membership.user_id == request.user.pk:
        return redirect("dashboard")
    return redirect("organisation-members", slug=organisation.slug)


@login_required
@require_POST
def unlock_member(request: HttpRequest, slug: str, username: str) -> HttpResponse:
    """Unlock the account of a member locked out by login failures."""
    organisation = get_object_or_404(Organisation, slug=slug, is_active=True)
    member_unlock(organisation=organisation, username=username, actor=request.user)
    messages.success(request, _("The account %(username)s is unlocked.") % {"username": username})
    return redirect("organisation-members", slug=organisation.slug)
