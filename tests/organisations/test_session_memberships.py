"""The pages' authentication backend reads a session's user with their memberships: the same
users signed in and refused as Django's ModelBackend, the same memberships, one query fewer;
and the sessions opened through Django's backend before the upgrade stay open."""

from __future__ import annotations

import datetime
import importlib

import pytest
from django.apps import apps
from django.conf import settings
from django.contrib.auth import BACKEND_SESSION_KEY
from django.contrib.auth.backends import ModelBackend
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from organisations.backends import MembershipModelBackend
from organisations.permissions import memberships_of
from tests.conftest import (
    CommuneFactory,
    MembershipFactory,
    UserFactory,
    assert_read_with_memberships,
    member,
)

pytestmark = pytest.mark.django_db

upgrade = importlib.import_module(
    "organisations.migrations.0003_sessions_through_membership_backend"
)


def test_a_member_is_read_with_its_memberships_in_one_query(commune, partner):
    # given: a member of two organisations and of an inactive one
    user = member(commune)
    MembershipFactory(user=user, organisation=partner)
    MembershipFactory(user=user, organisation=CommuneFactory(is_active=False))

    # when
    with CaptureQueriesContext(connection) as queries:
        read = MembershipModelBackend().get_user(user.pk)
        memberships = memberships_of(read)

    # then: Django's user, and the memberships memberships_of reads itself, in the same order
    assert len(queries) == 1
    assert read == user
    assert read == ModelBackend().get_user(user.pk)
    assert_read_with_memberships(user, read, memberships, [commune.name, partner.name])


def test_a_user_of_no_organisation_is_read_as_by_django():
    # given
    user = UserFactory()

    # when
    read = MembershipModelBackend().get_user(user.pk)

    # then
    assert read == user
    assert memberships_of(read) == []


@pytest.mark.parametrize("belongs", [True, False])
def test_an_inactive_user_is_refused_as_by_django(commune, belongs):
    # given
    user = member(commune) if belongs else UserFactory()
    user.is_active = False
    user.save()

    # when, then
    assert MembershipModelBackend().get_user(user.pk) is None
    assert ModelBackend().get_user(user.pk) is None


def test_an_unknown_user_is_no_one():
    assert MembershipModelBackend().get_user(987654) is None


def test_a_page_reads_its_user_and_memberships_in_one_query(client, commune, commune_user):
    # given
    client.force_login(commune_user)
    url = reverse("inventory:device-list")

    # when
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)

    # then: the session, then the user with the memberships, and no other read of either
    assert response.status_code == 200
    tables = [query["sql"].split(" FROM ", 1)[1].split(" ", 1)[0] for query in queries[:2]]
    assert tables == ['"django_session"', '"organisations_membership"']
    assert not any('FROM "auth_user"' in query["sql"] for query in queries[2:])
    assert response.context["user"] == commune_user


# --- The sessions open before the upgrade ---


def session_signed_in(user, backend: str, *, expires_in: datetime.timedelta) -> SessionStore:
    """A session of ``user`` as Django's login stores it, through ``backend``."""
    store = SessionStore()
    store[BACKEND_SESSION_KEY] = backend
    store["_auth_user_id"] = str(user.pk)
    store["_auth_user_hash"] = user.get_session_auth_hash()
    store.set_expiry(int(expires_in.total_seconds()))
    store.create()
    return store


def backend_of(store: SessionStore) -> str | None:
    data = Session.objects.get(session_key=store.session_key).get_decoded()
    return data.get(BACKEND_SESSION_KEY)


def test_a_session_opened_through_djangos_backend_stays_open_after_the_upgrade(
    client, commune_user, partner
):
    # given: a session open before the upgrade, another user's signed in through another
    # backend, and an expired one
    week = datetime.timedelta(days=7)
    before = session_signed_in(commune_user, upgrade.DJANGO_BACKEND, expires_in=week)
    other = session_signed_in(member(partner), "axes.backends.AxesBackend", expires_in=week)
    expired = session_signed_in(commune_user, upgrade.DJANGO_BACKEND, expires_in=week)
    Session.objects.filter(session_key=expired.session_key).update(
        expire_date=timezone.now() - datetime.timedelta(days=1)
    )

    # when
    rewritten = upgrade.rename_backend(apps, upgrade.DJANGO_BACKEND, upgrade.MEMBERSHIP_BACKEND)

    # then: the open session names the new backend and opens the pages; the others unchanged
    assert rewritten == 1
    assert backend_of(before) == upgrade.MEMBERSHIP_BACKEND
    assert upgrade.MEMBERSHIP_BACKEND in settings.AUTHENTICATION_BACKENDS
    assert backend_of(other) == "axes.backends.AxesBackend"
    assert backend_of(expired) == upgrade.DJANGO_BACKEND
    client.cookies[settings.SESSION_COOKIE_NAME] = before.session_key
    response = client.get(reverse("inventory:device-list"))
    assert response.status_code == 200
    assert response.context["user"] == commune_user

    # and back: going back names Django's backend again
    assert upgrade.rename_backend(apps, upgrade.MEMBERSHIP_BACKEND, upgrade.DJANGO_BACKEND) == 1
    assert backend_of(before) == upgrade.DJANGO_BACKEND


def test_without_the_upgrade_such_a_session_would_be_signed_out(client, commune_user):
    # given: a session naming Django's backend, no longer configured
    before = session_signed_in(
        commune_user, upgrade.DJANGO_BACKEND, expires_in=datetime.timedelta(days=7)
    )
    client.cookies[settings.SESSION_COOKIE_NAME] = before.session_key

    # when
    response = client.get(reverse("inventory:device-list"))

    # then: the login page, which is why the migration rewrites them
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))
