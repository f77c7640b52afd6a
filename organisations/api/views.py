"""The organisations directory and their sites, and the token endpoint.

Any member of an organisation reads the directory: the partners need the communes' pickup
sites, the communes need to know who takes their devices. A user who belongs to no
organisation sees nothing. An organisation's administrators add, correct and close its sites
(``organisations.services``; staff are refused with 403).
"""

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.decorators import action
from rest_framework.filters import SearchFilter
from rest_framework.response import Response

from common.api import FilterBackend, StableOrderingFilter
from common.errors import ErrorSerializer, ValidationFailed
from common.lockout import lockout_response
from common.throttling import ScopedRateThrottle
from organisations import services
from organisations.api.serializers import (
    AuthTokenResponseSerializer,
    InvitationSerializer,
    MembershipSerializer,
    OrganisationSerializer,
    RoleSerializer,
    SiteSerializer,
    SiteWriteSerializer,
)
from organisations.choices import OrganisationKind
from organisations.models import Membership, Organisation, Site
from organisations.permissions import organisations_of, require_members_manager
from organisations.selectors import organisation_members


class OrganisationFilter(django_filters.FilterSet):
    # One kind per organisation: no join to make the rows distinct again.
    kind = django_filters.MultipleChoiceFilter(
        choices=OrganisationKind.choices, label=gettext_lazy("Kind"), distinct=False
    )

    class Meta:
        model = Organisation
        fields = ["kind"]


class SiteFilter(django_filters.FilterSet):
    organisation = django_filters.CharFilter(
        field_name="organisation__slug",
        label=gettext_lazy("Organisation"),
        help_text=gettext_lazy("The organisation's short name (slug)."),
    )
    is_pickup = django_filters.BooleanFilter(label=gettext_lazy("Pickup address"))
    is_delivery = django_filters.BooleanFilter(label=gettext_lazy("Delivery address"))

    class Meta:
        model = Site
        fields = ["organisation", "is_pickup", "is_delivery"]


def _reads_directory(user) -> bool:
    return bool(organisations_of(user))


@extend_schema(tags=["organisations"])
@extend_schema_view(
    list=extend_schema(
        summary="List the organisations of the territory",
        description="The territory, its communes, partners and buyers; filter by kind.",
    ),
    retrieve=extend_schema(
        summary="Read one organisation",
        description="One organisation, by its short name (slug).",
    ),
)
class OrganisationViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = OrganisationSerializer
    lookup_field = "slug"
    filter_backends = [FilterBackend, SearchFilter, StableOrderingFilter]
    filterset_class = OrganisationFilter
    search_fields = ["name", "slug", "insee_code", "siret", "siren"]
    ordering_fields = ["name", "kind", "created_at"]
    ordering = ["name"]

    def get_queryset(self) -> QuerySet[Organisation]:
        if not _reads_directory(self.request.user):
            return Organisation.objects.none()
        return Organisation.objects.filter(is_active=True)

    @extend_schema(
        methods=["GET"],
        summary="List an organisation's members",
        description="For the organisation's administrators.",
        responses={
            200: MembershipSerializer(many=True),
            403: OpenApiResponse(ErrorSerializer, description="Not an administrator."),
        },
        tags=["members"],
    )
    @extend_schema(
        methods=["POST"],
        summary="Invite a member by e-mail",
        description=(
            "For the organisation's administrators. Creates the account when no account has "
            "this address; the invitation e-mail links to the page where the person chooses "
            "their password. The change is recorded."
        ),
        request=InvitationSerializer,
        responses={
            201: MembershipSerializer,
            400: OpenApiResponse(ErrorSerializer, description="Invalid, or already a member."),
            403: OpenApiResponse(ErrorSerializer, description="Not an administrator."),
        },
        tags=["members"],
    )
    @action(detail=True, methods=["get", "post"], url_path="members", pagination_class=None)
    def members(self, request, slug=None):
        organisation = self.get_object()
        require_members_manager(request.user, organisation)
        if request.method == "GET":
            serializer = MembershipSerializer(
                organisation_members(organisation), many=True, context={"request": request}
            )
            return Response(serializer.data)
        serializer = InvitationSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = services.member_invite(
            organisation=organisation,
            actor=request.user,
            site_root=request.build_absolute_uri("/").rstrip("/"),
            **serializer.validated_data,
        )
        return Response(
            MembershipSerializer(membership, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )

    @extend_schema(
        methods=["GET"],
        summary="List an organisation's sites",
        description="Its pickup and delivery addresses, closed ones included (`is_active`).",
        responses={200: SiteSerializer(many=True)},
        tags=["sites"],
    )
    @extend_schema(
        methods=["POST"],
        summary="Add a site to an organisation",
        description="For the organisation's administrators; the change is recorded.",
        request=SiteWriteSerializer,
        responses={
            201: SiteSerializer,
            400: OpenApiResponse(ErrorSerializer, description="Invalid site."),
            403: OpenApiResponse(ErrorSerializer, description="Not an administrator."),
        },
        tags=["sites"],
    )
    @action(detail=True, methods=["get", "post"], url_path="sites", pagination_class=None)
    def sites(self, request, slug=None):
        organisation = self.get_object()
        if request.method == "GET":
            queryset = organisation.sites.select_related("organisation").order_by("name")
            serializer = SiteSerializer(queryset, many=True, context={"request": request})
            return Response(serializer.data)
        serializer = SiteWriteSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        site = services.site_add(
            organisation=organisation, actor=request.user, **serializer.validated_data
        )
        return Response(
            SiteSerializer(site, context={"request": request}).data,
            status=status.HTTP_201_CREATED,
        )


@extend_schema(tags=["sites"])
@extend_schema_view(
    list=extend_schema(
        summary="List the sites (pickup and delivery addresses)",
        description="Where devices are picked up and delivered, for every organisation.",
    ),
    retrieve=extend_schema(summary="Read one site", description="One site, by its id."),
    partial_update=extend_schema(
        summary="Correct a site",
        description="For the site's organisation's administrators; the change is recorded.",
        request=SiteWriteSerializer,
        responses={
            200: SiteSerializer,
            400: OpenApiResponse(ErrorSerializer, description="Invalid site."),
            403: OpenApiResponse(ErrorSerializer, description="Not an administrator."),
        },
    ),
)
class SiteViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = SiteSerializer
    filter_backends = [FilterBackend, SearchFilter, StableOrderingFilter]
    filterset_class = SiteFilter
    search_fields = ["name", "city", "postal_code", "organisation__name"]
    ordering_fields = ["name", "city", "organisation__name"]
    ordering = ["organisation__name", "name"]

    def get_queryset(self) -> QuerySet[Site]:
        if not _reads_directory(self.request.user):
            return Site.objects.none()
        return Site.objects.filter(organisation__is_active=True).select_related("organisation")

    def partial_update(self, request, pk=None):
        site = self.get_object()
        serializer = SiteWriteSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        site = services.site_update(site=site, actor=request.user, **serializer.validated_data)
        return Response(SiteSerializer(site, context={"request": request}).data)

    @extend_schema(
        summary="Close a site",
        description=(
            "For the site's organisation's administrators: the site keeps its devices but is "
            "no longer offered. The change is recorded."
        ),
        request=None,
        responses={
            200: SiteSerializer,
            400: OpenApiResponse(ErrorSerializer, description="Already closed."),
            403: OpenApiResponse(ErrorSerializer, description="Not an administrator."),
        },
    )
    @action(detail=True, methods=["post"])
    def close(self, request, pk=None):
        site = services.site_close(site=self.get_object(), actor=request.user)
        return Response(SiteSerializer(site, context={"request": request}).data)


@extend_schema(tags=["members"])
@extend_schema_view(
    partial_update=extend_schema(
        summary="Change a member's role",
        description=(
            "For the organisation's administrators; the last administrator stays one. "
            "The change is recorded."
        ),
        request=RoleSerializer,
        responses={
            200: MembershipSerializer,
            400: OpenApiResponse(ErrorSerializer, description="The last administrator."),
            403: OpenApiResponse(ErrorSerializer, description="Not an administrator."),
        },
    ),
    destroy=extend_schema(
        summary="Remove a member",
        description=(
            "For the organisation's administrators; their account stays. The last "
            "administrator cannot be removed. The change is recorded."
        ),
        responses={
            204: None,
            400: OpenApiResponse(ErrorSerializer, description="The last administrator."),
            403: OpenApiResponse(ErrorSerializer, description="Not an administrator."),
        },
    ),
)
class MembershipViewSet(mixins.UpdateModelMixin, mixins.DestroyModelMixin, viewsets.GenericViewSet):
    """A membership of one of the user's organisations; the services refuse non-admins."""

    serializer_class = MembershipSerializer
    http_method_names = ["patch", "delete", "options", "head"]

    def get_queryset(self) -> QuerySet[Membership]:
        return Membership.objects.filter(
            organisation__in=organisations_of(self.request.user)
        ).select_related("user", "organisation")

    def partial_update(self, request, pk=None):
        membership = self.get_object()
        serializer = RoleSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        membership = services.membership_role_change(
            membership=membership, role=serializer.validated_data["role"], actor=request.user
        )
        return Response(MembershipSerializer(membership, context={"request": request}).data)

    def destroy(self, request, pk=None):
        services.membership_remove(membership=self.get_object(), actor=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AuthTokenView(ObtainAuthToken):
    """Exchange a username and password for the user's API token."""

    # The token is asked for with credentials, never with a session: no CSRF to trip over.
    authentication_classes = ()
    # Password guessing is slowed down per client address (settings: auth_token rate), and
    # stopped by the login lockout: the serializer authenticates with the request, which
    # django-axes' backend checks and counts. While the throttle's cache (Redis) is
    # unreachable the endpoint answers 503, never 500.
    throttle_classes = (ScopedRateThrottle,)
    throttle_scope = "auth_token"

    @extend_schema(
        summary="Obtain an API token",
        description=(
            'Send it with every request in the header "Authorization: Token <token>". '
            "The same token is returned until it is revoked."
        ),
        request=AuthTokenSerializer,
        responses={
            200: AuthTokenResponseSerializer,
            400: OpenApiResponse(ErrorSerializer, description="Wrong or missing credentials."),
            429: OpenApiResponse(
                ErrorSerializer,
                description=(
                    "Too many requests from this address (`throttled`), or too many failed "
                    "logins for this account or address (`locked_out`): retry after the "
                    "seconds of the Retry-After header."
                ),
            ),
            503: OpenApiResponse(
                ErrorSerializer, description="The throttle's cache is unreachable; retry shortly."
            ),
        },
        auth=[],
        tags=["auth"],
    )
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            if getattr(request, "axes_locked_out", False):
                return lockout_response(request)
            errors = serializer.errors.get("non_field_errors")
            raise ValidationFailed(
                errors[0] if errors else _("Give a username and a password."),
                code="invalid_credentials",
                fields={
                    field: [str(message) for message in messages]
                    for field, messages in serializer.errors.items()
                },
            )
        token, _created = Token.objects.get_or_create(user=serializer.validated_data["user"])
        return Response({"token": token.key})
