"""An organisation runs itself, in headless Chromium: its administrator adds a site and invites
a colleague, who chooses a password from the e-mail; the commune moves a declared device to the
new site; staff find none of it; a forgotten password is reset by e-mail.

The assertions use the structure of the pages and accept their words in French or English.
"""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from inventory.choices import EventKind
from organisations.choices import AuditAction, MembershipRole
from organisations.models import AuditEntry, Membership, Site
from tests.browser.helpers import log_in
from tests.conftest import member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RESET_LINK = re.compile(r"https?://[^/\s]+(/accounts/password-reset/\S+)")


def choose_password(tab, live_server, body: str, password: str) -> None:
    tab.goto(live_server.url + RESET_LINK.search(body).group(1))
    tab.fill("#id_new_password1", password)
    tab.fill("#id_new_password2", password)
    tab.click("main form button[type=submit]")
    tab.wait_for_url(f"{live_server.url}/accounts/password-reset/done/")


def log_in_with(tab, live_server, username: str, password: str) -> None:
    tab.goto(f"{live_server.url}/accounts/login/")
    tab.fill("#id_username", username)
    tab.fill("#id_password", password)
    tab.click("form[action='/accounts/login/'] button[type=submit]")
    tab.wait_for_url(f"{live_server.url}/")


def test_an_admin_adds_a_site_and_invites_a_colleague_who_sets_a_password(
    page, new_tab, live_server, commune, pickup_site, declare, commune_user
):
    # given
    [device] = declare(1)
    admin = member(commune, MembershipRole.ADMIN)
    log_in(page, live_server, admin)

    # when: adding a site from the organisation page
    page.click(f".site-nav a[href='/organisations/{commune.slug}/']")
    page.click(f"a[href='/organisations/{commune.slug}/sites/new/']")
    page.fill("#id_name", "Centre technique municipal")
    page.fill("#id_address", "4 rue Gallieni")
    page.fill("#id_postal_code", "94230")
    page.fill("#id_city", "Cachan")
    page.click("main form button[type=submit]")

    # then: it is listed, and the change is in the log
    page.wait_for_url(f"{live_server.url}/organisations/{commune.slug}/")
    expect(page.locator("tr[data-site='Centre technique municipal']")).to_contain_text(
        re.compile("Ouvert|Open")
    )
    expect(page.locator("table.table--audit tbody tr")).to_have_count(1)
    expect(page.locator("table.table--audit")).to_contain_text(re.compile("Site ajouté|Site added"))

    # when: inviting a colleague as staff
    page.click(f".page-header__actions a[href='/organisations/{commune.slug}/members/']")
    page.fill("#id_email", "claire.dupont@cachan.fr")
    page.fill("#id_first_name", "Claire")
    page.fill("#id_last_name", "Dupont")
    page.select_option("#id_role", "staff")
    page.click(f"form[action='/organisations/{commune.slug}/members/invite/'] button")

    # then: she is a member and has an e-mail with a link to choose her password
    page.wait_for_url(f"{live_server.url}/organisations/{commune.slug}/members/")
    expect(page.locator("tr[data-member='claire.dupont']")).to_have_count(1)
    assert [message.to for message in mail.outbox] == [["claire.dupont@cachan.fr"]]
    invited = new_tab()
    choose_password(invited, live_server, mail.outbox[0].body, "un mot de passe solide")
    log_in_with(invited, live_server, "claire.dupont", "un mot de passe solide")
    expect(invited.locator(".site-nav")).to_be_visible()

    # when: the former agent leaves
    staff = Membership.objects.get(user=commune_user)
    page.click(f"form[action='/organisations/{commune.slug}/members/{staff.pk}/remove/'] button")

    # then
    page.wait_for_url(f"{live_server.url}/organisations/{commune.slug}/members/")
    expect(page.locator(f"tr[data-member='{commune_user.username}']")).to_have_count(0)

    # when: the declared device is moved to the new site
    page.goto(f"{live_server.url}/inventory/{device.code}/edit/")
    new_site = Site.objects.get(name="Centre technique municipal")
    page.select_option("#id_pickup_site", str(new_site.pk))
    page.fill("#id_note", "Stocké au centre technique")
    page.click("main form button[type=submit]")

    # then
    page.wait_for_url(f"{live_server.url}/inventory/{device.code}/")
    device.refresh_from_db()
    assert device.pickup_site == new_site
    assert device.events.last().kind == EventKind.EDITED
    assert list(AuditEntry.objects.order_by("pk").values_list("action", flat=True)) == [
        AuditAction.SITE_ADDED,
        AuditAction.MEMBER_INVITED,
        AuditAction.MEMBER_REMOVED,
    ]


def test_staff_find_no_organisation_page(page, live_server, commune, commune_user):
    # given
    log_in(page, live_server, commune_user)

    # when
    nav = page.locator(f".site-nav a[href='/organisations/{commune.slug}/']")
    response = page.goto(f"{live_server.url}/organisations/{commune.slug}/")

    # then
    expect(nav).to_have_count(0)
    assert response.status == 403
    assert AuditEntry.objects.count() == 0


def test_a_forgotten_password_is_reset_from_the_login_page(page, live_server, commune_user):
    # given
    page.goto(f"{live_server.url}/accounts/login/")

    # when: asking for a link, for a known address and an unknown one
    page.click("a[href='/accounts/password-reset/']")
    page.fill("#id_email", "nobody@example.org")
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/accounts/password-reset/sent/")
    unknown_answer = page.locator("main").inner_text()
    page.goto(f"{live_server.url}/accounts/password-reset/")
    page.fill("#id_email", commune_user.email)
    page.click("main form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/accounts/password-reset/sent/")

    # then: the same answer either way, one e-mail to the known address
    assert page.locator("main").inner_text() == unknown_answer
    expect(page.locator("h1")).to_have_text(
        re.compile("Consultez votre messagerie|Check your e-mail")
    )
    assert [message.to for message in mail.outbox] == [[commune_user.email]]

    # when: following the link
    choose_password(page, live_server, mail.outbox[0].body, "a brand new secret")

    # then: the new password opens the session
    log_in_with(page, live_server, commune_user.username, "a brand new secret")
