"""An organisation runs itself: its administrators manage its sites and members (pages and
API), staff cannot, every change is recorded, and anyone may reset a forgotten password."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.urls import reverse

from common.errors import PermissionDenied, ValidationFailed
from inventory.forms import DeclarationForm, ImportForm
from organisations.choices import AuditAction, MembershipRole
from organisations.models import AuditEntry, Membership, Site
from organisations.services import (
    member_invite,
    membership_remove,
    membership_role_change,
    site_add,
    site_close,
    site_update,
)
from tests.conftest import SiteFactory, member

SITE = {
    "address": "4 rue Gallieni",
    "postal_code": "94230",
    "city": "Cachan",
    "is_pickup": True,
    "is_delivery": False,
    "contact_name": "M. Martin",
    "contact_phone": "01 49 69 69 69",
}


@pytest.fixture
def admin(commune):
    return member(commune, MembershipRole.ADMIN)


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


def audit_rows(organisation):
    return list(
        AuditEntry.objects.filter(organisation=organisation)
        .order_by("pk")
        .values_list("action", "target", "actor__username")
    )


# Services


@pytest.mark.django_db
def test_an_admin_adds_a_site_and_it_is_recorded(commune, admin):
    # when
    site = site_add(organisation=commune, actor=admin, name="Centre technique", **SITE)

    # then
    assert site.organisation == commune
    assert site.is_active
    assert audit_rows(commune) == [(AuditAction.SITE_ADDED, "Centre technique", admin.username)]


@pytest.mark.django_db
def test_staff_cannot_add_a_site(commune, commune_user):
    # when
    with pytest.raises(PermissionDenied):
        site_add(organisation=commune, actor=commune_user, name="Centre technique", **SITE)

    # then
    assert not Site.objects.filter(name="Centre technique").exists()
    assert AuditEntry.objects.count() == 0


@pytest.mark.django_db
def test_a_site_name_is_taken_once_per_organisation(commune, admin, pickup_site):
    # when
    with pytest.raises(ValidationFailed) as refusal:
        site_add(organisation=commune, actor=admin, name="Hôtel de ville", **SITE)

    # then
    assert refusal.value.code == "site_name_taken"
    assert commune.sites.count() == 1
    assert AuditEntry.objects.count() == 0


@pytest.mark.django_db
def test_an_admin_corrects_a_site_and_the_entry_keeps_what_changed(commune, admin, pickup_site):
    # when
    site = site_update(site=pickup_site, actor=admin, city="Cachan cedex", is_delivery=True)

    # then
    assert (site.city, site.is_delivery) == ("Cachan cedex", True)
    entry = AuditEntry.objects.get()
    assert entry.action == AuditAction.SITE_CHANGED
    assert entry.details["changed"] == {
        "city": ["Cachan", "Cachan cedex"],
        "is_delivery": [False, True],
    }


@pytest.mark.django_db
def test_a_closed_site_keeps_its_devices_and_is_no_longer_offered(
    commune, admin, pickup_site, declare
):
    # given
    (device,) = declare()

    # when
    site_close(site=pickup_site, actor=admin)

    # then
    device.refresh_from_db()
    assert device.pickup_site == pickup_site
    assert list(Site.objects.open_pickup_sites_of(commune)) == []
    assert audit_rows(commune) == [(AuditAction.SITE_CLOSED, "Hôtel de ville", admin.username)]


@pytest.mark.django_db
def test_staff_cannot_close_a_site(commune, commune_user, pickup_site):
    # when
    with pytest.raises(PermissionDenied):
        site_close(site=pickup_site, actor=commune_user)

    # then
    pickup_site.refresh_from_db()
    assert pickup_site.is_active
    assert AuditEntry.objects.count() == 0


@pytest.mark.django_db
def test_an_admin_of_another_organisation_cannot_change_a_site(pickup_site, other_commune):
    # given
    stranger = member(other_commune, MembershipRole.ADMIN)

    # when
    with pytest.raises(PermissionDenied):
        site_update(site=pickup_site, actor=stranger, name="Ailleurs")

    # then
    pickup_site.refresh_from_db()
    assert pickup_site.name == "Hôtel de ville"


@pytest.mark.django_db(transaction=True)
def test_an_invitation_creates_the_account_and_mails_a_link_to_choose_a_password(
    client, commune, admin
):
    # when
    membership = member_invite(
        organisation=commune,
        actor=admin,
        email="Claire.Dupont@cachan.fr",
        role=MembershipRole.STAFF,
        first_name="Claire",
        last_name="Dupont",
        site_root="http://testserver",
    )

    # then
    user = membership.user
    assert (user.username, user.email, user.has_usable_password()) == (
        "claire.dupont",
        "Claire.Dupont@cachan.fr",
        False,
    )
    assert membership.role == MembershipRole.STAFF
    assert audit_rows(commune) == [(AuditAction.MEMBER_INVITED, "claire.dupont", admin.username)]
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["Claire.Dupont@cachan.fr"]
    link = re.search(r"http://testserver(/accounts/password-reset/\S+)", mail.outbox[0].body)
    assert link is not None
    # The link lets them choose a password, then log in.
    page = client.get(link.group(1), follow=True)
    assert page.status_code == 200
    assert page.context["validlink"] is True
    chosen = client.post(
        page.redirect_chain[-1][0],
        {"new_password1": "un mot de passe solide", "new_password2": "un mot de passe solide"},
    )
    assert chosen.status_code == 302
    user.refresh_from_db()
    assert user.check_password("un mot de passe solide")


@pytest.mark.django_db
def test_an_existing_account_is_added_without_a_new_one(commune, admin, other_commune_user):
    # given
    users_before = get_user_model().objects.count()

    # when
    membership = member_invite(
        organisation=commune,
        actor=admin,
        email=other_commune_user.email.upper(),
        role=MembershipRole.ADMIN,
        site_root="http://testserver",
    )

    # then
    assert membership.user == other_commune_user
    assert membership.role == MembershipRole.ADMIN
    assert get_user_model().objects.count() == users_before


@pytest.mark.django_db
def test_inviting_a_member_twice_is_refused(commune, admin, commune_user):
    # when
    with pytest.raises(ValidationFailed) as refusal:
        member_invite(
            organisation=commune,
            actor=admin,
            email=commune_user.email,
            role=MembershipRole.ADMIN,
            site_root="http://testserver",
        )

    # then
    assert refusal.value.code == "already_a_member"
    assert Membership.objects.get(user=commune_user).role == MembershipRole.STAFF
    assert AuditEntry.objects.count() == 0


@pytest.mark.django_db
def test_staff_cannot_invite(commune, commune_user):
    # given
    users_before = get_user_model().objects.count()

    # when
    with pytest.raises(PermissionDenied):
        member_invite(
            organisation=commune,
            actor=commune_user,
            email="someone@example.org",
            site_root="http://testserver",
        )

    # then
    assert get_user_model().objects.count() == users_before
    assert AuditEntry.objects.count() == 0


@pytest.mark.django_db
def test_an_admin_changes_a_role(commune, admin, commune_user):
    # given
    membership = Membership.objects.get(user=commune_user)

    # when
    membership_role_change(membership=membership, role=MembershipRole.ADMIN, actor=admin)

    # then
    membership.refresh_from_db()
    assert membership.role == MembershipRole.ADMIN
    entry = AuditEntry.objects.get()
    assert (entry.action, entry.target, entry.details) == (
        AuditAction.ROLE_CHANGED,
        commune_user.username,
        {"role": ["staff", "admin"]},
    )


@pytest.mark.django_db
def test_the_last_admin_cannot_step_down_nor_leave(commune, admin):
    # given
    membership = Membership.objects.get(user=admin)

    # when
    with pytest.raises(ValidationFailed) as demotion:
        membership_role_change(membership=membership, role=MembershipRole.STAFF, actor=admin)
    with pytest.raises(ValidationFailed) as removal:
        membership_remove(membership=membership, actor=admin)

    # then
    assert (demotion.value.code, removal.value.code) == ("last_admin", "last_admin")
    membership.refresh_from_db()
    assert membership.role == MembershipRole.ADMIN
    assert AuditEntry.objects.count() == 0


@pytest.mark.django_db
def test_an_admin_removes_a_member_whose_account_stays(commune, admin, commune_user):
    # when
    membership_remove(membership=Membership.objects.get(user=commune_user), actor=admin)

    # then
    assert not Membership.objects.filter(user=commune_user).exists()
    assert get_user_model().objects.filter(pk=commune_user.pk).exists()
    assert audit_rows(commune) == [
        (AuditAction.MEMBER_REMOVED, commune_user.username, admin.username)
    ]


@pytest.mark.django_db
def test_staff_cannot_remove_a_member(commune, admin, commune_user):
    # when
    with pytest.raises(PermissionDenied):
        membership_remove(membership=Membership.objects.get(user=admin), actor=commune_user)

    # then
    assert Membership.objects.filter(user=admin).exists()
    assert AuditEntry.objects.count() == 0


@pytest.mark.django_db
def test_audit_entries_are_append_only(commune, admin):
    # given
    site_add(organisation=commune, actor=admin, name="Centre technique", **SITE)
    entry = AuditEntry.objects.get()

    # when
    with pytest.raises(TypeError):
        entry.save()
    with pytest.raises(TypeError):
        entry.delete()

    # then
    assert AuditEntry.objects.count() == 1


# Pages


@pytest.mark.django_db
def test_the_organisation_page_lists_sites_and_changes_for_admins(english, commune, admin):
    # given
    site_add(organisation=commune, actor=admin, name="Centre technique", **SITE)
    english.force_login(admin)

    # when
    response = english.get(reverse("organisation-detail", args=[commune.slug]))

    # then
    assert response.status_code == 200
    content = response.content.decode()
    assert "Centre technique" in content
    assert "Site added" in content


@pytest.mark.django_db
def test_staff_are_refused_the_organisation_pages(english, commune, commune_user, pickup_site):
    # given
    english.force_login(commune_user)

    # when
    pages = [
        english.get(reverse("organisation-detail", args=[commune.slug])),
        english.post(reverse("organisation-site-new", args=[commune.slug]), {"name": "X", **SITE}),
        english.post(reverse("organisation-site-close", args=[commune.slug, pickup_site.pk])),
        english.post(
            reverse("organisation-member-invite", args=[commune.slug]),
            {"email": "new@example.org", "role": "admin"},
        ),
    ]

    # then
    assert [page.status_code for page in pages] == [403, 403, 403, 403]
    assert commune.sites.count() == 1
    assert not get_user_model().objects.filter(email="new@example.org").exists()
    assert AuditEntry.objects.count() == 0


@pytest.mark.django_db
def test_an_admin_adds_edits_and_closes_a_site_in_the_pages(english, commune, admin):
    # given
    english.force_login(admin)

    # when
    added = english.post(
        reverse("organisation-site-new", args=[commune.slug]),
        {"name": "Centre technique", **SITE},
    )
    site = commune.sites.get(name="Centre technique")
    edited = english.post(
        reverse("organisation-site-edit", args=[commune.slug, site.pk]),
        {**SITE, "name": "Centre technique municipal", "is_pickup": "on"},
    )
    closed = english.post(reverse("organisation-site-close", args=[commune.slug, site.pk]))

    # then
    assert [added.status_code, edited.status_code, closed.status_code] == [302, 302, 302]
    site.refresh_from_db()
    assert (site.name, site.is_active) == ("Centre technique municipal", False)
    assert [action for action, _target, _actor in audit_rows(commune)] == [
        AuditAction.SITE_ADDED,
        AuditAction.SITE_CHANGED,
        AuditAction.SITE_CLOSED,
    ]


@pytest.mark.django_db
def test_an_admin_invites_changes_a_role_and_removes_in_the_pages(english, commune, admin):
    # given
    english.force_login(admin)

    # when
    invited = english.post(
        reverse("organisation-member-invite", args=[commune.slug]),
        {"email": "agent@cachan.fr", "role": "staff"},
    )
    membership = Membership.objects.get(user__email="agent@cachan.fr")
    promoted = english.post(
        reverse("organisation-member-role", args=[commune.slug, membership.pk]),
        {f"member-{membership.pk}-role": "admin"},
    )
    membership.refresh_from_db()
    role_after_promotion = membership.role
    removed = english.post(
        reverse("organisation-member-remove", args=[commune.slug, membership.pk])
    )

    # then
    assert [invited.status_code, promoted.status_code, removed.status_code] == [302, 302, 302]
    assert role_after_promotion == MembershipRole.ADMIN
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert [action for action, _target, _actor in audit_rows(commune)] == [
        AuditAction.MEMBER_INVITED,
        AuditAction.ROLE_CHANGED,
        AuditAction.MEMBER_REMOVED,
    ]


# API


@pytest.mark.django_db
def test_the_api_lists_and_adds_sites_for_admins(client_for, commune, admin, pickup_site):
    # given
    api = client_for(admin)
    url = f"/api/v1/organisations/{commune.slug}/sites/"

    # when
    created = api.post(url, {"name": "Centre technique", **SITE}, format="json")
    listed = api.get(url)

    # then
    assert created.status_code == 201
    assert created.json()["name"] == "Centre technique"
    assert [site["name"] for site in listed.json()] == ["Centre technique", "Hôtel de ville"]
    assert audit_rows(commune) == [(AuditAction.SITE_ADDED, "Centre technique", admin.username)]


@pytest.mark.django_db
def test_the_api_corrects_and_closes_a_site(client_for, commune, admin, pickup_site):
    # given
    api = client_for(admin)

    # when
    corrected = api.patch(
        f"/api/v1/sites/{pickup_site.pk}/", {"contact_name": "Mme Leroy"}, format="json"
    )
    closed = api.post(f"/api/v1/sites/{pickup_site.pk}/close/")
    closed_again = api.post(f"/api/v1/sites/{pickup_site.pk}/close/")

    # then
    assert corrected.status_code == 200
    assert corrected.json()["contact_name"] == "Mme Leroy"
    assert closed.status_code == 200
    assert closed.json()["is_active"] is False
    assert closed_again.status_code == 400
    assert closed_again.json()["error"]["code"] == "site_closed"


@pytest.mark.django_db
def test_the_api_refuses_staff_with_403_and_changes_nothing(
    client_for, commune, commune_user, pickup_site
):
    # given
    api = client_for(commune_user)

    # when
    answers = [
        api.post(
            f"/api/v1/organisations/{commune.slug}/sites/", {"name": "X", **SITE}, format="json"
        ),
        api.patch(f"/api/v1/sites/{pickup_site.pk}/", {"name": "Y"}, format="json"),
        api.post(f"/api/v1/sites/{pickup_site.pk}/close/"),
    ]

    # then
    assert [answer.status_code for answer in answers] == [403, 403, 403]
    assert {answer.json()["error"]["code"] for answer in answers} == {"not_an_admin"}
    pickup_site.refresh_from_db()
    assert (pickup_site.name, pickup_site.is_active) == ("Hôtel de ville", True)
    assert commune.sites.count() == 1
    assert AuditEntry.objects.count() == 0


# Forgotten password


@pytest.mark.django_db
def test_the_login_page_links_to_the_forgotten_password(client):
    # when
    response = client.get(reverse("login"))

    # then
    assert reverse("password_reset") in response.content.decode()
    assert "Mot de passe oublié\u00a0?" in response.content.decode()


@pytest.mark.django_db
def test_a_forgotten_password_is_reset_by_email_without_telling_who_exists(english, commune_user):
    # when
    known = english.post(reverse("password_reset"), {"email": commune_user.email})
    unknown = english.post(reverse("password_reset"), {"email": "nobody@example.org"})

    # then
    assert (known.status_code, known.url) == (302, reverse("password_reset_done"))
    assert (unknown.status_code, unknown.url) == (302, reverse("password_reset_done"))
    assert [message.to for message in mail.outbox] == [[commune_user.email]]
    link = re.search(r"http://testserver(/accounts/password-reset/\S+)", mail.outbox[0].body)
    page = english.get(link.group(1), follow=True)
    chosen = english.post(
        page.redirect_chain[-1][0],
        {"new_password1": "a brand new secret", "new_password2": "a brand new secret"},
    )
    assert chosen.url == reverse("password_reset_complete")
    commune_user.refresh_from_db()
    assert commune_user.check_password("a brand new secret")


@pytest.mark.django_db
def test_the_reset_pages_speak_french(client):
    # when
    response = client.get(reverse("password_reset"))
    done = client.get(reverse("password_reset_done"))

    # then
    assert "Mot de passe oublié" in response.content.decode()
    assert "Consultez votre messagerie" in done.content.decode()


@pytest.mark.django_db
def test_a_closed_site_is_not_offered_when_declaring_or_importing(commune, admin, pickup_site):
    # given
    other = SiteFactory(organisation=commune, name="Centre technique")

    # when
    site_close(site=pickup_site, actor=admin)

    # then
    assert list(DeclarationForm(commune=commune).fields["pickup_site"].queryset) == [other]
    assert list(ImportForm(commune=commune).fields["pickup_site"].queryset) == [other]


@pytest.mark.django_db(transaction=True)
def test_the_api_invites_re_roles_and_removes_members_for_admins(client_for, commune, admin):
    # given
    api = client_for(admin)
    url = f"/api/v1/organisations/{commune.slug}/members/"

    # when
    invited = api.post(url, {"email": "agent@cachan.fr", "role": "staff"}, format="json")
    membership_url = f"/api/v1/memberships/{invited.json()['id']}/"
    promoted = api.patch(membership_url, {"role": "admin"}, format="json")
    listed = api.get(url)
    removed = api.delete(membership_url)

    # then
    assert (invited.status_code, promoted.status_code, removed.status_code) == (201, 200, 204)
    assert invited.json()["username"] == "agent"
    assert promoted.json()["role"] == "admin"
    assert sorted(member["username"] for member in listed.json()) == sorted(
        [admin.username, "agent"]
    )
    assert [message.to for message in mail.outbox] == [["agent@cachan.fr"]]
    assert not Membership.objects.filter(user__username="agent").exists()
    assert [action for action, _target, _actor in audit_rows(commune)] == [
        AuditAction.MEMBER_INVITED,
        AuditAction.ROLE_CHANGED,
        AuditAction.MEMBER_REMOVED,
    ]


@pytest.mark.django_db
def test_the_members_api_refuses_staff_with_403_and_changes_nothing(
    client_for, commune, admin, commune_user, other_commune_user
):
    # given
    api = client_for(commune_user)
    admin_membership = Membership.objects.get(user=admin)
    users_before = get_user_model().objects.count()

    # when
    answers = [
        api.get(f"/api/v1/organisations/{commune.slug}/members/"),
        api.post(
            f"/api/v1/organisations/{commune.slug}/members/",
            {"email": "new@example.org", "role": "admin"},
            format="json",
        ),
        api.patch(f"/api/v1/memberships/{admin_membership.pk}/", {"role": "staff"}, format="json"),
        api.delete(f"/api/v1/memberships/{admin_membership.pk}/"),
    ]
    foreign = client_for(other_commune_user).delete(f"/api/v1/memberships/{admin_membership.pk}/")

    # then
    assert [answer.status_code for answer in answers] == [403, 403, 403, 403]
    assert foreign.status_code == 404
    admin_membership.refresh_from_db()
    assert admin_membership.role == MembershipRole.ADMIN
    assert get_user_model().objects.count() == users_before
    assert AuditEntry.objects.count() == 0
