"""The group purchasing API: offers and their stock, campaigns with their commands (open,
close, cancel), commitments, the allocation (previewed, then recorded), orders, their
deliveries with the buyer's admission, and the invoices with their credit notes.

Every view reads through :mod:`procurement.selectors` (what the user's organisations may see:
404 otherwise) and writes through :mod:`procurement.services` (who may act: 403 otherwise).
"""

from __future__ import annotations

from django.conf import settings
from django.db.models import Prefetch
from django.http import FileResponse
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import (
    OpenApiParameter,
    OpenApiResponse,
    extend_schema,
    extend_schema_view,
)
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.renderers import JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from common.api import KeysetCursorPagination, error_responses
from common.errors import ErrorSerializer, NotFound, PermissionDenied, ValidationFailed
from documents.api.views import DocumentNotIssued, PDFRenderer
from documents.choices import DocumentState
from inventory.models import Device
from organisations.models import Site
from organisations.permissions import organisations_of
from procurement import permissions, selectors, services
from procurement.allocation import PriceTier
from procurement.api.serializers import (
    DELIVERY_ITEM_COLUMNS,
    AdmissionWriteSerializer,
    AllocationSerializer,
    CampaignSerializer,
    CampaignUpdateSerializer,
    CampaignWriteSerializer,
    CancelSerializer,
    CommitmentSerializer,
    CommitmentWriteSerializer,
    DeliverySerializer,
    DeliveryWriteSerializer,
    InvoiceSerializer,
    InvoiceWriteSerializer,
    OfferSerializer,
    OfferUpdateSerializer,
    OfferWriteSerializer,
    OrderSerializer,
    StockAddSerializer,
    StockChangeSerializer,
    StockDeviceSerializer,
    StockRemoveSerializer,
    line_data,
    outcome_data,
)
from procurement.models import (
    Campaign,
    Delivery,
    DeliveryDevice,
    Groupement,
    Invoice,
    Offer,
    Order,
)
from reuse.api.common import validated


def _pk(value: str, *, message: str, code: str) -> int:
    try:
        pk = int(value)
    except (TypeError, ValueError) as error:
        raise NotFound(message, code=code) from error
    if not 0 < pk < 2**31:
        raise NotFound(message, code=code)
    return pk


class _Pagination(KeysetCursorPagination):
    page_size = settings.BOUCLE_DEVICE_PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = 200


class OfferPagination(_Pagination):
    """The newest offer first."""

    ordering = ("-created_at",)


class CampaignPagination(_Pagination):
    """The latest closing first."""

    ordering = ("-closes_at",)


class OrderPagination(_Pagination):
    """The newest order first."""

    ordering = ("-created_at",)


_OFFER_CHANGE_ERRORS = {
    **error_responses(400),
    403: OpenApiResponse(ErrorSerializer, description="Not your partner's offer."),
    404: OpenApiResponse(ErrorSerializer, description="No such offer."),
    409: OpenApiResponse(
        ErrorSerializer,
        description="The offer is in a campaign under way, inactive, or a device is not "
        "ready or in another offer.",
    ),
}


def _tiers(data: list[dict]) -> list[PriceTier]:
    return [PriceTier(threshold=tier["threshold"], unit_price=tier["unit_price"]) for tier in data]


@extend_schema(tags=["offers"])
@extend_schema_view(
    list=extend_schema(
        summary="List the offers",
        description=(
            "Every active offer, and your partner's inactive ones; all for the territory. "
            "Newest first; page with the `next` and `previous` links."
        ),
        responses={200: OfferSerializer(many=True), **error_responses(400)},
    ),
    retrieve=extend_schema(
        summary="Read an offer", responses={200: OfferSerializer, **error_responses(404)}
    ),
)
class OfferViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """A partner's catalogue lines of refurbished hardware, their price tiers and stock."""

    serializer_class = OfferSerializer
    pagination_class = OfferPagination
    filter_backends: list = []

    def get_queryset(self):
        return selectors.offers_visible_to(organisations_of(self.request.user))

    def get_serializer_class(self):
        return {
            "create": OfferWriteSerializer,
            "partial_update": OfferUpdateSerializer,
            "stock": StockAddSerializer,
            "stock_remove": StockRemoveSerializer,
        }.get(self.action, OfferSerializer)

    def get_object(self) -> Offer:
        pk = _pk(self.kwargs["pk"], message=_("No such offer."), code="offer_not_found")
        return selectors.offer_get_visible(pk=pk, organisations=organisations_of(self.request.user))

    def list(self, request: Request) -> Response:
        page = self.paginate_queryset(self.get_queryset())
        context = {
            "request": request,
            "stock_counts": selectors.stock_counts(page),
        }
        return self.get_paginated_response(OfferSerializer(page, many=True, context=context).data)

    def _answer(self, request: Request, offer: Offer, code=status.HTTP_200_OK) -> Response:
        offer = selectors.offer_get_visible(
            pk=offer.pk, organisations=organisations_of(request.user)
        )
        context = {"request": request, "stock_counts": selectors.stock_counts([offer])}
        return Response(OfferSerializer(offer, context=context).data, status=code)

    def retrieve(self, request: Request, pk: str) -> Response:
        return self._answer(request, self.get_object())

    @extend_schema(
        summary="Publish an offer (a partner)",
        description=(
            "Category, minimum specification (processor named, memory, storage, screen), "
            "grade or better, warranty of at least 12 months, VAT rate, minimum quantity and "
            "unit price tiers by pooled quantity excl. VAT (a larger quantity never dearer, "
            "the first tier from the minimum quantity or below). Its stock starts empty."
        ),
        request=OfferWriteSerializer,
        responses={201: OfferSerializer, **error_responses(400, 403)},
    )
    def create(self, request: Request) -> Response:
        data = dict(validated(OfferWriteSerializer(data=request.data)))
        partner = permissions.offering_partner(request.user, data.pop("partner", None))
        offer = services.offer_create(
            partner=partner,
            user=request.user,
            price_tiers=_tiers(data.pop("price_tiers")),
            **data,
        )
        return self._answer(request, offer, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change an offer (its partner)",
        description=(
            "The fields sent change; `price_tiers` replaces every tier. Refused (409) while a "
            "campaign holding the offer is open or closing. Devices that no longer match "
            "leave its stock."
        ),
        request=OfferUpdateSerializer,
        responses={200: OfferSerializer, **_OFFER_CHANGE_ERRORS},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        offer = self.get_object()
        data = dict(validated(OfferUpdateSerializer(data=request.data)))
        tiers = _tiers(data.pop("price_tiers")) if "price_tiers" in data else None
        offer = services.offer_update(offer=offer, user=request.user, price_tiers=tiers, **data)
        return self._answer(request, offer)

    @extend_schema(
        summary="Deactivate an offer (its partner)",
        description=(
            "It joins no new campaign and its stock is emptied (the devices stay ready). "
            "Refused (409) while a campaign holding it is open or closing."
        ),
        request=None,
        responses={200: OfferSerializer, **_OFFER_CHANGE_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def deactivate(self, request: Request, pk: str) -> Response:
        offer = services.offer_deactivate(offer=self.get_object(), user=request.user)
        return self._answer(request, offer)

    @extend_schema(
        methods=["GET"],
        summary="List the devices of an offer's stock (its partner, the territory)",
        description="`counts` tells which count: still ready and matching the offer.",
        responses={
            200: StockDeviceSerializer(many=True),
            403: OpenApiResponse(ErrorSerializer, description="Not your partner's offer."),
            **error_responses(404),
        },
    )
    @extend_schema(
        methods=["POST"],
        summary="Put devices into an offer's stock (its partner)",
        description=(
            "Either `codes`, all or none: your ready devices that match the offer and are in "
            "no other offer (404 for a device you do not hold, 409 not ready or in another "
            "offer, 400 not matching, with the reasons); or `every_match`: every ready device "
            "of yours that matches and is in no offer. Answers the codes put in."
        ),
        request=StockAddSerializer,
        responses={200: StockChangeSerializer, **_OFFER_CHANGE_ERRORS},
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def stock(self, request: Request, pk: str) -> Response:
        offer = self.get_object()
        if request.method == "GET":
            organisations = organisations_of(request.user)
            if not permissions.may_read_stock(organisations, offer):
                raise _not_your_offer()
            devices = list(selectors.offer_items(offer))
            counting = set(selectors.offer_stock(offer).values_list("pk", flat=True))
            serializer = StockDeviceSerializer(
                devices, many=True, context={"request": request, "counting": counting}
            )
            return Response(serializer.data)
        _require_own_offer(request, offer)
        data = validated(StockAddSerializer(data=request.data))
        devices = None
        if "codes" in data:
            devices = _own_devices(data["codes"], offer)
        added = services.offer_stock_add(
            offer=offer,
            user=request.user,
            devices=devices,
            every_match=devices is None,
        )
        return Response({"codes": sorted(device.code for device in added)})

    @extend_schema(
        summary="Take devices out of an offer's stock (its partner)",
        description="They stay ready. Answers the codes that were in the offer.",
        request=StockRemoveSerializer,
        responses={200: StockChangeSerializer, **_OFFER_CHANGE_ERRORS},
    )
    @action(detail=True, methods=["post"], url_path="stock/remove", pagination_class=None)
    def stock_remove(self, request: Request, pk: str) -> Response:
        offer = self.get_object()
        _require_own_offer(request, offer)
        data = validated(StockRemoveSerializer(data=request.data))
        devices = _own_devices(data["codes"], offer)
        removed = services.offer_stock_remove(offer=offer, user=request.user, devices=devices)
        codes = {device.pk: device.code for device in devices}
        return Response({"codes": sorted(codes[pk] for pk in removed)})


def _require_own_offer(request: Request, offer: Offer) -> None:
    """403 unless the user acts for the offer's partner: asked before the codes sent are
    looked up, so that another organisation learns nothing of the partner's devices."""
    if not any(
        permissions.may_manage_offer(organisation, offer)
        for organisation in organisations_of(request.user)
    ):
        raise _not_your_offer()


def _not_your_offer() -> PermissionDenied:
    return PermissionDenied(_("Only the offer's partner manages its stock."), code="not_your_offer")


def _own_devices(codes: list[str], offer: Offer) -> list[Device]:
    """The devices of these codes held by the offer's partner; 404 naming the others, the same
    whether no device has the code or another organisation holds it."""
    wanted = {code.strip().upper() for code in codes}
    devices = list(Device.objects.filter(code__in=wanted, holder=offer.partner_id).order_by("pk"))
    others = sorted(wanted - {device.code for device in devices})
    if others:
        raise NotFound(
            _("No device your organisation holds has these codes: %(codes)s.")
            % {"codes": ", ".join(others)},
            code="device_not_found",
        )
    return devices


_CAMPAIGN_COMMAND_ERRORS = {
    **error_responses(400),
    403: OpenApiResponse(ErrorSerializer, description="Not the groupement's coordinator."),
    404: OpenApiResponse(ErrorSerializer, description="No such campaign."),
    409: OpenApiResponse(ErrorSerializer, description="The campaign's state forbids it."),
}
_COMMITMENT_PK = OpenApiParameter(
    "commitment_pk", OpenApiTypes.INT, OpenApiParameter.PATH, description="The commitment's id."
)


@extend_schema(tags=["campaigns"])
@extend_schema_view(
    list=extend_schema(
        summary="List the campaigns you see",
        description=(
            "All for the territory, drafts included; once opened, those of your groupement "
            "and those holding your partner's offers. The latest closing first."
        ),
        responses={200: CampaignSerializer(many=True), **error_responses(400)},
    ),
    retrieve=extend_schema(
        summary="Read a campaign", responses={200: CampaignSerializer, **error_responses(404)}
    ),
)
class CampaignViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Pooled purchases the territory runs for its groupement de commandes."""

    serializer_class = CampaignSerializer
    pagination_class = CampaignPagination
    filter_backends: list = []

    def get_queryset(self):
        return selectors.campaigns_visible_to(organisations_of(self.request.user))

    def get_serializer_class(self):
        return {
            "create": CampaignWriteSerializer,
            "partial_update": CampaignUpdateSerializer,
            "cancel": CancelSerializer,
            "commitments": CommitmentWriteSerializer,
        }.get(self.action, CampaignSerializer)

    def get_object(self) -> Campaign:
        pk = _pk(self.kwargs["pk"], message=_("No such campaign."), code="campaign_not_found")
        return selectors.campaign_get_visible(
            pk=pk, organisations=organisations_of(self.request.user)
        )

    def _answer(self, request: Request, campaign: Campaign, code=status.HTTP_200_OK) -> Response:
        campaign = selectors.campaign_get_visible(
            pk=campaign.pk, organisations=organisations_of(request.user)
        )
        return Response(CampaignSerializer(campaign, context={"request": request}).data, code)

    def _offers(self, pks: list[int]) -> list[Offer]:
        offers = list(
            selectors.offers_visible_to(organisations_of(self.request.user)).filter(pk__in=pks)
        )
        unknown = sorted(set(pks) - {offer.pk for offer in offers})
        if unknown:
            raise NotFound(
                _("No such offers: %(ids)s.") % {"ids": ", ".join(map(str, unknown))},
                code="offer_not_found",
            )
        return offers

    @extend_schema(
        summary="Draft a campaign (the territory)",
        description=(
            "For your groupement: a title, a description, its offers, its opening and closing "
            "times. Members see it once it is opened."
        ),
        request=CampaignWriteSerializer,
        responses={
            201: CampaignSerializer,
            **error_responses(400),
            403: OpenApiResponse(ErrorSerializer, description="Not the territory."),
            404: OpenApiResponse(ErrorSerializer, description="No such groupement or offer."),
        },
    )
    def create(self, request: Request) -> Response:
        data = validated(CampaignWriteSerializer(data=request.data))
        territory = permissions.coordinating_territory(request.user)
        groupement = Groupement.objects.filter(pk=data["groupement"], coordinator=territory).first()
        if groupement is None:
            raise NotFound(_("No such groupement."), code="groupement_not_found")
        campaign = services.campaign_create(
            groupement=groupement,
            user=request.user,
            title=data["title"],
            description=data.get("description", ""),
            opens_at=data["opens_at"],
            closes_at=data["closes_at"],
            offers=self._offers(data.get("offers", [])),
        )
        return self._answer(request, campaign, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Change a draft campaign (the territory)",
        description="The fields sent change; `offers` replaces them all. 409 once opened.",
        request=CampaignUpdateSerializer,
        responses={200: CampaignSerializer, **_CAMPAIGN_COMMAND_ERRORS},
    )
    def partial_update(self, request: Request, pk: str) -> Response:
        campaign = self.get_object()
        data = dict(validated(CampaignUpdateSerializer(data=request.data)))
        if "offers" in data:
            data["offers"] = self._offers(data["offers"])
        campaign = services.campaign_update(campaign=campaign, user=request.user, **data)
        return self._answer(request, campaign)

    @extend_schema(
        summary="Open a draft campaign (the territory)",
        description=(
            "Its members are told by e-mail; those whose approval of the convention does not "
            "come after its opening day commit until its closing time. 400 without an offer "
            "or past the closing time; 409 when an offer is inactive or in another campaign "
            "under way."
        ),
        request=None,
        responses={200: CampaignSerializer, **_CAMPAIGN_COMMAND_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def open(self, request: Request, pk: str) -> Response:
        campaign = services.campaign_open(campaign=self.get_object(), user=request.user)
        return self._answer(request, campaign)

    @extend_schema(
        summary="Close a campaign now and allocate it (the territory)",
        description=(
            "Commitments are no longer taken; the stock is allocated, one order placed per "
            "buyer and partner and its devices reserved; buyers and partners are told. The "
            "same happens by itself at the closing time. Idempotent: an allocated campaign "
            "is answered as it is."
        ),
        request=None,
        responses={200: CampaignSerializer, **_CAMPAIGN_COMMAND_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def close(self, request: Request, pk: str) -> Response:
        campaign = services.campaign_close(campaign=self.get_object(), user=request.user)
        return self._answer(request, campaign)

    @extend_schema(
        summary="Cancel a campaign before delivery (the territory)",
        description=(
            "With a reason. Its placed orders are cancelled and their devices go back to "
            "ready; the committed members are told."
        ),
        request=CancelSerializer,
        responses={200: CampaignSerializer, **_CAMPAIGN_COMMAND_ERRORS},
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        campaign = self.get_object()
        data = validated(CancelSerializer(data=request.data))
        campaign = services.campaign_cancel(
            campaign=campaign, user=request.user, reason=data["reason"]
        )
        return self._answer(request, campaign)

    @extend_schema(
        methods=["GET"],
        summary="List the commitments to a campaign",
        description="Your own; every one for the territory. The earliest first.",
        responses={200: CommitmentSerializer(many=True), **error_responses(404)},
    )
    @extend_schema(
        methods=["POST"],
        summary="Commit to a campaign, or replace your commitment (a member)",
        description=(
            "Quantities per offer of the campaign (0 leaves one out), one of your open "
            "delivery sites, a contact, your SIRET (your organisation's by default), a "
            "service code and an engagement number when you have them. 201 when created, "
            "200 when replaced (it keeps its place). 403 for a member that is not one of the "
            "groupement or approved the convention after the opening day; 409 outside the "
            "opening and closing times."
        ),
        request=CommitmentWriteSerializer,
        responses={
            200: CommitmentSerializer,
            201: CommitmentSerializer,
            **error_responses(400),
            403: OpenApiResponse(ErrorSerializer, description="Not a member who may commit."),
            404: OpenApiResponse(ErrorSerializer, description="No such campaign or site."),
            409: OpenApiResponse(ErrorSerializer, description="Not taking commitments now."),
        },
    )
    @action(detail=True, methods=["get", "post"], pagination_class=None)
    def commitments(self, request: Request, pk: str) -> Response:
        campaign = self.get_object()
        organisations = organisations_of(request.user)
        if request.method == "GET":
            commitments = selectors.commitments_visible_to(campaign, organisations)
            return Response(
                CommitmentSerializer(commitments, many=True, context={"request": request}).data
            )
        data = validated(CommitmentWriteSerializer(data=request.data))
        buyer = permissions.committing_member(request.user, data.get("buyer"))
        site = selectors.delivery_sites_of(buyer).filter(pk=data["delivery_site"]).first()
        if site is None:
            raise NotFound(
                _("No open delivery site of your organisation has this id."),
                code="site_not_found",
            )
        offers = {offer.pk: offer for offer in campaign.offers.all()}
        unknown = sorted({line["offer"] for line in data["lines"]} - set(offers))
        if unknown:
            message = _("These offers are not in this campaign: %(offers)s.") % {
                "offers": ", ".join(map(str, unknown))
            }
            raise ValidationFailed(message, code="invalid", fields={"lines": [message]})
        commitment, created = services.commitment_submit(
            campaign=campaign,
            buyer=buyer,
            user=request.user,
            quantities={offers[line["offer"]]: line["quantity"] for line in data["lines"]},
            delivery_site=site,
            contact_name=data["contact_name"],
            contact_email=data["contact_email"],
            contact_phone=data.get("contact_phone", ""),
            siret=data.get("siret"),
            service_code=data.get("service_code", ""),
            engagement_number=data.get("engagement_number", ""),
        )
        commitment = selectors.commitment_get_visible(
            campaign=campaign, pk=commitment.pk, organisations=organisations
        )
        return Response(
            CommitmentSerializer(commitment, context={"request": request}).data,
            status=status.HTTP_201_CREATED if created else status.HTTP_200_OK,
        )

    @extend_schema(
        methods=["GET"],
        summary="Read a commitment to a campaign",
        parameters=[_COMMITMENT_PK],
        responses={200: CommitmentSerializer, **error_responses(404)},
    )
    @extend_schema(
        methods=["DELETE"],
        summary="Withdraw your commitment (its member)",
        description="Until the closing time (409 after it).",
        parameters=[_COMMITMENT_PK],
        responses={
            204: OpenApiResponse(description="Withdrawn."),
            403: OpenApiResponse(ErrorSerializer, description="Not your commitment."),
            404: OpenApiResponse(ErrorSerializer, description="No such commitment."),
            409: OpenApiResponse(ErrorSerializer, description="The campaign is closed."),
        },
    )
    @action(
        detail=True,
        methods=["get", "delete"],
        url_path=r"commitments/(?P<commitment_pk>[0-9]+)",
        pagination_class=None,
    )
    def commitment(self, request: Request, pk: str, commitment_pk: str) -> Response:
        campaign = self.get_object()
        commitment = selectors.commitment_get_visible(
            campaign=campaign,
            pk=_pk(commitment_pk, message=_("No such commitment."), code="commitment_not_found"),
            organisations=organisations_of(request.user),
        )
        if request.method == "GET":
            return Response(CommitmentSerializer(commitment, context={"request": request}).data)
        services.commitment_withdraw(commitment=commitment, user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(
        summary="Read a campaign's allocation",
        description=(
            "While the campaign runs, the preview of closing now (`is_preview`; nothing is "
            "reserved); once allocated, the result. Per offer: the stock, the demand, the "
            "total allocated, the tier reached (one unit price for every buyer) or why it "
            "was dropped. The lines are your own (a partner's: those of its offers; all for "
            "the territory), each with what was asked, what it got and why, and its amounts."
        ),
        responses={200: AllocationSerializer, **error_responses(404)},
    )
    @action(detail=True, methods=["get"], pagination_class=None)
    def allocation(self, request: Request, pk: str) -> Response:
        campaign = self.get_object()
        organisations = organisations_of(request.user)
        allocation = selectors.campaign_allocation(campaign, organisations=organisations)
        buyers = {pk: item.buyer.slug for pk, item in allocation.commitments.items()}
        data = {
            "campaign": campaign.pk,
            "is_preview": allocation.is_preview,
            "offers": [
                outcome_data(allocation.outcome_of(offer), offer) for offer in allocation.offers
            ],
            "lines": [line_data(line, buyers[line.commitment]) for line in allocation.lines],
        }
        return Response(AllocationSerializer(data).data)


@extend_schema(tags=["orders"])
@extend_schema_view(
    list=extend_schema(
        summary="List the orders you see",
        description=(
            "Your buyer's and your partner's orders; all for the territory. Newest first."
        ),
        responses={200: OrderSerializer(many=True), **error_responses(400)},
    ),
    retrieve=extend_schema(
        summary="Read an order", responses={200: OrderSerializer, **error_responses(404)}
    ),
)
class OrderViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """What a buyer orders from a partner in a campaign, priced by the allocation."""

    serializer_class = OrderSerializer
    pagination_class = OrderPagination
    filter_backends: list = []

    def get_queryset(self):
        return selectors.orders_visible_to(organisations_of(self.request.user))

    def get_serializer_class(self):
        return CancelSerializer if self.action == "cancel" else OrderSerializer

    def get_object(self) -> Order:
        pk = _pk(self.kwargs["pk"], message=_("No such order."), code="order_not_found")
        return selectors.order_get_visible(pk=pk, organisations=organisations_of(self.request.user))

    @extend_schema(
        summary="Cancel an order before delivery (the territory)",
        description=(
            "With a reason: its devices go back to ready (each with its event) and into their "
            "offer; the buyer and the partner are told."
        ),
        request=CancelSerializer,
        responses={
            200: OrderSerializer,
            **error_responses(400),
            403: OpenApiResponse(ErrorSerializer, description="Not the territory."),
            404: OpenApiResponse(ErrorSerializer, description="No such order."),
            409: OpenApiResponse(ErrorSerializer, description="Already cancelled."),
        },
    )
    @action(detail=True, methods=["post"])
    def cancel(self, request: Request, pk: str) -> Response:
        order = self.get_object()
        data = validated(CancelSerializer(data=request.data))
        services.order_cancel(order=order, user=request.user, reason=data["reason"])
        order = self.get_object()
        return Response(OrderSerializer(order, context={"request": request}).data)


class DeliveryPagination(_Pagination):
    """The newest delivery first."""

    ordering = ("-created_at",)


class InvoicePagination(_Pagination):
    """The newest invoice first."""

    ordering = ("-created_at",)


@extend_schema(tags=["deliveries"])
@extend_schema_view(
    list=extend_schema(
        summary="List the deliveries",
        description=(
            "The deliveries of your orders, as their buyer or their partner; all for the "
            "territory. Newest first."
        ),
        responses={200: DeliverySerializer(many=True), **error_responses(400)},
    ),
    retrieve=extend_schema(
        summary="Read a delivery", responses={200: DeliverySerializer, **error_responses(404)}
    ),
)
class DeliveryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Deliveries of orders: prepared by the partner with their delivery note, decided on by
    the buyer (admission, réfaction, ajournement, rejet)."""

    serializer_class = DeliverySerializer
    pagination_class = DeliveryPagination
    filter_backends: list = []

    def get_queryset(self):
        # Each device's code and its line's price: one query of the columns the answer gives,
        # not every column of the devices and lines in two more.
        items = DeliveryDevice.objects.select_related("device", "line").only(*DELIVERY_ITEM_COLUMNS)
        return selectors.deliveries_visible_to(
            organisations_of(self.request.user)
        ).prefetch_related(Prefetch("items", queryset=items))

    def get_serializer_class(self):
        return {"create": DeliveryWriteSerializer, "admission": AdmissionWriteSerializer}.get(
            self.action, DeliverySerializer
        )

    def get_object(self) -> Delivery:
        pk = _pk(self.kwargs["pk"], message=_("No such delivery."), code="delivery_not_found")
        return self._read(pk)

    def _read(self, pk: int) -> Delivery:
        selectors.delivery_get_visible(pk=pk, organisations=organisations_of(self.request.user))
        return self.get_queryset().get(pk=pk)

    @extend_schema(
        summary="Prepare a delivery of an order (its partner)",
        description=(
            "All or part (`codes`) of the devices still to deliver, to one of the buyer's open "
            "delivery sites, on a date; its delivery note (BL-…) is issued."
        ),
        request=DeliveryWriteSerializer,
        responses={
            201: DeliverySerializer,
            **error_responses(400),
            403: OpenApiResponse(ErrorSerializer, description="Not the order's partner."),
            404: OpenApiResponse(ErrorSerializer, description="No such order."),
            409: OpenApiResponse(
                ErrorSerializer, description="The order is cancelled or wholly delivered."
            ),
        },
    )
    def create(self, request: Request) -> Response:
        data = validated(DeliveryWriteSerializer(data=request.data))
        order = selectors.order_get_visible(
            pk=data["order"], organisations=organisations_of(request.user)
        )
        site = Site.objects.filter(pk=data["site"]).first()
        if site is None:
            message = _("Choose one of the buyer's open delivery sites.")
            raise ValidationFailed(message, code="foreign_site", fields={"site": [message]})
        delivery = services.delivery_prepare(
            order=order,
            user=request.user,
            site=site,
            delivery_date=data["delivery_date"],
            codes=data.get("codes"),
        )
        return Response(
            DeliverySerializer(self._read(delivery.pk), context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="Record the decision on a delivery (its buyer)",
        description=(
            "`admission`, `reduction` (with `reduction_amount` excl. VAT and `reason`), "
            "`postponement` or `rejection` (with `reason`), signed and dated; `refusals` names "
            "devices refused at the door (back to the partner's stock). The admitted devices "
            "are delivered, their warranty from that date; the admission record (PV-…) and the "
            "signed delivery note are issued. A delivery admitted or rejected is not decided "
            "on again (409)."
        ),
        request=AdmissionWriteSerializer,
        responses={
            200: DeliverySerializer,
            **error_responses(400),
            403: OpenApiResponse(ErrorSerializer, description="Not the order's buyer."),
            404: OpenApiResponse(ErrorSerializer, description="No such delivery."),
            409: OpenApiResponse(ErrorSerializer, description="Decided on already."),
        },
    )
    @action(detail=True, methods=["post"])
    def admission(self, request: Request, pk: str) -> Response:
        delivery = self.get_object()
        data = validated(AdmissionWriteSerializer(data=request.data))
        services.delivery_decide(
            delivery=delivery,
            user=request.user,
            decision=data["decision"],
            decided_on=data["decided_on"],
            signatory_name=data["signatory_name"],
            signatory_title=data["signatory_title"],
            reason=data["reason"],
            reduction_amount=data["reduction_amount"],
            refusals={refusal["code"]: refusal["reason"] for refusal in data.get("refusals", [])},
        )
        return Response(
            DeliverySerializer(self._read(delivery.pk), context={"request": request}).data
        )


@extend_schema(tags=["invoices"])
@extend_schema_view(
    list=extend_schema(
        summary="List the invoices",
        description=(
            "The invoices of your deliveries, as their partner or their buyer; all for the "
            "territory. Newest first."
        ),
        responses={200: InvoiceSerializer(many=True), **error_responses(400)},
    ),
    retrieve=extend_schema(
        summary="Read an invoice", responses={200: InvoiceSerializer, **error_responses(404)}
    ),
)
class InvoiceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    """Factur-X invoices of admitted deliveries, and the credit notes that cancel them."""

    serializer_class = InvoiceSerializer
    pagination_class = InvoicePagination
    filter_backends: list = []

    def get_queryset(self):
        return selectors.invoices_visible_to(organisations_of(self.request.user))

    def get_serializer_class(self):
        return {
            "create": InvoiceWriteSerializer,
            "credit_note": CancelSerializer,
        }.get(self.action, InvoiceSerializer)

    def get_object(self) -> Invoice:
        pk = _pk(self.kwargs["pk"], message=_("No such invoice."), code="invoice_not_found")
        invoice = self.get_queryset().filter(pk=pk).first()
        if invoice is None:
            raise NotFound(_("No such invoice."), code="invoice_not_found")
        return invoice

    def _answer(self, request: Request, pk: int, code=status.HTTP_200_OK) -> Response:
        invoice = self.get_queryset().get(pk=pk)
        return Response(InvoiceSerializer(invoice, context={"request": request}).data, status=code)

    @extend_schema(
        summary="Invoice an admitted delivery (its partner)",
        description=(
            "The admitted devices at the order's price, less the réfaction, VAT per rate, the "
            "buyer's SIRET, service code and engagement number, payment within 30 days: a "
            "Factur-X PDF/A-3 (FA-…) with its EN 16931 XML. Refused (409) for a delivery not "
            "admitted, or invoiced already."
        ),
        request=InvoiceWriteSerializer,
        responses={
            201: InvoiceSerializer,
            **error_responses(400),
            403: OpenApiResponse(ErrorSerializer, description="Not the delivery's partner."),
            404: OpenApiResponse(ErrorSerializer, description="No such delivery."),
            409: OpenApiResponse(ErrorSerializer, description="Not admitted, or invoiced."),
        },
    )
    def create(self, request: Request) -> Response:
        data = validated(InvoiceWriteSerializer(data=request.data))
        delivery = selectors.delivery_get_visible(
            pk=data["delivery"], organisations=organisations_of(request.user)
        )
        invoice = services.invoice_issue(delivery=delivery, user=request.user, iban=data["iban"])
        return self._answer(request, invoice.pk, status.HTTP_201_CREATED)

    @extend_schema(
        summary="Cancel an invoice by a credit note (its partner)",
        description=(
            "With a reason: a credit note (AV-…, type 381) of the same amounts naming the "
            "invoice, which is cancelled; the delivery may then be invoiced again."
        ),
        request=CancelSerializer,
        responses={
            200: InvoiceSerializer,
            **error_responses(400),
            403: OpenApiResponse(ErrorSerializer, description="Not the invoice's partner."),
            404: OpenApiResponse(ErrorSerializer, description="No such invoice."),
            409: OpenApiResponse(ErrorSerializer, description="Cancelled already."),
        },
    )
    @action(detail=True, methods=["post"], url_path="credit-note", url_name="credit-note")
    def credit_note(self, request: Request, pk: str) -> Response:
        invoice = self.get_object()
        data = validated(CancelSerializer(data=request.data))
        services.credit_note_issue(invoice=invoice, user=request.user, reason=data["reason"])
        return self._answer(request, invoice.pk)

    @extend_schema(
        summary="Download an invoice's Factur-X PDF",
        responses={
            (200, "application/pdf"): OpenApiResponse(
                OpenApiTypes.BINARY, description="The Factur-X PDF/A-3."
            ),
            404: OpenApiResponse(ErrorSerializer, description="No such invoice."),
            409: OpenApiResponse(ErrorSerializer, description="Not issued yet."),
        },
    )
    @action(
        detail=True,
        methods=["get"],
        url_path="download",
        url_name="download",
        renderer_classes=[PDFRenderer, JSONRenderer],
    )
    def download(self, request: Request, pk: str) -> FileResponse:
        document = self.get_object().document
        if document.state != DocumentState.ISSUED:
            raise DocumentNotIssued(
                _("Document %(number)s is not issued yet: try again in a moment.")
                % {"number": document.number}
            )
        return FileResponse(
            document.file.open("rb"),
            as_attachment=True,
            filename=document.filename,
            content_type="application/pdf",
        )
