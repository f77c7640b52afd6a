"""Page plumbing every app's pages share: application errors shown as pages and form errors,
the error summary at the top of a form, and the page that confirms a transition.

A service raises an :class:`~common.errors.ApplicationError`; a page turns it into what a
person sees. :class:`ApplicationErrorPages` makes a refusal (403) or an absence (404) that a
view lets through the site's error page; a view shows an invalid input on its form with
:func:`add_application_error`, and a transition the state forbids as a message.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied as PageForbidden
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext
from django.views import View

from common.errors import ApplicationError, NotFound, PermissionDenied, TransitionNotAllowed


class ApplicationErrorPages:
    """Middleware: a page's :class:`PermissionDenied` answers 403, its :class:`NotFound` 404.

    The API answers these errors itself (``common.errors.api_exception_handler``); pages let
    them through, and the site's 403 and 404 pages show their message.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> None:
        if isinstance(exception, PermissionDenied):
            raise PageForbidden(exception.message) from exception
        if isinstance(exception, NotFound):
            raise Http404(exception.message) from exception


def is_htmx(request: HttpRequest) -> bool:
    """Whether htmx asks for a fragment; a history restore asks for the whole page."""
    return request.headers.get("HX-Request") == "true" and not request.headers.get(
        "HX-History-Restore-Request"
    )


def add_application_error(
    form: forms.BaseForm, error: ApplicationError, *, message_on_field: bool = False
) -> None:
    """Show a service's refusal on ``form``: each message on its field when the form has
    the field, above the form otherwise; the error's message when it names no field.

    ``message_on_field`` shows the error's own message on the first field it names instead,
    for a service whose field messages only flag the field (the file of an import).
    """
    if message_on_field:
        field = next((name for name in error.fields if name in form.fields), None)
        form.add_error(field, error.message)
        return
    for name, texts in error.fields.items():
        field = name if name in form.fields else None
        for message in texts:
            form.add_error(field, message)
    if not error.fields:
        form.add_error(None, error.message)


def error_summary(
    forms_with_labels: Iterable[tuple[forms.BaseForm, str]],
    non_form_errors: Iterable[str] = (),
) -> list[Mapping[str, str]]:
    """Every error of the page as a list of links to the fields, for the summary at the top."""
    entries: list[Mapping[str, str]] = [
        {"href": "", "text": str(message)} for message in non_form_errors
    ]
    for form, prefix in forms_with_labels:
        if not form.is_bound:
            continue
        lead = f"{prefix} — " if prefix else ""
        for message in form.non_field_errors():
            text = _labelled(prefix, message) if prefix else str(message)
            entries.append({"href": "", "text": text})
        for field in form:
            for message in field.errors:
                text = _labelled(f"{lead}{field.label}", message)
                entries.append({"href": f"#{field.id_for_label}", "text": text})
    return entries


def _labelled(label: str, message) -> str:
    # The colon as the reader's language writes it: « Catégorie : Ce champ… » in French.
    return gettext("%(label)s: %(message)s") % {"label": label, "message": message}


class TransitionConfirmView(View):
    """Confirm, then run one transition of an object's lifecycle.

    GET shows the object and the confirmation form; POST runs the transition through its
    service and goes back with a message. A transition the object's state forbids sends the
    person back to the object with the reason (before and after confirming: another person
    may have acted meanwhile); one the active organisation may not run answers 403.
    Subclasses say how to find the object, what the lifecycle allows and what to run.
    """

    http_method_names = ["get", "post"]
    template_name: str
    form_class: type[forms.Form]
    forbidden_message: str

    def get_object(self) -> Any:
        raise NotImplementedError

    def refusal(self, obj: Any) -> str | None:
        """Why the object's state forbids the transition, or None when it allows it."""
        raise NotImplementedError

    def permitted(self, obj: Any) -> bool:
        """Whether the active organisation may run the transition on the object."""
        raise NotImplementedError

    def perform(self, obj: Any, form: forms.Form) -> None:
        """Run the transition through its service."""
        raise NotImplementedError

    def success_message(self, obj: Any) -> str:
        raise NotImplementedError

    def object_url(self, obj: Any) -> str:
        """Where the person goes back to: the object's page."""
        raise NotImplementedError

    def success_url(self, obj: Any) -> str:
        return self.object_url(obj)

    def get_context_data(self, obj: Any, form: forms.Form) -> dict[str, Any]:
        return {"form": form, "errors": error_summary([(form, "")])}

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.confirm(request)

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.confirm(request)

    def confirm(self, request: HttpRequest) -> HttpResponse:
        obj = self.get_object()
        refusal = self.refusal(obj)
        if refusal is not None:
            messages.error(request, refusal)
            return redirect(self.object_url(obj))
        if not self.permitted(obj):
            raise PageForbidden(self.forbidden_message)

        form = self.form_class(request.POST if request.method == "POST" else None)
        if request.method == "POST" and form.is_valid():
            try:
                self.perform(obj, form)
            except TransitionNotAllowed as error:
                messages.error(request, error.message)
                return redirect(self.object_url(obj))
            messages.success(request, self.success_message(obj))
            return redirect(self.success_url(obj))
        return render(request, self.template_name, self.get_context_data(obj, form))
