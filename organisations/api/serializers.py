"""What the API shows of organisations and their sites, and what administrators send to add
or correct a site."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from organisations.choices import MembershipRole
from organisations.models import Membership, Organisation, Site
from organisations.services import SITE_FIELDS


class OrganisationSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(
        view_name="api-organisation-detail", lookup_field="slug"
    )

    # Blank when the organisation gave none, which the e-mail format of the schema refuses.
    email = serializers.CharField(
        read_only=True, help_text=_("A contact e-mail address, or blank.")
    )

    class Meta:
        model = Organisation
        fields = [
            "url",
            "slug",
            "name",
            "kind",
            "siren",
            "siret",
            "insee_code",
            "esus_approval_reference",
            "esus_approval_valid_until",
            "cession_eligibility",
            "email",
            "phone",
            "created_at",
        ]
        read_only_fields = fields


class SiteOrganisationSerializer(serializers.ModelSerializer):
    """The organisation a site belongs to, in brief."""

    url = serializers.HyperlinkedIdentityField(
        view_name="api-organisation-detail", lookup_field="slug"
    )

    class Meta:
        model = Organisation
        fields = ["url", "slug", "name", "kind"]
        read_only_fields = fields


class SiteSerializer(serializers.ModelSerializer):
    url = serializers.HyperlinkedIdentityField(view_name="api-site-detail")
    organisation = SiteOrganisationSerializer(read_only=True)
    full_address = serializers.CharField(
        read_only=True, help_text=_("Street, postal code and city on one line.")
    )

    class Meta:
        model = Site
        fields = [
            "id",
            "url",
            "organisation",
            "name",
            "address",
            "postal_code",
            "city",
            "full_address",
            "is_pickup",
            "is_delivery",
            "contact_name",
            "contact_phone",
            "is_active",
        ]
        read_only_fields = fields


class SiteWriteSerializer(serializers.ModelSerializer):
    """A site as an administrator sends it; the services validate it again."""

    class Meta:
        model = Site
        fields = list(SITE_FIELDS)
        # The services check the name is free within the organisation, with their message.
        validators: list = []


class MembershipSerializer(serializers.ModelSerializer):
    """A member of an organisation, as its administrators see them."""

    url = serializers.HyperlinkedIdentityField(view_name="api-membership-detail")
    username = serializers.CharField(source="user.username", read_only=True)
    email = serializers.CharField(source="user.email", read_only=True)
    first_name = serializers.CharField(source="user.first_name", read_only=True)
    last_name = serializers.CharField(source="user.last_name", read_only=True)

    class Meta:
        model = Membership
        fields = ["id", "url", "username", "email", "first_name", "last_name", "role", "created_at"]
        read_only_fields = fields


class InvitationSerializer(serializers.Serializer):
    email = serializers.EmailField(max_length=254)
    role = serializers.ChoiceField(choices=MembershipRole.choices, default=MembershipRole.STAFF)
    first_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")
    last_name = serializers.CharField(max_length=150, required=False, allow_blank=True, default="")


class RoleSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=MembershipRole.choices)


class AuthTokenResponseSerializer(serializers.Serializer):
    token = serializers.CharField(
        read_only=True,
        help_text=_('Send it in the header "Authorization: Token <token>".'),
    )
