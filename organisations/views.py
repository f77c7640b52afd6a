"""Pages of the organisations: the dashboard, the organisation switcher, and the members of an
organisation for its administrators (who unlock an account locked by login failures)."""

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

from organisations.active import activate, active_membership
from organisations.dashboard import dashboard_action, dashboard_panels
from organisations.forms import OrganisationSwitchForm
from organisations.models import Organisation
from organisations.permissions import memberships_of, require_members_manager
from organisations.selectors import locked_out_usernames, organisation_members
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


@login_required
def members(request: HttpRequest, slug: str) -> HttpResponse:
    """The members of an organisation, for its administrators: who is locked out, and unlock."""
    organisation = get_object_or_404(Organisation, slug=slug, is_active=True)
    require_members_manager(request.user, organisation)
    memberships = list(organisation_members(organisation))
    locked = locked_out_usernames([membership.user.username for membership in memberships])
    rows = [
        {"membership": membership, "locked": membership.user.username in locked}
        for membership in memberships
    ]
    return render(
        request, "organisations/members.html", {"organisation": organisation, "rows": rows}
    )


@login_required
@require_POST
def unlock_member(request: HttpRequest, slug: str, username: str) -> HttpResponse:
    """Unlock the account of a member locked out by login failures."""
    organisation = get_object_or_404(Organisation, slug=slug, is_active=True)
    member_unlock(organisation=organisation, username=username, actor=request.user)
    messages.success(request, _("The account %(username)s is unlocked.") % {"username": username})
    return redirect("organisation-members", slug=organisation.slug)
