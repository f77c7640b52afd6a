"""The dashboard, made of panels that each app contributes for the organisation kinds it serves.

organisations is the lowest app: it cannot read the devices, claims or orders a dashboard
shows. Each app registers its panels (and the page's main action) in its ``AppConfig.ready()``;
the dashboard page asks :func:`dashboard_panels` for the active organisation's, in order.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from organisations.choices import OrganisationKind
from organisations.models import Organisation
from organisations.selectors import organisation_members, organisation_sites


@dataclass(frozen=True)
class Panel:
    """A card of the dashboard: a template and the context it needs for one organisation.

    ``order`` places it among the kind's panels; a ``wide`` panel spans the page instead of
    sitting in the grid of cards.
    """

    name: str
    kinds: frozenset[str]
    template: str
    context: Callable[[Organisation], dict[str, Any]]
    order: int
    wide: bool = False


@dataclass(frozen=True)
class Action:
    """The dashboard's main button for an organisation kind."""

    kind: str
    url_name: str
    label: str


_panels: dict[str, Panel] = {}
_actions: dict[str, Action] = {}


def register_panel(
    name: str,
    *,
    kinds: Iterable[str],
    template: str,
    context: Callable[[Organisation], dict[str, Any]],
    order: int,
    wide: bool = False,
) -> None:
    """Add a panel to the dashboards of ``kinds``; registering a name again replaces it."""
    _panels[name] = Panel(name, frozenset(kinds), template, context, order, wide)


def register_action(*, kind: str, url_name: str, label: str) -> None:
    """Set the dashboard's main button for ``kind``."""
    _actions[kind] = Action(kind, url_name, label)


def latest_and_count(rows: QuerySet, limit: int) -> tuple[list[Any], int]:
    """The first ``limit`` of ``rows`` and how many there are in all: counted only when the
    panel cannot show them all (one row more than it shows says so), since most panels list
    every row they have."""
    first = list(rows[: limit + 1])
    if len(first) <= limit:
        return first, len(first)
    return first[:limit], rows.count()


def count_among(
    listed: list[Any], *, all_listed: bool, matching: Callable[[Any], bool], rows: QuerySet
) -> int:
    """How many of ``rows`` there are, counted among the ``listed`` ones with ``matching``
    (``rows``' condition in Python) when the panel listed every row they could be among,
    otherwise by the database."""
    return sum(1 for row in listed if matching(row)) if all_listed else rows.count()


def dashboard_panels(organisation: Organisation) -> list[Panel]:
    """The panels of ``organisation``'s dashboard, in order."""
    return sorted(
        (panel for panel in _panels.values() if organisation.kind in panel.kinds),
        key=lambda panel: (panel.order, panel.name),
    )


def dashboard_action(organisation: Organisation) -> Action | None:
    return _actions.get(organisation.kind)


def _sites(organisation: Organisation) -> dict[str, Any]:
    return {"sites": list(organisation_sites(organisation))}


def _members(organisation: Organisation) -> dict[str, Any]:
    return {"members": list(organisation_members(organisation))}


def register_panels() -> None:
    """Register organisations' own panels (from ``OrganisationsConfig.ready``)."""
    buyer = [OrganisationKind.BUYER]
    register_panel(
        "organisations-sites",
        kinds=buyer,
        template="organisations/panels/sites.html",
        context=_sites,
        order=10,
    )
    register_panel(
        "organisations-members",
        kinds=buyer,
        template="organisations/panels/members.html",
        context=_members,
        order=20,
    )
