"""A blocked action shows as blocked, with what it lacks beside it: "Mark as ready" on the
refurbishment page, the device page and the passport its label's QR code opens."""

from __future__ import annotations

import re

import pytest

from inventory import lifecycle
from inventory.choices import DeviceState
from reuse.services import device_readiness_missing, grading_record
from tests.reuse.refurbishment import collected_device, erase

READY_BUTTON = re.compile(r"<button[^>]*>\s*Mark as ready\s*</button>")


def ready_button(html: str) -> str:
    buttons = READY_BUTTON.findall(html)
    assert len(buttons) == 1, buttons
    return buttons[0]


def graded(device, partner, user):
    grading_record(device=device, organisation=partner, user=user, grade="B", battery_health=80)
    return device


@pytest.mark.django_db
def test_mark_as_ready_is_disabled_while_something_is_missing(
    declare, partner, partner_user, page_client
):
    # given: a device in refurbishment, not graded, its data not erased
    device = collected_device(declare, partner, partner_user, refurbishing=True)

    # when
    html = page_client(partner_user).get(f"/reuse/devices/{device.code}/refurbishment/")
    html = html.content.decode()

    # then: the button is disabled and points at the list of what is missing
    button = ready_button(html)
    assert " disabled" in button
    assert 'aria-disabled="true"' in button
    assert 'aria-describedby="ready-missing"' in button
    assert 'id="ready-missing"' in html


@pytest.mark.django_db
def test_mark_as_ready_is_enabled_once_nothing_is_missing(
    declare, partner, partner_user, page_client
):
    # given: a device erased, diagnosed working and graded
    device = collected_device(declare, partner, partner_user, refurbishing=True)
    erase(partner, partner_user, device)
    graded(device, partner, partner_user)
    assert device_readiness_missing(device) == []

    # when
    html = page_client(partner_user).get(f"/reuse/devices/{device.code}/refurbishment/")

    # then
    button = ready_button(html.content.decode())
    assert "disabled" not in button


@pytest.mark.django_db
def test_the_device_page_shows_a_blocked_action_as_blocked_with_what_is_missing(
    declare, partner, partner_user, page_client
):
    # given
    device = collected_device(declare, partner, partner_user, refurbishing=True)
    missing = device_readiness_missing(device)
    assert missing

    # when
    html = page_client(partner_user).get(f"/inventory/{device.code}/").content.decode()

    # then: no link to take it, a blocked button and every missing piece beside it
    assert 'data-blocked-action="certify"' in html
    assert 'aria-describedby="blocked-certify"' in html
    for reason in missing:
        assert reason[:1].upper() + reason[1:] in html


@pytest.mark.django_db
def test_the_passport_offers_only_the_actions_that_are_allowed(
    declare, partner, partner_user, page_client
):
    # given: the holder scans the label of a device that cannot be marked ready yet
    device = collected_device(declare, partner, partner_user, refurbishing=True)
    client = page_client(partner_user)

    # when
    html = client.get(f"/d/{device.code}/").content.decode()

    # then: "Mark as ready" is not a link; it is shown blocked, with what is missing
    assert 'data-action="certify"' not in html
    assert 'data-blocked-action="certify"' in html
    assert 'id="blocked-certify"' in html
    for reason in device_readiness_missing(device):
        assert reason[:1].upper() + reason[1:] in html

    # when: nothing is missing any more
    erase(partner, partner_user, device)
    graded(device, partner, partner_user)
    html = client.get(f"/d/{device.code}/").content.decode()

    # then: the action is offered
    assert 'data-action="certify"' in html
    assert 'data-blocked-action="certify"' not in html
    device.refresh_from_db()
    assert device.state == DeviceState.IN_REFURBISHMENT


@pytest.mark.django_db
def test_reuse_registers_what_certify_lacks(declare, partner, partner_user):
    # given
    device = collected_device(declare, partner, partner_user, refurbishing=True)

    # when
    missing = lifecycle.transition_missing(device, "certify")

    # then: the lifecycle hook answers what the readiness service says, other transitions none
    assert missing == device_readiness_missing(device)
    assert lifecycle.transition_missing(device, "recycle") == []


def test_a_blocker_of_an_unknown_transition_is_refused():
    with pytest.raises(ValueError, match="teleport"):
        lifecycle.register_transition_blocker("teleport", lambda device: [])


def test_the_stylesheet_gives_blocked_buttons_their_own_look():
    from pathlib import Path

    css = Path("static/css/boucle.css").read_text()
    rule = css[css.index(".button:disabled,") :]
    rule = rule[: rule.index("}")]
    assert '.button[aria-disabled="true"]' in rule
    assert "cursor: not-allowed" in rule
