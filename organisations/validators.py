"""Checks for the French identifiers an organisation carries."""

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def luhn_is_valid(digits: str) -> bool:
    total = 0
    for index, char in enumerate(reversed(digits)):
        value = int(char)
        if index % 2 == 1:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return total % 10 == 0


def validate_siren(value: str) -> None:
    if len(value) != 9 or not value.isdigit() or not luhn_is_valid(value):
        raise ValidationError(
            _("A SIREN number has 9 digits with a valid check digit."), code="invalid_siren"
        )


def validate_siret(value: str) -> None:
    if len(value) != 14 or not value.isdigit():
        raise ValidationError(_("A SIRET number has 14 digits."), code="invalid_siret")
    valid = luhn_is_valid(value) and luhn_is_valid(value[:9])
    if not valid and value.startswith("356000000"):
        # La Poste's many establishments (SIREN 356000000) use a digit-sum rule instead.
        valid = sum(int(char) for char in value) % 5 == 0
    if not valid:
        raise ValidationError(_("This SIRET number's check digit is wrong."), code="invalid_siret")


def validate_insee_code(value: str) -> None:
    """A commune's INSEE code: five characters, digits except Corsica's 2A/2B."""
    head, tail = value[:2], value[2:]
    if len(value) != 5 or not tail.isdigit() or not (head.isdigit() or head in {"2A", "2B"}):
        raise ValidationError(
            _("An INSEE commune code has five characters, such as 94016."), code="invalid_insee"
        )
