"""Filters shared by the lists' pages."""

from __future__ import annotations

import django_filters
from django_filters import fields


class ListedModelChoiceIterator(fields.ModelChoiceIterator):
    """A drop-down's choices read in one plain query.

    Django reads a model choice field's options through ``QuerySet.iterator()``, which on
    PostgreSQL opens a server-side cursor: four round trips (declare, fetch, close and the
    transaction around them) where one query does, for a few dozen rows shown at every request
    of a list's page. The choices come in the same order, the empty and null choices first.
    """

    def __iter__(self):
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        if self.field.null_label is not None:
            yield (self.field.null_value, self.field.null_label)
        for instance in self.queryset.all():
            yield self.choice(instance)


class ListedModelChoiceField(fields.ModelChoiceField):
    iterator = ListedModelChoiceIterator


class ListedModelChoiceFilter(django_filters.ModelChoiceFilter):
    """A model choice filter whose drop-down reads its choices in one plain query."""

    field_class = ListedModelChoiceField
