"""The platform's cosmetic grade scale, defined once: its public page and every document use it.

No French or European standard defines cosmetic grades (REFERENCE.md, "Grades"): the platform
defines its own A/B/C scale. A grade says how the device looks, never whether it works (the
diagnosis says that). The décret 2022-190 reserves its wording for refurbished goods: a grade
never calls a device new, whatever the language.
"""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from reuse.choices import Grade

GRADE_DESCRIPTIONS = {
    Grade.A: _(
        "Light signs of use at most, invisible at arm's length; screen without scratches; "
        "all functions tested."
    ),
    Grade.B: _(
        "Visible signs of use (light scratches, worn keys or corners); screen without marks "
        "that hinder reading; all functions tested."
    ),
    Grade.C: _(
        "Marked signs of use (deep scratches, dents, discoloured parts); screen may show "
        "light marks; all functions tested."
    ),
}


def grade_scale() -> list[dict[str, str]]:
    """Each grade with its label and description, best first, as pages and documents show it."""
    return [
        {"grade": grade.value, "label": grade.label, "description": GRADE_DESCRIPTIONS[grade]}
        for grade in Grade
    ]
