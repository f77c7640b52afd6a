"""Form fields written in Python rather than by a template per field and per option.

Django renders a ``<select>`` with a template, and each of its options with a template of its
own: a filter form offering the territory's communes and their pickup sites spent more time
on its two drop-downs than the list below them spent on its 50 rows. These widgets write the
same markup as Django's templates (``django/forms/widgets/input.html``, ``select.html``,
``select_option.html``, ``multiple_input.html``, ``input_option.html`` and ``attrs.html``), to
the character, in Python.
"""

from django import forms
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe


def attributes_html(attrs: dict) -> str:
    """The attributes as Django's ``attrs.html`` writes them: a ``False`` one left out, a
    ``True`` one as a bare name, any other value as text, escaped."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        if value is True:
            parts.append(format_html(" {}", name))
        else:
            parts.append(format_html(' {}="{}"', name, str(value)))
    return "".join(parts)


def select_html(widget: dict) -> SafeString:
    """A ``<select>`` from the context Django's select widgets give their template."""
    parts = [
        format_html('<select name="{}"', widget["name"]),
        attributes_html(widget["attrs"]),
        ">",
    ]
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(format_html('\n  <optgroup label="{}">', group_name))
        for option in options:
            parts.append(
                format_html(
                    '\n  <option value="{}"{}>{}</option>\n',
                    str(option["value"]),
                    mark_safe(attributes_html(option["attrs"])),
                    option["label"],
                )
            )
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return mark_safe("".join(parts))


def input_option_html(option: dict) -> SafeString:
    """A choice of a list of checkboxes or radio buttons: its input within its label, as
    Django's checkbox and radio widgets always wrap it (an included template keeps its last
    line break, which Django strips only from the whole)."""
    label_for = option["attrs"].get("id")
    return format_html(
        "<label{}>{}\n {}</label>\n",
        format_html(' for="{}"', label_for) if label_for else "",
        input_html(option),
        option["label"],
    )


def multiple_input_html(widget: dict) -> SafeString:
    """A list of checkboxes or radio buttons from the context Django gives their template."""
    widget_id = widget["attrs"].get("id")
    widget_class = widget["attrs"].get("class")
    parts = [
        format_html(
            "<div{}{}>",
            format_html(' id="{}"', widget_id) if widget_id else "",
            format_html(' class="{}"', widget_class) if widget_class else "",
        )
    ]
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(format_html("\n  <div><label>{}</label>", group_name))
        for option in options:
            parts.append(format_html("<div>\n    {}\n</div>", input_option_html(option)))
        if group_name:
            parts.append("\n  </div>")
    parts.append("\n</div>")
    return mark_safe("".join(parts))


class PlainSelect(forms.Select):
    """A drop-down of one choice, written in Python (its markup is Django's)."""

    def render(self, name, value, attrs=None, renderer=None):
        return select_html(self.get_context(name, value, attrs)["widget"])


class PlainSelectMultiple(forms.SelectMultiple):
    """A list of several choices, written in Python (its markup is Django's)."""

    def render(self, name, value, attrs=None, renderer=None):
        return select_html(self.get_context(name, value, attrs)["widget"])


def input_html(widget: dict) -> SafeString:
    """An ``<input>`` from the context Django's input widgets give their template."""
    value = "" if widget["value"] is None else format_html(' value="{}"', str(widget["value"]))
    return format_html(
        '<input type="{}" name="{}"{}{}>',
        widget["type"],
        widget["name"],
        value,
        mark_safe(attributes_html(widget["attrs"])),
    )


class PlainInputMixin:
    """For an input widget: its ``<input>`` written in Python (its markup is Django's)."""

    def render(self, name, value, attrs=None, renderer=None):
        return input_html(self.get_context(name, value, attrs)["widget"])


class PlainTextInput(PlainInputMixin, forms.TextInput):
    pass


class PlainDateInput(PlainInputMixin, forms.DateInput):
    pass


class PlainNumberInput(PlainInputMixin, forms.NumberInput):
    pass


class PlainCheckboxSelectMultiple(forms.CheckboxSelectMultiple):
    """Checkboxes of several choices, written in Python (their markup is Django's)."""

    def render(self, name, value, attrs=None, renderer=None):
        return multiple_input_html(self.get_context(name, value, attrs)["widget"])
