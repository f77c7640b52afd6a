"""Template filters for French typography: ``colon``, ``elide``, ``gigabytes``, ``filesize``,
``euros``, ``percent`` (see ``common.typography``)."""

from __future__ import annotations

from django import template

from common import typography

register = template.Library()

register.filter("colon", typography.colon, is_safe=True)
register.filter("elide", typography.elide, is_safe=True)
register.filter("gigabytes", typography.gigabytes)
register.filter("filesize", typography.filesize)
register.filter("euros", typography.euros)
register.filter("percent", typography.percent)
