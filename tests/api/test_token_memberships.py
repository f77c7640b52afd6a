"""The API's token authentication reads the caller's memberships with its token: the same
callers accepted and refused as DRF's, the same memberships, one query fewer."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from rest_framework.authtoken.models import Token
from rest_framework.exceptions import AuthenticationFailed

from organisations.authentication import MembershipTokenAuthentication
from organisations.permissions import memberships_of
from tests.conftest import (
    CommuneFactory,
    MembershipFactory,
    UserFactory,
    assert_read_with_memberships,
    member,
)

pytestmark = pytest.mark.django_db

DEVICES = "/api/v1/devices/"


def authenticate(key: str):
    return MembershipTokenAuthentication().authenticate_credentials(key)


def test_a_member_is_read_with_its_memberships_in_one_query(commune, partner):
    # given: a member of two organisations and of an inactive one
    user = member(commune)
    MembershipFactory(user=user, organisation=partner)
    MembershipFactory(user=user, organisation=CommuneFactory(is_active=False))
    token = Token.objects.create(user=user)

    # when
    with CaptureQueriesContext(connection) as queries:
        authenticated, read_token = authenticate(token.key)
        memberships = memberships_of(authenticated)

    # then: DRF's answer, and the memberships memberships_of reads itself, in the same order
    assert len(queries) == 1
    assert (authenticated, read_token) == (user, token)
    assert_read_with_memberships(user, authenticated, memberships, [commune.name, partner.name])


def test_a_user_of_no_organisation_is_authenticated_as_by_drf():
    # given
    user = UserFactory()
    token = Token.objects.create(user=user)

    # when
    authenticated, read_token = authenticate(token.key)

    # then
    assert (authenticated, read_token) == (user, token)
    assert memberships_of(authenticated) == []


def test_an_inactive_member_is_refused(commune):
    # given
    user = member(commune)
    user.is_active = False
    user.save()
    token = Token.objects.create(user=user)

    # when / then
    with pytest.raises(AuthenticationFailed, match="User inactive or deleted"):
        authenticate(token.key)


def test_an_unknown_key_is_refused(commune):
    # given: a member with a token, asked for with another key
    Token.objects.create(user=member(commune))

    # when / then
    with pytest.raises(AuthenticationFailed, match="Invalid token"):
        authenticate("0" * 40)


def test_a_listing_with_a_token_reads_token_user_and_memberships_at_once(
    api_client, declare, commune, commune_user
):
    # given
    declare(3)
    token = Token.objects.create(user=commune_user)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")

    # when
    with CaptureQueriesContext(connection) as queries:
        response = api_client.get(DEVICES)

    # then: the token with its user and memberships, the devices, their organisations, their
    # pickup sites
    assert response.status_code == 200
    assert len(response.json()["results"]) == 3
    assert len(queries) == 4
