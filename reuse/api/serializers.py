"""What the claims API reads and answers."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from inventory.models import CODE_LENGTH
from reuse.forms import MAX_SELECTION

NOTE_MAX_LENGTH = 1000


class PartnerChoiceSerializer(serializers.Serializer):
    partner = serializers.SlugField(
        required=False,
        write_only=True,
        help_text=_(
            "The short name of the partner you claim for; needed only when you belong to "
            "several partners."
        ),
    )


class DeviceClaimSerializer(PartnerChoiceSerializer):
    """Claiming one device: nothing to send unless you belong to several partners."""


class DeviceReleaseSerializer(serializers.Serializer):
    note = serializers.CharField(
        required=False,
        allow_blank=True,
        write_only=True,
        max_length=NOTE_MAX_LENGTH,
        help_text=_("Why your organisation gives the device back; kept in its history."),
    )


class ClaimRequestSerializer(PartnerChoiceSerializer):
    codes = serializers.ListField(
        child=serializers.CharField(max_length=CODE_LENGTH),
        required=False,
        allow_empty=False,
        max_length=MAX_SELECTION,
        help_text=_("Codes of the devices to claim."),
    )
    declaration = serializers.IntegerField(
        required=False, help_text=_("Claim every device of this declaration still declared.")
    )
    site = serializers.IntegerField(
        required=False, help_text=_("Claim every device still declared at this pickup site.")
    )

    def validate(self, attrs: dict) -> dict:
        given = [name for name in ("codes", "declaration", "site") if name in attrs]
        if len(given) != 1:
            raise serializers.ValidationError(
                _("Send exactly one of codes, declaration or site."), code="one_of"
            )
        return attrs


class ClaimResultSerializer(serializers.Serializer):
    claimed = serializers.ListField(
        child=serializers.CharField(),
        help_text=_("Codes of the devices claimed for your organisation now."),
    )
    unavailable = serializers.ListField(
        child=serializers.CharField(),
        help_text=_(
            "Codes asked for (or of the declaration) that were not claimed: no longer "
            "declared, or unknown."
        ),
    )
    partner = serializers.CharField(help_text=_("The short name of the claiming partner."))
