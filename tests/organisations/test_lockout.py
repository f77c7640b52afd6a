"""Password guessing: an account and an address are locked after repeated login failures, on
the login page and the API token endpoint, whatever X-Forwarded-For a client sends."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from organisations.choices import MembershipRole
from tests.conftest import UserFactory, member

PASSWORD = "correct horse battery"
TOKEN = "/api/v1/auth/token/"
LOGIN = "/accounts/login/"


def english_client() -> APIClient:
    return APIClient(HTTP_ACCEPT_LANGUAGE="en")


def fail_five_times(client, url, username, **extra):
    return [
        client.post(url, {"username": username, "password": f"guess{attempt}"}, **extra)
        for attempt in range(settings.AXES_FAILURE_LIMIT)
    ]


def move_attempts_back(minutes: int) -> None:
    """The failures happened ``minutes`` ago: time moves on for the lockout."""
    for attempt in AccessAttempt.objects.all():
        attempt.attempt_time -= timedelta(minutes=minutes)
        attempt.save(update_fields=["attempt_time"])


@pytest.mark.django_db
def test_five_wrong_passwords_on_the_login_page_lock_the_account(commune_user):
    # given
    client = english_client()

    # when
    failures = fail_five_times(client, LOGIN, commune_user.username)
    right = client.post(LOGIN, {"username": commune_user.username, "password": PASSWORD})

    # then
    assert [failure.status_code for failure in failures] == [200, 200, 200, 200, 429]
    assert right.status_code == 429
    assert right["Retry-After"] == "900"
    content = right.content.decode()
    assert (
        "Too many failed login attempts for this account or from this address: logging in is "
        "locked. Try again after "
    ) in content
    assert (
        "(in 15 minutes), or ask an administrator of your organisation to unlock your account."
    ) in content
    assert "_auth_user_id" not in client.session


@pytest.mark.django_db
def test_the_lockout_page_says_when_to_retry_in_french(commune_user):
    # given
    client = APIClient(HTTP_ACCEPT_LANGUAGE="fr")
    fail_five_times(client, LOGIN, commune_user.username)

    # when
    right = client.post(LOGIN, {"username": commune_user.username, "password": PASSWORD})

    # then
    assert right.status_code == 429
    content = right.content.decode()
    assert (
        "Trop de tentatives de connexion échouées pour ce compte ou depuis cette adresse\u00a0: "
        "la connexion est bloquée. Réessayez après "
    ) in content
    assert (
        "(dans 15\u00a0minutes), ou demandez à un administrateur de votre organisation de "
        "débloquer votre compte."
    ) in content


@pytest.mark.django_db
def test_five_wrong_passwords_on_the_token_endpoint_lock_the_account(commune_user):
    # given
    client = english_client()

    # when
    failures = fail_five_times(client, TOKEN, commune_user.username)
    right = client.post(TOKEN, {"username": commune_user.username, "password": PASSWORD})

    # then
    assert [failure.status_code for failure in failures] == [400, 400, 400, 400, 429]
    assert right.status_code == 429
    assert right["Retry-After"] == "900"
    error = right.json()["error"]
    assert error["code"] == "locked_out"
    assert error["message"].startswith(
        "Too many failed login attempts for this account or from this address: logging in is "
        "locked. Try again after "
    )
    assert Token.objects.count() == 0


@pytest.mark.django_db
def test_an_account_locked_on_the_page_is_locked_on_the_api(commune_user):
    # given
    fail_five_times(english_client(), LOGIN, commune_user.username)

    # when
    right = english_client().post(TOKEN, {"username": commune_user.username, "password": PASSWORD})

    # then
    assert right.status_code == 429
    assert right.json()["error"]["code"] == "locked_out"
    assert Token.objects.count() == 0


@pytest.mark.django_db
def test_after_the_cool_off_the_right_password_logs_in_again(commune_user):
    # given: locked 16 minutes ago
    client = english_client()
    fail_five_times(client, LOGIN, commune_user.username)
    move_attempts_back(minutes=16)

    # when
    page = client.post(LOGIN, {"username": commune_user.username, "password": PASSWORD})
    api = english_client().post(TOKEN, {"username": commune_user.username, "password": PASSWORD})

    # then
    assert page.status_code == 302
    assert page.url == reverse("dashboard")
    assert api.status_code == 200
    assert api.json()["token"] == Token.objects.get(user=commune_user).key


@pytest.mark.django_db
def test_within_the_cool_off_the_account_stays_locked(commune_user):
    # given: locked 14 minutes ago
    fail_five_times(english_client(), LOGIN, commune_user.username)
    move_attempts_back(minutes=14)

    # when
    page = english_client().post(LOGIN, {"username": commune_user.username, "password": PASSWORD})

    # then
    assert page.status_code == 429


@pytest.mark.django_db
def test_four_failures_then_the_right_password_logs_in_and_are_forgotten(commune_user):
    # given
    client = english_client()
    for attempt in range(settings.AXES_FAILURE_LIMIT - 1):
        client.post(LOGIN, {"username": commune_user.username, "password": f"guess{attempt}"})

    # when
    right = client.post(LOGIN, {"username": commune_user.username, "password": PASSWORD})

    # then
    assert right.status_code == 302
    assert not AccessAttempt.objects.filter(username=commune_user.username).exists()


@pytest.mark.django_db
def test_an_account_is_locked_whatever_address_it_is_tried_from(settings, commune_user):
    # given: a proxy is trusted, and each guess comes from another address
    settings.BOUCLE_TRUSTED_PROXIES = 1
    for attempt in range(settings.AXES_FAILURE_LIMIT):
        english_client().post(
            LOGIN,
            {"username": commune_user.username, "password": f"guess{attempt}"},
            HTTP_X_FORWARDED_FOR=f"203.0.113.{attempt + 1}",
        )

    # when
    right = english_client().post(
        LOGIN,
        {"username": commune_user.username, "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )

    # then
    assert right.status_code == 429


def spray(url, usernames, forwarded_for):
    """One wrong password for each account, each guess claiming another address."""
    return [
        english_client().post(
            url,
            {"username": username, "password": "Summer2026!"},
            HTTP_X_FORWARDED_FOR=forwarded_for(index),
        )
        for index, username in enumerate(usernames)
    ]


@pytest.mark.django_db
@pytest.mark.parametrize("url", [LOGIN, TOKEN])
def test_a_spoofed_forwarded_address_does_not_escape_the_address_lockout(url):
    # given: no proxy trusted (the default); five accounts tried from one address claiming
    # five others
    assert settings.BOUCLE_TRUSTED_PROXIES == 0
    sprayed = [UserFactory().username for _ in range(settings.AXES_FAILURE_LIMIT)]
    spray(url, sprayed, lambda index: f"203.0.113.{index + 1}")
    owner = UserFactory()

    # when: another account, its right password, yet another claimed address
    right = english_client().post(
        url, {"username": owner.username, "password": PASSWORD}, HTTP_X_FORWARDED_FOR="198.51.100.7"
    )

    # then: the address the connection came from is locked
    assert right.status_code == 429
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"127.0.0.1"}
    assert Token.objects.count() == 0


@pytest.mark.django_db
@pytest.mark.parametrize("url", [LOGIN, TOKEN])
def test_behind_a_trusted_proxy_the_forwarded_address_is_locked(settings, url):
    # given: one proxy trusted; five accounts tried from 203.0.113.9 through it
    settings.BOUCLE_TRUSTED_PROXIES = 1
    sprayed = [UserFactory().username for _ in range(settings.AXES_FAILURE_LIMIT)]
    spray(url, sprayed, lambda index: f"10.9.9.{index}, 203.0.113.9")
    owner = UserFactory()

    # when: the right password from the same client, and from another one
    same = english_client().post(
        url, {"username": owner.username, "password": PASSWORD}, HTTP_X_FORWARDED_FOR="203.0.113.9"
    )
    other = english_client().post(
        url, {"username": owner.username, "password": PASSWORD}, HTTP_X_FORWARDED_FOR="198.51.100.7"
    )

    # then: the client's address is locked, not the proxy's
    assert same.status_code == 429
    assert other.status_code == (302 if url == LOGIN else 200)
    assert set(AccessAttempt.objects.values_list("ip_address", flat=True)) == {"203.0.113.9"}


@pytest.mark.django_db
def test_a_spoofed_forwarded_address_does_not_escape_the_token_throttle(settings, commune_user):
    # given: the lockout set aside, to see the throttle alone; no proxy trusted
    settings.AXES_ENABLED = False
    client = english_client()

    # when: more guesses than the rate allows, each claiming another address
    answers = [
        client.post(
            TOKEN,
            {"username": commune_user.username, "password": f"guess{attempt}"},
            HTTP_X_FORWARDED_FOR=f"203.0.113.{attempt + 1}",
        )
        for attempt in range(11)
    ]

    # then
    assert [answer.status_code for answer in answers[:10]] == [400] * 10
    assert answers[10].status_code == 429
    assert answers[10].json()["error"]["code"] == "throttled"


@pytest.mark.django_db
def test_behind_a_trusted_proxy_the_token_throttle_counts_the_forwarded_address(
    settings, commune_user
):
    # given
    settings.AXES_ENABLED = False
    settings.BOUCLE_TRUSTED_PROXIES = 1
    client = english_client()

    # when: ten guesses from one client, then one from another client through the same proxy
    first = [
        client.post(
            TOKEN,
            {"username": commune_user.username, "password": f"guess{attempt}"},
            HTTP_X_FORWARDED_FOR="203.0.113.9",
        )
        for attempt in range(10)
    ]
    eleventh = client.post(
        TOKEN,
        {"username": commune_user.username, "password": "guess"},
        HTTP_X_FORWARDED_FOR="203.0.113.9",
    )
    other_client = client.post(
        TOKEN,
        {"username": commune_user.username, "password": PASSWORD},
        HTTP_X_FORWARDED_FOR="198.51.100.7",
    )

    # then
    assert [answer.status_code for answer in first] == [400] * 10
    assert eleventh.status_code == 429
    assert other_client.status_code == 200


def members_url(organisation) -> str:
    return reverse("organisation-members", kwargs={"slug": organisation.slug})


def unlock_url(organisation, user) -> str:
    return reverse(
        "organisation-member-unlock",
        kwargs={"slug": organisation.slug, "username": user.username},
    )


def attempts_of(user) -> list[tuple[str, int]]:
    return list(
        AccessAttempt.objects.filter(username=user.username).values_list(
            "ip_address", "failures_since_start"
        )
    )


@pytest.mark.django_db
def test_an_admin_unlocks_a_member_of_their_organisation(commune, commune_user):
    # given
    fail_five_times(english_client(), LOGIN, commune_user.username)
    admin = member(commune, MembershipRole.ADMIN)
    client = english_client()
    client.force_login(admin)

    # when
    listed = client.get(members_url(commune))
    unlocked = client.post(unlock_url(commune, commune_user))
    right = english_client().post(LOGIN, {"username": commune_user.username, "password": PASSWORD})

    # then
    assert listed.status_code == 200
    assert unlock_url(commune, commune_user) in listed.content.decode()
    assert unlocked.status_code == 302
    assert unlocked.url == members_url(commune)
    assert attempts_of(commune_user) == []
    assert right.status_code == 302


@pytest.mark.django_db
def test_the_members_page_lists_only_locked_members_with_an_unlock_button(commune, commune_user):
    # given
    locked = member(commune)
    fail_five_times(english_client(), LOGIN, locked.username)
    admin = member(commune, MembershipRole.ADMIN)
    client = english_client()
    client.force_login(admin)

    # when
    content = client.get(members_url(commune)).content.decode()

    # then
    assert unlock_url(commune, locked) in content
    assert unlock_url(commune, commune_user) not in content
    assert f'data-member="{commune_user.username}"' in content


@pytest.mark.django_db
def test_unlocking_a_member_leaves_other_organisations_members_locked(
    commune, commune_user, other_commune_user
):
    # given: a member of each commune locked
    fail_five_times(english_client(), LOGIN, commune_user.username)
    fail_five_times(english_client(), LOGIN, other_commune_user.username)
    before = attempts_of(other_commune_user)
    admin = member(commune, MembershipRole.ADMIN)
    client = english_client()
    client.force_login(admin)

    # when
    client.post(unlock_url(commune, commune_user))

    # then
    assert attempts_of(commune_user) == []
    assert attempts_of(other_commune_user) == before
    other = english_client().post(
        TOKEN, {"username": other_commune_user.username, "password": PASSWORD}
    )
    assert other.status_code == 429


@pytest.mark.django_db
def test_another_organisations_admin_cannot_unlock_a_member(commune, other_commune, commune_user):
    # given
    fail_five_times(english_client(), LOGIN, commune_user.username)
    before = attempts_of(commune_user)
    other_admin = member(other_commune, MembershipRole.ADMIN)
    client = english_client()
    client.force_login(other_admin)

    # when: through the member's organisation, and through their own
    through_theirs = client.post(unlock_url(commune, commune_user))
    through_own = client.post(unlock_url(other_commune, commune_user))
    page = client.get(members_url(commune))

    # then
    assert through_theirs.status_code == 403
    assert through_own.status_code == 404
    assert page.status_code == 403
    assert attempts_of(commune_user) == before
    right = english_client().post(LOGIN, {"username": commune_user.username, "password": PASSWORD})
    assert right.status_code == 429


@pytest.mark.django_db
def test_a_staff_member_cannot_unlock_a_colleague(commune, commune_user):
    # given
    fail_five_times(english_client(), LOGIN, commune_user.username)
    before = attempts_of(commune_user)
    colleague = member(commune)
    client = english_client()
    client.force_login(colleague)

    # when
    unlocked = client.post(unlock_url(commune, commune_user))
    page = client.get(members_url(commune))

    # then
    assert unlocked.status_code == 403
    assert page.status_code == 403
    assert attempts_of(commune_user) == before


@pytest.mark.django_db
def test_unlock_is_a_post(commune, commune_user):
    # given
    fail_five_times(english_client(), LOGIN, commune_user.username)
    before = attempts_of(commune_user)
    admin = member(commune, MembershipRole.ADMIN)
    client = english_client()
    client.force_login(admin)

    # when
    response = client.get(unlock_url(commune, commune_user))

    # then
    assert response.status_code == 405
    assert attempts_of(commune_user) == before


@pytest.mark.django_db
def test_an_operator_unlocks_an_account_with_the_management_command(commune_user):
    # given
    fail_five_times(english_client(), LOGIN, commune_user.username)

    # when
    call_command("axes_reset_username", commune_user.username, stdout=io.StringIO())
    right = english_client().post(LOGIN, {"username": commune_user.username, "password": PASSWORD})

    # then
    assert attempts_of(commune_user) == []
    assert right.status_code == 302


@pytest.mark.django_db
def test_operators_see_the_lockouts_in_the_admin(admin_client, commune_user):
    # given
    fail_five_times(english_client(), LOGIN, commune_user.username)

    # when
    response = admin_client.get(reverse("admin:axes_accessattempt_changelist"))

    # then
    assert response.status_code == 200
    assert commune_user.username in response.content.decode()


@pytest.mark.django_db
def test_the_members_page_costs_the_same_queries_for_one_member_or_ten_three_locked(commune):
    # given
    admin = member(commune, MembershipRole.ADMIN)
    client = english_client()
    client.force_login(admin)
    with CaptureQueriesContext(connection) as alone:
        client.get(members_url(commune))
    members = [member(commune) for _ in range(9)]
    for locked in members[:3]:
        fail_five_times(english_client(), LOGIN, locked.username)

    # when
    with CaptureQueriesContext(connection) as many:
        response = client.get(members_url(commune))

    # then
    content = response.content.decode()
    assert content.count('data-member="') == 10
    assert content.count("/unlock/") == 3
    assert len(many) == len(alone)


@pytest.mark.django_db
def test_the_members_link_is_shown_to_the_organisations_admins_only(commune, commune_user):
    # given
    admin = member(commune, MembershipRole.ADMIN)
    admin_client = english_client()
    admin_client.force_login(admin)
    staff_client = english_client()
    staff_client.force_login(commune_user)

    # when
    for_admin = admin_client.get(reverse("dashboard")).content.decode()
    for_staff = staff_client.get(reverse("dashboard")).content.decode()

    # then
    assert f'href="{members_url(commune)}"' in for_admin
    assert f'href="{members_url(commune)}"' not in for_staff
