"""Form fields of model choices for the drop-downs a list's page shows at every request.

Django reads a model choice field's options through ``QuerySet.iterator()`` (on PostgreSQL a
server-side cursor: declare, fetch, close, four round trips where one query does) and writes
each option with a template of its own. :class:`ListedModelChoiceField` reads its options
with the form's own queryset, once: a page that asks whether there is any choice
(``{% if form.fields.name.queryset %}``) and then shows them reads them in one query, and
writes its ``<select>`` in Python (:class:`common.widgets.PlainSelect`, Django's markup).
The filter sets' drop-downs have their own (:mod:`common.filters`): django-filter's fields
add a choice for "none" and read a fresh queryset each time.
"""

from __future__ import annotations

from django import forms

from common.widgets import PlainSelect


class ListedModelChoiceIterator(forms.models.ModelChoiceIterator):
    """The choices of the field's queryset itself, read once and kept by it (a form's field
    has a queryset of its own), the empty choice first."""

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for instance in self.queryset:
            yield self.choice(instance)


class ListedModelChoiceField(forms.ModelChoiceField):
    """A drop-down of model choices read in one query and written in Python."""

    iterator = ListedModelChoiceIterator
    widget = PlainSelect
