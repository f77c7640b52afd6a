"""Labels of model choices, found without translating every label of the field."""

from django.db import models


def choice_label(choices: type[models.Choices], value):
    """The label of ``value`` among ``choices``, as ``get_FOO_display()`` gives it (the value
    itself when it is not one of them).

    Django's ``get_FOO_display()`` builds a dict of the field's choices at each call, hashing
    each lazy label, which translates it: a list of 50 devices showing their category and state
    translated some 1,000 labels to show 100. The enum's own lookup by value translates none;
    the template translates the one label it shows."""
    try:
        return choices(value).label
    except ValueError:
        return value
