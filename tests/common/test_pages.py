"""The page plumbing: application errors shown as pages and as form errors."""

import pytest
from django import forms
from django.urls import reverse

from common.errors import NotFound, PermissionDenied, ValidationFailed
from common.pages import add_application_error
from tests.conftest import member


class NoteForm(forms.Form):
    note = forms.CharField(required=False)
    quantity = forms.IntegerField(required=False)


def bound_form() -> NoteForm:
    form = NoteForm(data={"note": "", "quantity": ""})
    assert form.is_valid()
    return form


def test_each_field_message_goes_on_its_field_and_the_others_above_the_form():
    # given
    form = bound_form()
    error = ValidationFailed(
        "The data sent is invalid.",
        fields={"note": ["Too long."], "site": ["No such site."]},
    )

    # when
    add_application_error(form, error)

    # then
    assert form.errors == {"note": ["Too long."], "__all__": ["No such site."]}


def test_an_error_naming_no_field_shows_its_message_above_the_form():
    # given
    form = bound_form()

    # when
    add_application_error(form, ValidationFailed("The import is finished."))

    # then
    assert form.errors == {"__all__": ["The import is finished."]}


def test_message_on_field_shows_the_errors_own_message_on_the_first_known_field():
    # given
    form = bound_form()
    error = ValidationFailed(
        "The file is 60 MB; the largest file accepted is 50 MB.",
        fields={"file": ["Too large."], "quantity": ["Flagged."]},
    )

    # when
    add_application_error(form, error, message_on_field=True)

    # then
    assert form.errors == {"quantity": ["The file is 60 MB; the largest file accepted is 50 MB."]}


@pytest.mark.django_db
def test_a_pages_permission_refusal_answers_403_with_its_message(client, partner, declare):
    # given: a partner may not open the withdrawal of a commune's device
    [device] = declare(1)
    client.force_login(member(partner))
    client.cookies["django_language"] = "en"

    # when
    response = client.get(reverse("inventory:device-withdraw", args=[device.code]))

    # then
    assert response.status_code == 403
    device.refresh_from_db()
    assert device.state == "declared"


@pytest.mark.django_db
def test_a_pages_not_found_answers_404(client, commune):
    # given
    client.force_login(member(commune))

    # when
    response = client.get(reverse("inventory:device-detail", args=["NOSUCHCODE"]))

    # then
    assert response.status_code == 404


def test_the_middleware_turns_application_errors_into_djangos():
    from django.core.exceptions import PermissionDenied as PageForbidden
    from django.http import Http404

    from common.pages import ApplicationErrorPages

    middleware = ApplicationErrorPages(lambda request: None)
    with pytest.raises(PageForbidden, match="Not yours"):
        middleware.process_exception(None, PermissionDenied("Not yours."))
    with pytest.raises(Http404, match="No such thing"):
        middleware.process_exception(None, NotFound("No such thing."))
    assert middleware.process_exception(None, ValueError("other")) is None
