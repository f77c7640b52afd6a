"""The load benchmark's bare views: for each list, search, detail and dashboard it drives, the
same rows read with ``values()`` and returned as JSON, with the same filters and ordering.

They are the floor an endpoint is compared with: what the query alone costs once Django has
routed the request, with no authentication, serializer, template, permission hint or count
besides what the endpoint shows. Mounted by ``bench/load_urls.py`` under ``/__bench__/`` for
the benchmark's own server only, never by the application's URLs. Anonymous: the organisation
whose view they reproduce is named by its slug (``?organisation=…``), and its visibility rule
is the application's own filter (the apps' ``permissions`` modules), so that the rows are the
ones its members see.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db.models import Count, Max, Min, Q, QuerySet, Sum
from django.http import Http404, HttpRequest, JsonResponse
from django.urls import path
from django.utils.dateparse import parse_datetime
from django.views.decorators.http import require_GET

from documents.models import Document
from documents.permissions import visible_documents_q
from inventory import lifecycle
from inventory import permissions as inventory_permissions
from inventory.choices import DeviceState, FlowStep
from inventory.models import Device, DeviceImport, DeviceStepCount
from organisations.models import Organisation
from procurement import permissions as procurement_permissions
from procurement.models import Campaign, Delivery, Invoice, Offer, Order
from reuse import permissions as reuse_permissions
from reuse.choices import PickupState
from reuse.models import Collection, PickupPlan, WasteRecord

# Newest first, the primary key breaking ties: the default order of the device lists.
DEVICE_ORDERING = ("-created_at", "-pk")
# How many recent devices, claims and pickups a dashboard's panel lists.
DASHBOARD_RECENT = 5
OPEN_PICKUP_STATES = (PickupState.PROPOSED, PickupState.COUNTER_PROPOSED, PickupState.CONFIRMED)


def _organisation(request: HttpRequest, slug: str | None = None) -> Organisation:
    slug = slug or request.GET.get("organisation", "")
    organisation = Organisation.objects.filter(slug=slug).first()
    if organisation is None:
        raise Http404("No such organisation.")
    return organisation


def _limit(request: HttpRequest) -> int:
    return int(request.GET.get("limit") or settings.BOUCLE_DEVICE_PAGE_SIZE)


def _answer(rows: QuerySet | list[dict[str, Any]], **figures: Any) -> JsonResponse:
    return JsonResponse({"rows": list(rows), **figures})


def _visible(queryset: QuerySet, visibility: Q | None) -> QuerySet:
    return queryset.none() if visibility is None else queryset.filter(visibility)


def _api_search(search: str) -> Q:
    """DRF's ``SearchFilter`` on the device API: every term in brand, model, serial number
    or code."""
    condition = Q()
    for term in search.replace(",", " ").split():
        condition &= (
            Q(brand__icontains=term)
            | Q(model__icontains=term)
            | Q(serial_number__icontains=term)
            | Q(code__icontains=term)
        )
    return condition


def _page_search(text: str) -> Q:
    """The inventory page's ``q``: every word in brand, model or serial number, or exactly
    a code or an asset tag."""
    condition = Q()
    for word in text.split():
        condition &= (
            Q(brand__icontains=word)
            | Q(model__icontains=word)
            | Q(serial_number__icontains=word)
            | Q(code__iexact=word)
            | Q(asset_tag__iexact=word)
        )
    return condition


def _after(value: str) -> Q:
    """Rows after ``created_at,pk`` in the newest-first order: the next page's keyset."""
    created_at, _, pk = value.rpartition(",")
    moment = parse_datetime(created_at)
    if moment is None or not pk.isdigit():
        raise Http404("Bad position.")
    return Q(created_at__lt=moment) | Q(created_at=moment, pk__lt=int(pk))


@require_GET
def devices(request: HttpRequest) -> JsonResponse:
    """A page of the devices the organisation sees, newest first: the API's list and the
    inventory page. ``state`` and ``category`` (repeatable), ``commune`` (slug), ``search``
    (the API's search), ``q`` (the page's) and ``after`` (``created_at,pk`` of the previous
    page's last row) filter it as they do."""
    organisation = _organisation(request)
    rows = _visible(Device.objects.all(), inventory_permissions.visible_devices_q([organisation]))
    if states := request.GET.getlist("state"):
        rows = rows.filter(state__in=states)
    if categories := request.GET.getlist("category"):
        rows = rows.filter(category__in=categories)
    if commune := request.GET.get("commune"):
        rows = rows.filter(commune__slug=commune)
    if search := request.GET.get("search"):
        rows = rows.filter(_api_search(search))
    if text := request.GET.get("q"):
        rows = rows.filter(_page_search(text))
    if after := request.GET.get("after"):
        rows = rows.filter(_after(after))
    return _answer(rows.order_by(*DEVICE_ORDERING).values()[: _limit(request)])


@require_GET
def device(request: HttpRequest, code: str) -> JsonResponse:
    """One device the organisation sees, by its code: the API's and the page's detail."""
    organisation = _organisation(request)
    rows = _visible(Device.objects.all(), inventory_permissions.visible_devices_q([organisation]))
    row = rows.filter(code=code.upper()).order_by(*DEVICE_ORDERING).values().first()
    if row is None:
        raise Http404("No such device.")
    return _answer([row])


def _state_counts(rows: QuerySet[Device]) -> list[dict[str, Any]]:
    return list(rows.order_by().values("state").annotate(count=Count("pk")).order_by("state"))


def _recent(rows: QuerySet[Device]) -> list[dict[str, Any]]:
    return list(rows.order_by(*DEVICE_ORDERING).values()[:DASHBOARD_RECENT])


def _open_pickups(organisation: Organisation) -> dict[str, Any]:
    plans = PickupPlan.objects.filter(
        Q(partner=organisation) | Q(commune=organisation), state__in=OPEN_PICKUP_STATES
    )
    awaiting = PickupPlan.objects.filter(
        Q(commune=organisation, state=PickupState.PROPOSED)
        | Q(partner=organisation, state=PickupState.COUNTER_PROPOSED)
    )
    return {
        "pickups": list(plans.order_by("date", "starts_at", "pk").values()[:DASHBOARD_RECENT]),
        "pickups_awaiting_answer": awaiting.count(),
    }


def _territory_dashboard(territory: Organisation) -> JsonResponse:
    everything = Device.objects.all()
    awaiting = everything.filter(state__in=lifecycle.transition_sources("claim"))
    by_commune = (
        everything.order_by()
        .values("commune__name", "commune__slug")
        .annotate(
            total=Count("pk"),
            awaiting_claim=Count("pk", filter=Q(state=DeviceState.DECLARED)),
            withdrawn=Count("pk", filter=Q(state=DeviceState.WITHDRAWN)),
        )
        .order_by("commune__name")
    )
    return _answer(
        _recent(awaiting),
        awaiting_claim=awaiting.count(),
        states=_state_counts(everything),
        by_commune=list(by_commune),
    )


def _commune_dashboard(commune: Organisation) -> JsonResponse:
    own = Device.objects.filter(commune=commune)
    awaiting = own.filter(state=DeviceState.DECLARED)
    claimed = own.filter(state=DeviceState.CLAIMED)
    claims_by_partner = (
        claimed.order_by()
        .values("claimed_by__name")
        .annotate(count=Count("pk"), since=Min("claimed_at"), latest=Max("claimed_at"))
        .order_by("claimed_by__name")
    )
    return _answer(
        _recent(awaiting),
        awaiting_claim=awaiting.count(),
        states=_state_counts(own),
        claims_by_partner=list(claims_by_partner),
        recent_claims=list(claimed.order_by("-claimed_at", "-pk").values()[:DASHBOARD_RECENT]),
        **_open_pickups(commune),
    )


def _partner_dashboard(partner: Organisation) -> JsonResponse:
    claimable = Device.objects.filter(state__in=lifecycle.transition_sources("claim"))
    held = Device.objects.filter(holder=partner)
    claims = Device.objects.filter(state=DeviceState.CLAIMED, claimed_by=partner)
    return _answer(
        _recent(claimable),
        claimable=claimable.count(),
        held_states=_state_counts(held),
        held=_recent(held),
        claims=claims.count(),
        oldest_claims=list(claims.order_by("claimed_at", "pk").values()[:DASHBOARD_RECENT]),
        **_open_pickups(partner),
    )


@require_GET
def dashboard(request: HttpRequest, slug: str) -> JsonResponse:
    """The figures and rows of an organisation's dashboard, its first list as ``rows``: the
    devices awaiting a claim (territory, commune) or claimable (partner)."""
    organisation = _organisation(request, slug)
    if organisation.is_territory:
        return _territory_dashboard(organisation)
    if organisation.is_commune:
        return _commune_dashboard(organisation)
    if organisation.is_partner:
        return _partner_dashboard(organisation)
    raise Http404("No device dashboard for this kind of organisation.")


@require_GET
def impact(request: HttpRequest, slug: str) -> JsonResponse:
    """The devices that reached each step of the loop this year, in the loop's order: the
    figures an impact dashboard shows first, read from the step counts alone (the territory's
    all of them, a commune's those of the devices it declared)."""
    organisation = _organisation(request, slug)
    counts = DeviceStepCount.objects.filter(month__year=int(request.GET["year"]))
    if organisation.is_commune:
        counts = counts.filter(commune=organisation)
    elif not organisation.is_territory:
        raise Http404("The bare view reads a territory's or a commune's indicators.")
    totals = dict(counts.values_list("step").annotate(devices=Sum("count")).order_by())
    return _answer([{"step": step, "devices": totals.get(step, 0)} for step in FlowStep.values])


def _listing(model, visibility, ordering: tuple[str, ...]):
    """A bare view of ``limit`` rows of ``model`` the organisation sees, in ``ordering``;
    ``visibility`` builds the application's filter from the organisations."""

    @require_GET
    def view(request: HttpRequest) -> JsonResponse:
        organisation = _organisation(request)
        rows = _visible(model.objects.all(), visibility([organisation]))
        # An API's own order where it differs from its page's (``?ordering=-created_at``).
        order = request.GET["ordering"].split(",") if request.GET.get("ordering") else ordering
        return _answer(rows.order_by(*order).values()[: _limit(request)])

    view.__doc__ = f"The {model._meta.verbose_name_plural} the organisation sees, as listed."
    return view


def _claims_visibility(organisations: list[Organisation]) -> Q | None:
    """A partner's current claims, those on a commune's devices, every one for the territory."""
    claimed = Q(state=DeviceState.CLAIMED)
    if any(organisation.is_territory for organisation in organisations):
        return claimed
    return claimed & (
        Q(
            claimed_by__in=[
                organisation.pk for organisation in organisations if organisation.is_partner
            ]
        )
        | Q(
            commune__in=[
                organisation.pk for organisation in organisations if organisation.is_commune
            ]
        )
    )


def _waste_records_visibility(organisations: list[Organisation]) -> Q | None:
    """The application's filter reaches a commune's records through their devices, a join
    that repeats a record once per device: as its list does, keep each record once."""
    visibility = reuse_permissions.visible_waste_records_q(organisations)
    if visibility is None:
        return None
    return Q(pk__in=WasteRecord.objects.filter(visibility).values("pk"))


urlpatterns = [
    path("devices/", devices, name="bench-devices"),
    path("devices/<str:code>/", device, name="bench-device"),
    path("dashboard/<slug:slug>/", dashboard, name="bench-dashboard"),
    path("impact/<slug:slug>/", impact, name="bench-impact"),
    path(
        "imports/",
        _listing(DeviceImport, inventory_permissions.visible_imports_q, ("-created_at", "-pk")),
        name="bench-imports",
    ),
    path(
        "documents/",
        _listing(Document, visible_documents_q, ("-created_at", "-pk")),
        name="bench-documents",
    ),
    path(
        "claims/",
        _listing(Device, _claims_visibility, ("claimed_at", "pk")),
        name="bench-claims",
    ),
    path(
        "collections/",
        _listing(Collection, reuse_permissions.visible_collections_q, ("-collected_on", "-pk")),
        name="bench-collections",
    ),
    path(
        "pickups/",
        _listing(PickupPlan, reuse_permissions.visible_pickups_q, ("date", "starts_at", "pk")),
        name="bench-pickups",
    ),
    # Group purchasing and what follows it (issues 12 and 13): the API's order, then the
    # pages' (the newest first, the primary key breaking ties; the catalogue by partner).
    path(
        "offers/",
        _listing(Offer, procurement_permissions.visible_offers_q, ("partner__name", "title", "pk")),
        name="bench-offers",
    ),
    path(
        "campaigns/",
        _listing(Campaign, procurement_permissions.visible_campaigns_q, ("-closes_at", "-pk")),
        name="bench-campaigns",
    ),
    path(
        "orders/",
        _listing(Order, procurement_permissions.visible_orders_q, ("-created_at", "-pk")),
        name="bench-orders",
    ),
    path(
        "deliveries/",
        _listing(Delivery, procurement_permissions.visible_deliveries_q, ("-created_at", "-pk")),
        name="bench-deliveries",
    ),
    path(
        "invoices/",
        _listing(Invoice, procurement_permissions.visible_deliveries_q, ("-created_at", "-pk")),
        name="bench-invoices",
    ),
    path(
        "waste-records/",
        _listing(WasteRecord, _waste_records_visibility, ("-shipped_on", "-pk")),
        name="bench-waste-records",
    ),
]
