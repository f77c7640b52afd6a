"""French identifiers: SIREN, SIRET and INSEE codes."""

import pytest
from django.core.exceptions import ValidationError

from organisations.validators import validate_insee_code, validate_siren, validate_siret


@pytest.mark.parametrize("value", ["732829320", "552100554", "219400165"])
def test_valid_siren(value):
    validate_siren(value)


@pytest.mark.parametrize("value", ["732829321", "12345678", "7328293200", "73282932A"])
def test_invalid_siren(value):
    with pytest.raises(ValidationError):
        validate_siren(value)


@pytest.mark.parametrize("value", ["73282932000074", "35600000000048", "35600000049837"])
def test_valid_siret(value):
    validate_siret(value)


@pytest.mark.parametrize("value", ["73282932000075", "7328293200007", "35600000049838"])
def test_invalid_siret(value):
    with pytest.raises(ValidationError):
        validate_siret(value)


@pytest.mark.parametrize("value", ["94016", "91027", "2A004", "2B033"])
def test_valid_insee_code(value):
    validate_insee_code(value)


@pytest.mark.parametrize("value", ["9401", "940166", "2C004", "AB123"])
def test_invalid_insee_code(value):
    with pytest.raises(ValidationError):
        validate_insee_code(value)
