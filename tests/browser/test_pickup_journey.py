"""The planned pickup journey in headless Chromium, in French.

A partner's technician ticks two claimed laptops in « Mes réservations » and plans their pickup
for tomorrow morning at the town hall. The commune's staff member sees on the dashboard that a
pickup waits for an answer, opens it and proposes this afternoon instead; a past day is refused
next to its field first. The technician confirms the other date, and on the day records the
collection from the plan: the form comes with the plan's site and devices, and the plan is
done. Both sides read the plan's state all along.
"""

from __future__ import annotations

import datetime
import re

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from inventory.choices import DeviceState
from inventory.models import Device
from reuse.choices import PickupState
from reuse.models import PickupPlan
from reuse.services import devices_claim
from tests.browser.helpers import expect_message, log_in, sign_collection
from tests.conftest import member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_pickup_is_proposed_answered_confirmed_and_collected_through_the_pages(
    french_tab, live_server, declare, commune_user, pickup_site, partner
):
    url = live_server.url
    today = timezone.localdate()
    tomorrow = today + datetime.timedelta(days=1)
    technician = member(partner)
    devices = declare(2)
    devices_claim(devices=devices, partner=partner, user=technician)
    codes = sorted(device.code for device in devices)

    # given: the technician ticks both laptops in « Mes réservations » and plans their pickup
    partner_tab = french_tab()
    log_in(partner_tab, live_server, technician)
    partner_tab.goto(f"{url}/reuse/claims/")
    for code in codes:
        partner_tab.check(f"#collect-{code}")
    partner_tab.get_by_role("button", name="Planifier un enlèvement").click()
    partner_tab.wait_for_url(re.compile(r"/reuse/pickups/new/"))
    expect(partner_tab.locator("#id_site")).to_have_value(str(pickup_site.pk))
    partner_tab.fill("#id_date", tomorrow.isoformat())
    partner_tab.fill("#id_starts_at", "09:00")
    partner_tab.fill("#id_ends_at", "11:00")
    partner_tab.fill("#id_note", "Camionnette blanche, quai de la cour.")
    partner_tab.get_by_role("button", name="Proposer l’enlèvement").click()
    partner_tab.wait_for_url(re.compile(r"/reuse/pickups/\d+/$"))
    expect_message(partner_tab, "success", "Enlèvement proposé\u00a0: la commune est prévenue.")
    expect(partner_tab.locator("#pickup-state")).to_have_text("Proposé")
    plan_url = partner_tab.url
    plan = PickupPlan.objects.get()

    # when: the commune sees it on its dashboard and proposes this afternoon instead
    commune_tab = french_tab()
    log_in(commune_tab, live_server, commune_user)
    expect(commune_tab.locator("#pickups-title")).to_have_text("Enlèvements planifiés")
    expect(commune_tab.get_by_text("1 enlèvement attend votre réponse.")).to_be_visible()
    commune_tab.click(f"a[href='/reuse/pickups/{plan.pk}/']")
    expect(commune_tab.locator("h1")).to_have_text(f"Enlèvement du {tomorrow.strftime('%d/%m/%Y')}")
    commune_tab.fill("#counter_date", (today - datetime.timedelta(days=1)).isoformat())
    commune_tab.get_by_role("button", name="Proposer cette date").click()
    expect(commune_tab.locator(".error-summary")).to_contain_text(
        "Le jour de l’enlèvement ne peut pas être passé."
    )
    assert PickupPlan.objects.get().state == PickupState.PROPOSED
    commune_tab.fill("#counter_date", today.isoformat())
    commune_tab.fill("#counter_starts_at", "14:00")
    commune_tab.fill("#counter_ends_at", "16:00")
    commune_tab.get_by_role("button", name="Proposer cette date").click()
    expect_message(commune_tab, "success", "Autre date proposée\u00a0: le partenaire est prévenu.")
    expect(commune_tab.locator("#pickup-state")).to_have_text("Autre date proposée")

    # then: the technician confirms it and records the collection from the plan
    partner_tab.goto(plan_url)
    expect(partner_tab.locator("#pickup-state")).to_have_text("Autre date proposée")
    partner_tab.get_by_role("button", name="Confirmer l’enlèvement").click()
    expect(partner_tab.locator("#pickup-state")).to_have_text("Confirmé")
    partner_tab.get_by_role("link", name="Enregistrer l’enlèvement").click()
    partner_tab.wait_for_url(re.compile(r"/reuse/collections/new/\?plan="))
    expect(partner_tab.locator("#id_site")).to_have_value(str(pickup_site.pk))
    for code in codes:
        expect(partner_tab.get_by_text(code)).to_be_visible()
    sign_collection(partner_tab)
    partner_tab.wait_for_url(re.compile(r"/reuse/collections/\d+/$"))
    partner_tab.goto(plan_url)
    expect(partner_tab.locator("#pickup-state")).to_have_text("Effectué")
    commune_tab.reload()
    expect(commune_tab.locator("#pickup-state")).to_have_text("Effectué")
    plan = PickupPlan.objects.get()
    assert (plan.state, plan.date) == (PickupState.DONE, today)
    assert set(Device.objects.values_list("state", flat=True)) == {DeviceState.COLLECTED}
