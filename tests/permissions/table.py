"""The permission table: for every route, how its URL is built and what each role gets.

Read an entry as "who may": anonymous visitors are sent to the login page; an organisation's
members see what it owns or is the counterpart of, and the territory reads everything; another
organisation's object is not found (404), or refused (403) where the page is the organisation's
own kind's and says so. A POST with no data tries the action: refused (nothing changes, the test
checks it), or accepted and answered with the form's errors (400, or the page again) or done.
"""

from __future__ import annotations

import datetime

from django.contrib import admin
from django.utils import timezone

from common.health import record_worker_heartbeat
from tests.conftest import device_description
from tests.permissions.matrix import ADMIN_LOGIN, LOGIN, Context, Entry, Own, both

# --- How URLs are built from the world (tests/permissions/world.py). --------------------------


def code(name: str):
    """The code of the side's device in a given state (``declared``, ``claimed``…)."""
    return lambda c: {"code": getattr(c.side, name).code}


def pk(name: str):
    """The primary key of the side's object of that name."""
    return lambda c: {"pk": getattr(c.side, name).pk}


def slug(c: Context) -> dict:
    """The slug of the role's kind of organisation on the side."""
    return {"slug": c.organisation.slug}


def slug_site(c: Context) -> dict:
    return {"slug": c.organisation.slug, "pk": c.world.sites[c.organisation.pk].pk}


def slug_membership(c: Context) -> dict:
    return {"slug": c.organisation.slug, "pk": c.world.staff[c.organisation.pk].pk}


def slug_username(c: Context) -> dict:
    return {"slug": c.organisation.slug, "username": c.world.staff[c.organisation.pk].user.username}


def site(c: Context) -> dict:
    return {"pk": c.world.sites[c.organisation.pk].pk}


def membership(c: Context) -> dict:
    return {"pk": c.world.staff[c.organisation.pk].pk}


def number(c: Context) -> dict:
    """A document of the side's: its invoice for a buyer, its collection note for the others."""
    if c.organisation.is_buyer:
        return {"number": c.side.invoice.document.number}
    return {"number": c.side.collection_note.number}


def with_fresh_heartbeat(c: Context) -> dict:
    """No arguments; the worker's heartbeat written just before the request, as a running
    worker would have: ``/health/`` then answers what it answers a monitor of a sound
    installation (without Redis, the embedded default, there is none to write)."""
    record_worker_heartbeat()
    return {}


def groupement(c: Context) -> dict:
    return {"pk": c.world.groupement_pk}


# --- Bodies of the creations whose refusals must come from the rules, not from validation. ---

REASON = {"reason": "Le budget de l’année ne le permet plus."}
NEW_SITE = {
    "name": "Annexe",
    "address": "2 rue de la Paix",
    "postal_code": "94230",
    "city": "Cachan",
    "is_pickup": True,
}
NEW_OFFER = {
    "title": "Écran 24 pouces, second lot",
    "category": "monitor",
    "grade": "B",
    "warranty_months": 12,
    "vat_rate": "20",
    "minimum_quantity": 1,
    "price_tiers": [{"threshold": 1, "unit_price": "60.00"}],
}


def new_campaign(c: Context) -> dict:
    opens_at = timezone.now() + datetime.timedelta(days=1)
    return {
        "groupement": c.world.groupement_pk,
        "title": "Écrans, campagne d’automne",
        "opens_at": opens_at.isoformat(),
        "closes_at": (opens_at + datetime.timedelta(days=7)).isoformat(),
        "offers": [c.side.offer.pk],
    }


ADMIN_LOGIN_PAGE = both({"all": 200})  # the form, and its errors
ADMIN_LOGOUT = both({"all": 302})  # back to the admin, which asks to log in

TABLE: dict[str, Entry] = {
    # --- Sign-in, language, password reset: open to all. ---
    "set_language": Entry(**both({"all": 302})),
    "login": Entry(**both({"all": 200})),
    "logout": Entry(get={"all": 405}, post={"all": 302}),
    "password_reset": Entry(**both({"all": 200})),
    "password_reset_done": Entry(get={"all": 200}, post={"all": 405}),
    "password_reset_confirm": Entry(
        kwargs=lambda c: {"uidb64": "MQ", "token": "set-password"}, **both({"all": 200})
    ),
    "password_reset_complete": Entry(get={"all": 200}, post={"all": 405}),
    # --- The API: 401 without a session or a token. ---
    "api-token": Entry(get={"all": 405}, post={"all": 400}),
    "api-organisation-list": Entry(
        get={"anonymous": 401, "members": 200}, post={"anonymous": 401, "members": 405}
    ),
    "api-organisation-detail": Entry(
        kwargs=slug, get={"anonymous": 401, "members": 200}, post={"anonymous": 401, "members": 405}
    ),
    "api-organisation-members": Entry(
        kwargs=slug,
        get={
            "anonymous": 401,
            "members": Own(200, 403),
            "commune_staff": 403,
            "partner_staff": 403,
            "buyer": 403,
        },
        post={
            "anonymous": 401,
            "members": Own(400, 403),
            "commune_staff": 403,
            "partner_staff": 403,
            "buyer": 403,
        },
    ),
    "api-organisation-sites": Entry(
        kwargs=slug,
        data=lambda c: NEW_SITE,
        get={"anonymous": 401, "members": 200},
        post={
            "anonymous": 401,
            "members": 403,
            "commune_admin": Own(201, 403),
            "partner_admin": Own(201, 403),
            "territory_admin": Own(201, 403),
        },
    ),
    "api-site-list": Entry(
        get={"anonymous": 401, "members": 200}, post={"anonymous": 401, "members": 405}
    ),
    "api-site-detail": Entry(
        kwargs=site, get={"anonymous": 401, "members": 200}, post={"anonymous": 401, "members": 405}
    ),
    "api-site-close": Entry(
        kwargs=site,
        get={"anonymous": 401, "members": 405},
        post={
            "anonymous": 401,
            "members": Own(200, 403),
            "commune_staff": 403,
            "partner_staff": 403,
            "buyer": 403,
        },
    ),
    "api-membership-detail": Entry(kwargs=membership, **both({"anonymous": 401, "members": 405})),
    "api-device-export": Entry(
        get={"anonymous": 401, "members": 200}, post={"anonymous": 401, "members": 405}
    ),
    "api-label-sheet": Entry(
        get={"anonymous": 401, "members": 405}, post={"anonymous": 401, "members": 400}
    ),
    "api-device-list": Entry(
        data=lambda c: {"commune": c.side.commune.slug, **device_description()},
        get={"anonymous": 401, "members": 200},
        post={"anonymous": 401, "members": 403, "commune": 201},
    ),
    "api-device-detail": Entry(
        kwargs=code("declared"),
        get={"anonymous": 401, "members": 200, "buyer": 404},
        post={"anonymous": 401, "members": 405},
    ),
    "api-device-events": Entry(
        kwargs=code("declared"),
        get={"anonymous": 401, "members": 200, "buyer": 404},
        post={"anonymous": 401, "members": 405},
    ),
    "api-device-withdraw": Entry(
        kwargs=code("declared"),
        get={"anonymous": 401, "members": 405},
        post={"anonymous": 401, "members": 403, "commune": Own(200, 403), "buyer": 404},
    ),
    "api-declaration-list": Entry(
        get={"anonymous": 401, "members": 405}, post={"anonymous": 401, "members": 400}
    ),
    "api-import-list": Entry(
        get={"anonymous": 401, "members": 200}, post={"anonymous": 401, "members": 400}
    ),
    "api-import-detail": Entry(
        kwargs=pk("device_import"),
        get={"anonymous": 401, "members": 404, "commune": Own(200, 404), "territory": 200},
        post={"anonymous": 401, "members": 405},
    ),
    "api-import-cancel": Entry(
        kwargs=pk("device_import"),
        get={"anonymous": 401, "members": 405},
        post={"anonymous": 401, "members": 404, "commune": Own(400, 404), "territory": 403},
    ),
    "api-import-import-file": Entry(
        kwargs=pk("device_import"),
        get={"anonymous": 401, "members": 405},
        post={"anonymous": 401, "members": 404, "commune": Own(400, 404), "territory": 403},
    ),
    "api-import-report": Entry(
        kwargs=pk("device_import"),
        get={"anonymous": 401, "members": 404, "commune": Own(200, 404), "territory": 200},
        post={"anonymous": 401, "members": 405},
    ),
    "api-device-claim": Entry(
        kwargs=code("declared"),
        get={"anonymous": 401, "members": 405},
        post={"anonymous": 401, "members": 403, "partner": 200},
    ),
    "api-device-release": Entry(
        kwargs=code("claimed"),
        get={"anonymous": 401, "members": 405},
        post={
            "anonymous": 401,
            "members": Own(403, 404),
            "partner": Own(200, 404),
            "buyer": 404,
            "territory": 403,
        },
    ),
    "api-device-diagnoses": Entry(
        kwargs=code("collected"),
        get={"anonymous": 401, "members": Own(200, 404), "buyer": 404, "territory": 200},
        post={
            "anonymous": 401,
            "members": Own(403, 404),
            "partner": Own(400, 404),
            "buyer": 404,
            "territory": 403,
        },
    ),
    "api-device-repairs": Entry(
        kwargs=code("collected"),
        get={"anonymous": 401, "members": Own(200, 404), "buyer": 404, "territory": 200},
        post={
            "anonymous": 401,
            "members": Own(403, 404),
            "partner": Own(409, 404),
            "buyer": 404,
            "territory": 403,
        },
    ),
    "api-device-gradings": Entry(
        kwargs=code("collected"),
        get={"anonymous": 401, "members": Own(200, 404), "buyer": 404, "territory": 200},
        post={
            "anonymous": 401,
            "members": Own(403, 404),
            "partner": Own(400, 404),
            "buyer": 404,
            "territory": 403,
        },
    ),
    "api-device-ready": Entry(
        kwargs=code("collected"),
        get={"anonymous": 401, "members": 405},
        post={
            "anonymous": 401,
            "members": Own(403, 404),
            "partner": Own(409, 404),
            "buyer": 404,
            "territory": 403,
        },
    ),
    "api-device-media": Entry(
        kwargs=code("collected"),
        get={"anonymous": 401, "members": Own(200, 404), "buyer": 404, "territory": 200},
        post={"anonymous": 401, "members": Own(400, 404), "buyer": 404, "territory": 400},
    ),
    "api-medium-erasures": Entry(
        kwargs=pk("medium"),
        get={"anonymous": 401, "members": Own(200, 404), "buyer": 404, "territory": 200},
        post={"anonymous": 401, "members": Own(400, 404), "buyer": 404, "territory": 400},
    ),
    "api-erasure-nwipe": Entry(
        get={"anonymous": 401, "members": 405}, post={"anonymous": 401, "members": 400}
    ),
    "api-erasure-certificate": Entry(
        get={"anonymous": 401, "members": 405}, post={"anonymous": 401, "members": 400}
    ),
    "api-claim-list": Entry(
        get={"anonymous": 401, "members": 200}, post={"anonymous": 401, "members": 400}
    ),
    "api-collection-list": Entry(
        get={"anonymous": 401, "members": 200}, post={"anonymous": 401, "members": 400}
    ),
    "api-collection-detail": Entry(
        kwargs=pk("collection"),
        get={"anonymous": 401, "members": Own(200, 404), "buyer": 404, "territory": 200},
        post={"anonymous": 401, "members": 405},
    ),
    "api-pickup-list": Entry(
        get={"anonymous": 401, "members": 200}, post={"anonymous": 401, "members": 400}
    ),
    "api-pickup-detail": Entry(
        kwargs=pk("plan"),
        get={"anonymous": 401, "members": Own(200, 404), "buyer": 404, "territory": 200},
        post={"anonymous": 401, "members": 405},
    ),
    "api-pickup-cancel": Entry(
        kwargs=pk("plan"),
        get={"anonymous": 401, "members": 405},
        post={"anonymous": 401, "members": Own(200, 404), "buyer": 404, "territory": 403},
    ),
    "api-pickup-confirm": Entry(
        kwargs=pk("plan"),
        get={"anonymous": 401, "members": 405},
        post={
            "anonymous": 401,
            "members": Own(200, 404),
            "partner": Own(403, 404),
            "buyer": 404,
            "territory": 403,
        },
    ),
    "api-pickup-counter-propose": Entry(
        kwargs=pk("plan"),
        get={"anonymous": 401, "members": 405},
        post={"anonymous": 401, "members": Own(400, 404), "buyer": 404, "territory": 400},
    ),
    "api-waste-record-list": Entry(
        get={"anonymous": 401, "members": 200}, post={"anonymous": 401, "members": 400}
    ),
    "api-waste-record-register": Entry(
        get={"anonymous": 401, "members": 200}, post={"anonymous": 401, "members": 405}
    ),
    "api-waste-record-register-document": Entry(
        get={"anonymous": 401, "members": 405}, post={"anonymous": 401, "members": 400}
    ),
    "api-waste-record-detail": Entry(
        kwargs=pk("waste_record"),
        get={"anonymous": 401, "members": Own(200, 404), "buyer": 404, "territory": 200},
        post={"anonymous": 401, "members": 405},
    ),
    "api-offer-list": Entry(
        data=lambda c: NEW_OFFER,
        get={"anonymous": 401, "members": 200},
        post={"anonymous": 401, "members": 403, "partner": 201},
    ),
    "api-offer-detail": Entry(
        kwargs=pk("offer"),
        get={"anonymous": 401, "members": 200},
        post={"anonymous": 401, "members": 405},
    ),
    "api-offer-deactivate": Entry(
        kwargs=pk("spare_offer"),
        get={"anonymous": 401, "members": 405},
        post={"anonymous": 401, "members": 403, "partner": Own(200, 403)},
    ),
    "api-offer-stock": Entry(
        kwargs=pk("offer"),
        get={"anonymous": 401, "members": 403, "partner": Own(200, 403), "territory": 200},
        post={"anonymous": 401, "members": 403, "partner": Own(400, 403)},
    ),
    "api-offer-stock-remove": Entry(
        kwargs=pk("offer"),
        get={"anonymous": 401, "members": 405},
        post={"anonymous": 401, "members": 403, "partner": Own(400, 403)},
    ),
    "api-campaign-list": Entry(
        data=new_campaign,
        get={"anonymous": 401, "members": 200},
        post={"anonymous": 401, "members": 403, "territory": 201},
    ),
    "api-campaign-detail": Entry(
        kwargs=pk("campaign"),
        get={
            "anonymous": 401,
            "members": 404,
            "partner": Own(200, 404),
            "buyer": 200,
            "territory": 200,
        },
        post={"anonymous": 401, "members": 405},
    ),
    "api-campaign-allocation": Entry(
        kwargs=pk("campaign"),
        get={
            "anonymous": 401,
            "members": 404,
            "partner": Own(200, 404),
            "buyer": 200,
            "territory": 200,
        },
        post={"anonymous": 401, "members": 405},
    ),
    "api-campaign-cancel": Entry(
        data=lambda c: REASON,
        kwargs=pk("open_campaign"),
        get={"anonymous": 401, "members": 405},
        post={
            "anonymous": 401,
            "members": 404,
            "partner": Own(403, 404),
            "buyer": 403,
            "territory": 200,
        },
    ),
    "api-campaign-close": Entry(
        kwargs=pk("open_campaign"),
        get={"anonymous": 401, "members": 405},
        post={
            "anonymous": 401,
            "members": 404,
            "partner": Own(403, 404),
            "buyer": 403,
            "territory": 200,
        },
    ),
    "api-campaign-commitment": Entry(
        kwargs=lambda c: {"pk": c.side.campaign.pk, "commitment_pk": c.side.commitment.pk},
        get={"anonymous": 401, "members": 404, "buyer": Own(200, 404), "territory": 200},
        post={"anonymous": 401, "members": 405},
    ),
    "api-campaign-commitments": Entry(
        kwargs=pk("open_campaign"),
        get={
            "anonymous": 401,
            "members": 404,
            "partner": Own(200, 404),
            "buyer": 200,
            "territory": 200,
        },
        post={
            "anonymous": 401,
            "members": 404,
            "partner": Own(400, 404),
            "buyer": 400,
            "territory": 400,
        },
    ),
    "api-campaign-open": Entry(
        kwargs=pk("draft_campaign"),
        get={"anonymous": 401, "members": 405},
        post={"anonymous": 401, "members": 404, "territory": 409},
    ),
    "api-order-list": Entry(
        get={"anonymous": 401, "members": 200}, post={"anonymous": 401, "members": 405}
    ),
    "api-order-detail": Entry(
        kwargs=pk("order"),
        get={"anonymous": 401, "members": Own(200, 404), "commune": 404, "territory": 200},
        post={"anonymous": 401, "members": 405},
    ),
    "api-order-cancel": Entry(
        data=lambda c: REASON,
        kwargs=pk("order"),
        get={"anonymous": 401, "members": 405},
        post={
            "anonymous": 401,
            "members": 404,
            "partner": Own(403, 404),
            "buyer": Own(403, 404),
            "territory": 409,
        },
    ),
    "api-delivery-list": Entry(
        get={"anonymous": 401, "members": 200}, post={"anonymous": 401, "members": 400}
    ),
    "api-delivery-detail": Entry(
        kwargs=pk("delivery"),
        get={"anonymous": 401, "members": Own(200, 404), "commune": 404, "territory": 200},
        post={"anonymous": 401, "members": 405},
    ),
    "api-delivery-admission": Entry(
        kwargs=pk("delivery"),
        get={"anonymous": 401, "members": 405},
        post={"anonymous": 401, "members": Own(400, 404), "commune": 404, "territory": 400},
    ),
    "api-invoice-list": Entry(
        get={"anonymous": 401, "members": 200}, post={"anonymous": 401, "members": 400}
    ),
    "api-invoice-detail": Entry(
        kwargs=pk("invoice"),
        get={"anonymous": 401, "members": Own(200, 404), "commune": 404, "territory": 200},
        post={"anonymous": 401, "members": 405},
    ),
    "api-invoice-credit-note": Entry(
        data=lambda c: REASON,
        kwargs=pk("invoice"),
        get={"anonymous": 401, "members": 405},
        post={
            "anonymous": 401,
            "members": 404,
            "partner": Own(200, 404),
            "buyer": Own(403, 404),
            "territory": 403,
        },
    ),
    "api-invoice-download": Entry(
        kwargs=pk("invoice"),
        get={"anonymous": 401, "members": Own(409, 404), "commune": 404, "territory": 409},
        post={"anonymous": 401, "members": 405},
    ),
    "api-donation-list": Entry(
        get={"anonymous": 401, "members": 200}, post={"anonymous": 401, "members": 400}
    ),
    "api-donation-detail": Entry(
        kwargs=pk("donation"),
        get={"anonymous": 401, "members": 404, "partner": Own(200, 404), "buyer": Own(200, 404)},
        post={"anonymous": 401, "members": 405},
    ),
    "api-donation-cancel": Entry(
        data=lambda c: REASON,
        kwargs=pk("donation"),
        get={"anonymous": 401, "members": 405},
        post={"anonymous": 401, "members": 404, "partner": Own(200, 404), "buyer": Own(403, 404)},
    ),
    "api-donation-download": Entry(
        kwargs=pk("donation"),
        get={"anonymous": 401, "members": 404, "partner": Own(409, 404), "buyer": Own(409, 404)},
        post={"anonymous": 401, "members": 405},
    ),
    "api-donation-receipt": Entry(
        kwargs=pk("donation"),
        get={"anonymous": 401, "members": 405},
        post={"anonymous": 401, "members": 404, "partner": Own(403, 404), "buyer": Own(200, 404)},
    ),
    "api-return-list": Entry(
        get={"anonymous": 401, "members": 200}, post={"anonymous": 401, "members": 400}
    ),
    "api-return-detail": Entry(
        kwargs=pk("warranty_return"),
        get={"anonymous": 401, "members": Own(200, 404), "commune": 404, "territory": 200},
        post={"anonymous": 401, "members": 405},
    ),
    "api-return-outcome": Entry(
        kwargs=pk("warranty_return"),
        get={"anonymous": 401, "members": 405},
        post={"anonymous": 401, "members": Own(400, 404), "commune": 404, "territory": 400},
    ),
    "api-document-list": Entry(
        get={"anonymous": 401, "members": 200}, post={"anonymous": 401, "members": 405}
    ),
    "api-document-detail": Entry(
        kwargs=number,
        get={"anonymous": 401, "members": Own(200, 404), "territory": 200},
        post={"anonymous": 401, "members": 405},
    ),
    "api-document-download": Entry(
        kwargs=number,
        get={"anonymous": 401, "members": Own(409, 404), "territory": 409},
        post={"anonymous": 401, "members": 405},
    ),
    "api-indicators": Entry(
        get={"anonymous": 401, "members": 400}, post={"anonymous": 401, "members": 405}
    ),
    # --- Whether the installation works, for a monitor or a load balancer: public, read only.
    "health": Entry(kwargs=with_fresh_heartbeat, get={"all": 200}, post={"all": 405}),
    # --- The API's schema and its documentation: public. ---
    "api-schema": Entry(get={"all": 200}, post={"all": 405}),
    "api-docs": Entry(get={"all": 200}, post={"all": 405}),
    # --- Inventory: communes declare and import; buyers see only their own devices. ---
    "inventory:device-list": Entry(
        get={"anonymous": LOGIN, "members": 200}, post={"anonymous": LOGIN, "members": 405}
    ),
    "inventory:declare": Entry(**both({"anonymous": LOGIN, "members": 403, "commune": 200})),
    "inventory:export-csv": Entry(
        get={"anonymous": LOGIN, "members": 200}, post={"anonymous": LOGIN, "members": 405}
    ),
    "inventory:export-xlsx": Entry(
        get={"anonymous": LOGIN, "members": 200}, post={"anonymous": LOGIN, "members": 405}
    ),
    "inventory:label-sheet-print": Entry(
        get={"anonymous": LOGIN, "members": 405},
        post={"anonymous": LOGIN, "members": 302, "buyer": 403, "territory": 403},
    ),
    "inventory:import-list": Entry(
        get={"anonymous": LOGIN, "members": 200, "partner": 403, "buyer": 403},
        post={"anonymous": LOGIN, "members": 405},
    ),
    "inventory:import-new": Entry(**both({"anonymous": LOGIN, "members": 403, "commune": 200})),
    "inventory:import-detail": Entry(
        kwargs=pk("device_import"),
        get={"anonymous": LOGIN, "members": 404, "commune": Own(200, 404), "territory": 200},
        post={"anonymous": LOGIN, "members": 405},
    ),
    "inventory:import-cancel": Entry(
        kwargs=pk("device_import"),
        get={"anonymous": LOGIN, "members": 405},
        post={"anonymous": LOGIN, "members": 404, "commune": Own(302, 404), "territory": 403},
    ),
    "inventory:import-confirm": Entry(
        kwargs=pk("device_import"),
        get={"anonymous": LOGIN, "members": 405},
        post={"anonymous": LOGIN, "members": 404, "commune": Own(302, 404), "territory": 403},
    ),
    "inventory:import-report": Entry(
        kwargs=pk("device_import"),
        get={"anonymous": LOGIN, "members": 404, "commune": Own(200, 404), "territory": 200},
        post={"anonymous": LOGIN, "members": 405},
    ),
    "inventory:device-detail": Entry(
        kwargs=code("declared"),
        get={"anonymous": LOGIN, "members": 200, "buyer": 404},
        post={"anonymous": LOGIN, "members": 405},
    ),
    "inventory:device-edit": Entry(
        kwargs=code("declared"),
        **both({"anonymous": LOGIN, "members": 403, "commune": Own(200, 403), "buyer": 404}),
    ),
    "inventory:device-withdraw": Entry(
        kwargs=code("declared"),
        get={"anonymous": LOGIN, "members": 403, "commune": Own(200, 403), "buyer": 404},
        post={"anonymous": LOGIN, "members": 403, "commune": Own(302, 403), "buyer": 404},
    ),
    # --- Reuse: partners claim, collect, refurbish, erase and recycle; communes follow. ---
    "reuse:grades": Entry(get={"all": 200}, post={"all": 405}),
    "reuse:device-refurbishment": Entry(
        kwargs=code("collected"),
        get={"anonymous": LOGIN, "members": Own(200, 404), "buyer": 404, "territory": 200},
        post={"anonymous": LOGIN, "members": 405},
    ),
    "reuse:device-diagnosis": Entry(
        kwargs=code("collected"),
        get={"anonymous": LOGIN, "members": 405},
        post={
            "anonymous": LOGIN,
            "members": Own(403, 404),
            "partner": Own(400, 404),
            "buyer": 404,
            "territory": 403,
        },
    ),
    "reuse:device-repair": Entry(
        kwargs=code("collected"),
        get={"anonymous": LOGIN, "members": 405},
        post={
            "anonymous": LOGIN,
            "members": Own(403, 404),
            "partner": Own(400, 404),
            "buyer": 404,
            "territory": 403,
        },
    ),
    "reuse:device-grade": Entry(
        kwargs=code("collected"),
        get={"anonymous": LOGIN, "members": 405},
        post={
            "anonymous": LOGIN,
            "members": Own(403, 404),
            "partner": Own(400, 404),
            "buyer": 404,
            "territory": 403,
        },
    ),
    "reuse:device-ready": Entry(
        kwargs=code("collected"),
        get={"anonymous": LOGIN, "members": 405},
        post={
            "anonymous": LOGIN,
            "members": Own(403, 404),
            "partner": Own(302, 404),
            "buyer": 404,
            "territory": 403,
        },
    ),
    "reuse:claim-list": Entry(
        get={"anonymous": LOGIN, "members": 403, "partner": 200},
        post={"anonymous": LOGIN, "members": 405},
    ),
    "reuse:claim-selection": Entry(
        get={"anonymous": LOGIN, "members": 405},
        post={"anonymous": LOGIN, "members": 403, "partner": 302},
    ),
    "reuse:claim-declaration": Entry(
        get={"anonymous": LOGIN, "members": 405},
        post={"anonymous": LOGIN, "members": 403, "partner": 302},
    ),
    "reuse:claim-site": Entry(
        get={"anonymous": LOGIN, "members": 405},
        post={"anonymous": LOGIN, "members": 403, "partner": 302},
    ),
    "reuse:device-claim": Entry(
        kwargs=code("declared"),
        get={"anonymous": LOGIN, "members": 403, "partner": 200, "buyer": 404},
        post={"anonymous": LOGIN, "members": 403, "partner": 302, "buyer": 404},
    ),
    "reuse:device-release": Entry(
        kwargs=code("claimed"),
        get={
            "anonymous": LOGIN,
            "members": Own(403, 404),
            "partner": Own(200, 404),
            "buyer": 404,
            "territory": 403,
        },
        post={
            "anonymous": LOGIN,
            "members": Own(403, 404),
            "partner": Own(302, 404),
            "buyer": 404,
            "territory": 403,
        },
    ),
    "reuse:device-collect": Entry(
        kwargs=code("claimed"),
        get={"anonymous": LOGIN, "members": Own(302, 404), "buyer": 404, "territory": 302},
        post={"anonymous": LOGIN, "members": 405},
    ),
    "reuse:device-erasure": Entry(
        kwargs=code("collected"),
        **both({"anonymous": LOGIN, "members": 403, "partner": Own(200, 404)}),
    ),
    "reuse:erasure-batch-certificate": Entry(
        get={"anonymous": LOGIN, "members": 403, "partner": 200},
        post={"anonymous": LOGIN, "members": 403, "partner": 400},
    ),
    "reuse:device-recycle": Entry(
        kwargs=code("collected"),
        get={
            "anonymous": LOGIN,
            "members": Own(403, 404),
            "partner": Own(302, 404),
            "buyer": 404,
            "territory": 403,
        },
        post={"anonymous": LOGIN, "members": 405},
    ),
    "reuse:waste-record-list": Entry(
        get={"anonymous": LOGIN, "members": 200}, post={"anonymous": LOGIN, "members": 405}
    ),
    "reuse:waste-record-new": Entry(**both({"anonymous": LOGIN, "members": 403, "partner": 200})),
    "reuse:waste-record-detail": Entry(
        kwargs=pk("waste_record"),
        get={"anonymous": LOGIN, "members": Own(200, 404), "buyer": 404, "territory": 200},
        post={"anonymous": LOGIN, "members": 405},
    ),
    "reuse:waste-register-export": Entry(
        get={"anonymous": LOGIN, "members": 200}, post={"anonymous": LOGIN, "members": 405}
    ),
    "reuse:waste-register-document": Entry(
        get={"anonymous": LOGIN, "members": 405},
        post={"anonymous": LOGIN, "members": 403, "partner": 302},
    ),
    "reuse:pickup-list": Entry(
        get={"anonymous": LOGIN, "members": 200}, post={"anonymous": LOGIN, "members": 405}
    ),
    "reuse:pickup-new": Entry(**both({"anonymous": LOGIN, "members": 403, "partner": 302})),
    "reuse:pickup-detail": Entry(
        kwargs=pk("plan"),
        get={"anonymous": LOGIN, "members": Own(200, 404), "buyer": 404, "territory": 200},
        post={"anonymous": LOGIN, "members": 405},
    ),
    "reuse:pickup-confirm": Entry(
        kwargs=pk("plan"),
        get={"anonymous": LOGIN, "members": 405},
        post={"anonymous": LOGIN, "members": Own(302, 404), "buyer": 404, "territory": 302},
    ),
    "reuse:pickup-counter-propose": Entry(
        kwargs=pk("plan"),
        get={"anonymous": LOGIN, "members": 405},
        post={"anonymous": LOGIN, "members": Own(400, 404), "buyer": 404, "territory": 400},
    ),
    "reuse:pickup-cancel": Entry(
        kwargs=pk("plan"),
        get={"anonymous": LOGIN, "members": 405},
        post={"anonymous": LOGIN, "members": Own(302, 404), "buyer": 404, "territory": 302},
    ),
    "reuse:collection-list": Entry(
        get={"anonymous": LOGIN, "members": 200}, post={"anonymous": LOGIN, "members": 405}
    ),
    "reuse:collection-new": Entry(**both({"anonymous": LOGIN, "members": 403, "partner": 302})),
    "reuse:collection-detail": Entry(
        kwargs=pk("collection"),
        get={"anonymous": LOGIN, "members": Own(200, 404), "buyer": 404, "territory": 200},
        post={"anonymous": LOGIN, "members": 405},
    ),
    # --- Documents: their owner and counterpart, and the territory. ---
    "documents:document-list": Entry(
        get={"anonymous": LOGIN, "members": 200}, post={"anonymous": LOGIN, "members": 405}
    ),
    "documents:document-state": Entry(
        kwargs=number,
        get={"anonymous": LOGIN, "members": Own(200, 404), "territory": 200},
        post={"anonymous": LOGIN, "members": 405},
    ),
    "documents:document-download": Entry(
        kwargs=number,
        get={"anonymous": LOGIN, "members": Own(409, 404), "territory": 409},
        post={"anonymous": LOGIN, "members": 405},
    ),
    # --- Group purchasing: partners offer, the territory runs campaigns, buyers commit. ---
    "procurement:offer-list": Entry(
        get={"anonymous": LOGIN, "members": 200}, post={"anonymous": LOGIN, "members": 405}
    ),
    "procurement:offer-new": Entry(
        get={"anonymous": LOGIN, "members": 403, "partner": 200},
        post={"anonymous": LOGIN, "members": 403, "partner": 400},
    ),
    "procurement:offer-detail": Entry(
        kwargs=pk("offer"),
        get={"anonymous": LOGIN, "members": 200},
        post={"anonymous": LOGIN, "members": 405},
    ),
    "procurement:offer-edit": Entry(
        kwargs=pk("spare_offer"),
        get={"anonymous": LOGIN, "members": 403, "partner": Own(200, 403)},
        post={"anonymous": LOGIN, "members": 403, "partner": Own(400, 403)},
    ),
    "procurement:offer-deactivate": Entry(
        kwargs=pk("spare_offer"),
        get={"anonymous": LOGIN, "members": 403, "partner": Own(200, 403)},
        post={"anonymous": LOGIN, "members": 403, "partner": Own(302, 403)},
    ),
    "procurement:offer-stock-add": Entry(
        kwargs=pk("offer"),
        get={"anonymous": LOGIN, "members": 405},
        post={"anonymous": LOGIN, "members": 403, "partner": Own(302, 403)},
    ),
    "procurement:offer-stock-remove": Entry(
        kwargs=pk("offer"),
        get={"anonymous": LOGIN, "members": 405},
        post={"anonymous": LOGIN, "members": 403, "partner": Own(302, 403)},
    ),
    "procurement:groupement-list": Entry(
        get={"anonymous": LOGIN, "members": 403, "territory": 302},
        post={"anonymous": LOGIN, "members": 405},
    ),
    "procurement:groupement-new": Entry(
        get={"anonymous": LOGIN, "members": 403, "territory": 200},
        post={"anonymous": LOGIN, "members": 403, "territory": 400},
    ),
    "procurement:groupement-detail": Entry(
        kwargs=groupement,
        get={"anonymous": LOGIN, "members": 403, "territory": 200},
        post={"anonymous": LOGIN, "members": 405},
    ),
    "procurement:groupement-edit": Entry(
        kwargs=groupement,
        get={"anonymous": LOGIN, "members": 403, "territory": 200},
        post={"anonymous": LOGIN, "members": 403, "territory": 400},
    ),
    "procurement:groupement-member-add": Entry(
        kwargs=groupement,
        get={"anonymous": LOGIN, "members": 405},
        post={"anonymous": LOGIN, "members": 403, "territory": 400},
    ),
    "procurement:groupement-member-edit": Entry(
        kwargs=pk("groupement_member"),
        get={"anonymous": LOGIN, "members": 403, "territory": 200},
        post={"anonymous": LOGIN, "members": 403, "territory": 400},
    ),
    "procurement:groupement-member-remove": Entry(
        kwargs=pk("groupement_member"),
        get={"anonymous": LOGIN, "members": 405},
        post={"anonymous": LOGIN, "members": 403, "territory": 302},
    ),
    "procurement:campaign-list": Entry(
        get={"anonymous": LOGIN, "members": 200}, post={"anonymous": LOGIN, "members": 405}
    ),
    "procurement:campaign-new": Entry(
        get={"anonymous": LOGIN, "members": 403, "territory": 200},
        post={"anonymous": LOGIN, "members": 403, "territory": 400},
    ),
    "procurement:campaign-detail": Entry(
        kwargs=pk("campaign"),
        get={
            "anonymous": LOGIN,
            "members": 404,
            "partner": Own(200, 404),
            "buyer": 200,
            "territory": 200,
        },
        post={"anonymous": LOGIN, "members": 405},
    ),
    "procurement:campaign-totals": Entry(
        kwargs=pk("campaign"),
        get={
            "anonymous": LOGIN,
            "members": 404,
            "partner": Own(200, 404),
            "buyer": 200,
            "territory": 200,
        },
        post={"anonymous": LOGIN, "members": 405},
    ),
    "procurement:campaign-edit": Entry(
        kwargs=pk("draft_campaign"),
        get={"anonymous": LOGIN, "members": 403, "territory": 200},
        post={"anonymous": LOGIN, "members": 403, "territory": 400},
    ),
    "procurement:campaign-open": Entry(
        kwargs=pk("draft_campaign"),
        get={"anonymous": LOGIN, "members": 404, "territory": 200},
        post={"anonymous": LOGIN, "members": 404, "territory": 302},
    ),
    "procurement:campaign-close": Entry(
        kwargs=pk("open_campaign"),
        get={
            "anonymous": LOGIN,
            "members": 404,
            "partner": Own(403, 404),
            "buyer": 403,
            "territory": 200,
        },
        post={
            "anonymous": LOGIN,
            "members": 404,
            "partner": Own(403, 404),
            "buyer": 403,
            "territory": 302,
        },
    ),
    "procurement:campaign-cancel": Entry(
        kwargs=pk("open_campaign"),
        **both(
            {
                "anonymous": LOGIN,
                "members": 404,
                "partner": Own(403, 404),
                "buyer": 403,
                "territory": 200,
            }
        ),
    ),
    "procurement:campaign-allocation": Entry(
        kwargs=pk("campaign"),
        get={
            "anonymous": LOGIN,
            "members": 404,
            "partner": Own(200, 404),
            "buyer": 200,
            "territory": 200,
        },
        post={"anonymous": LOGIN, "members": 405},
    ),
    "procurement:commitment-edit": Entry(
        kwargs=pk("open_campaign"),
        get={"anonymous": LOGIN, "members": 403, "commune": 404, "buyer": 200},
        post={"anonymous": LOGIN, "members": 403, "commune": 404, "buyer": 400},
    ),
    "procurement:commitment-withdraw": Entry(
        kwargs=pk("open_campaign"),
        get={"anonymous": LOGIN, "members": 403, "commune": 404, "buyer": Own(200, 302)},
        post={"anonymous": LOGIN, "members": 403, "commune": 404, "buyer": 302},
    ),
    "procurement:order-list": Entry(
        get={"anonymous": LOGIN, "members": 200}, post={"anonymous": LOGIN, "members": 405}
    ),
    "procurement:order-progress": Entry(
        get={"anonymous": LOGIN, "members": 200}, post={"anonymous": LOGIN, "members": 405}
    ),
    "procurement:order-detail": Entry(
        kwargs=pk("order"),
        get={"anonymous": LOGIN, "members": Own(200, 404), "commune": 404, "territory": 200},
        post={"anonymous": LOGIN, "members": 405},
    ),
    "procurement:order-cancel": Entry(
        kwargs=pk("order"),
        **both({"anonymous": LOGIN, "members": Own(403, 404), "commune": 404, "territory": 200}),
    ),
    "procurement:donation-list": Entry(
        get={"anonymous": LOGIN, "members": 200}, post={"anonymous": LOGIN, "members": 405}
    ),
    "procurement:donation-new": Entry(
        get={"anonymous": LOGIN, "members": 403, "partner": 200},
        post={"anonymous": LOGIN, "members": 403, "partner": 400},
    ),
    "procurement:donation-detail": Entry(
        kwargs=pk("donation"),
        get={"anonymous": LOGIN, "members": 404, "partner": Own(200, 404), "buyer": Own(200, 404)},
        post={"anonymous": LOGIN, "members": 405},
    ),
    "procurement:donation-receipt": Entry(
        kwargs=pk("donation"),
        **both(
            {"anonymous": LOGIN, "members": 404, "partner": Own(403, 404), "buyer": Own(200, 404)}
        ),
    ),
    "procurement:donation-cancel": Entry(
        kwargs=pk("donation"),
        **both(
            {"anonymous": LOGIN, "members": 404, "partner": Own(200, 404), "buyer": Own(403, 404)}
        ),
    ),
    "procurement:return-devices": Entry(
        get={"anonymous": LOGIN, "members": 200, "partner": 403, "territory": 403},
        post={"anonymous": LOGIN, "members": 405},
    ),
    "procurement:return-report": Entry(
        kwargs=code("delivered"),
        **both({"anonymous": LOGIN, "members": 403, "commune": 404, "buyer": Own(200, 404)}),
    ),
    "procurement:return-list": Entry(
        get={"anonymous": LOGIN, "members": 200}, post={"anonymous": LOGIN, "members": 405}
    ),
    "procurement:return-detail": Entry(
        kwargs=pk("warranty_return"),
        get={"anonymous": LOGIN, "members": Own(200, 404), "commune": 404, "territory": 200},
        post={"anonymous": LOGIN, "members": 405},
    ),
    "procurement:return-outcome": Entry(
        kwargs=pk("warranty_return"),
        get={"anonymous": LOGIN, "members": 405},
        post={
            "anonymous": LOGIN,
            "members": 404,
            "partner": Own(200, 404),
            "buyer": Own(403, 404),
            "territory": 403,
        },
    ),
    "procurement:delivery-new": Entry(
        kwargs=pk("order"),
        **both(
            {
                "anonymous": LOGIN,
                "members": 404,
                "partner": Own(302, 404),
                "buyer": Own(403, 404),
                "territory": 403,
            }
        ),
    ),
    "procurement:delivery-list": Entry(
        get={"anonymous": LOGIN, "members": 200}, post={"anonymous": LOGIN, "members": 405}
    ),
    "procurement:delivery-detail": Entry(
        kwargs=pk("delivery"),
        get={"anonymous": LOGIN, "members": Own(200, 404), "commune": 404, "territory": 200},
        post={"anonymous": LOGIN, "members": 405},
    ),
    "procurement:delivery-admission": Entry(
        kwargs=pk("delivery"),
        **both(
            {
                "anonymous": LOGIN,
                "members": 404,
                "partner": Own(403, 404),
                "buyer": Own(302, 404),
                "territory": 403,
            }
        ),
    ),
    "procurement:invoice-new": Entry(
        kwargs=pk("delivery"),
        get={
            "anonymous": LOGIN,
            "members": 404,
            "partner": Own(200, 404),
            "buyer": Own(403, 404),
            "territory": 403,
        },
        post={
            "anonymous": LOGIN,
            "members": 404,
            "partner": Own(302, 404),
            "buyer": Own(403, 404),
            "territory": 403,
        },
    ),
    "procurement:invoice-list": Entry(
        get={"anonymous": LOGIN, "members": 200}, post={"anonymous": LOGIN, "members": 405}
    ),
    "procurement:invoice-credit-note": Entry(
        kwargs=pk("invoice"),
        get={
            "anonymous": LOGIN,
            "members": 404,
            "partner": Own(200, 404),
            "buyer": Own(403, 404),
            "territory": 403,
        },
        post={
            "anonymous": LOGIN,
            "members": 404,
            "partner": Own(400, 404),
            "buyer": Own(403, 404),
            "territory": 403,
        },
    ),
    # --- Impact: each organisation its own figures, the territory everyone's. ---
    "impact:dashboard": Entry(
        get={"anonymous": LOGIN, "members": 200}, post={"anonymous": LOGIN, "members": 405}
    ),
    "impact:organisation": Entry(
        kwargs=slug,
        get={"anonymous": LOGIN, "members": Own(200, 404), "territory": 200},
        post={"anonymous": LOGIN, "members": 405},
    ),
    "impact:report": Entry(
        kwargs=slug,
        get={"anonymous": LOGIN, "members": 405},
        post={"anonymous": LOGIN, "members": Own(302, 404), "territory": 302},
    ),
    "impact:factors": Entry(
        get={"anonymous": LOGIN, "members": 200},
        post={"anonymous": LOGIN, "members": 403, "territory": 200},
    ),
    "impact:spend": Entry(**both({"anonymous": LOGIN, "members": 403, "commune_admin": 200})),
    "impact:agec-declaration": Entry(
        get={"anonymous": LOGIN, "members": 403, "territory": 200},
        post={"anonymous": LOGIN, "members": 405},
    ),
    # --- The public passport a label's QR code opens; the favicon. ---
    "device-passport": Entry(kwargs=code("declared"), get={"all": 200}, post={"all": 405}),
    "favicon": Entry(get={"all": 301}, post={"all": 405}),
    # --- Organisations: administrators manage their own sites and members. ---
    "dashboard": Entry(**both({"anonymous": LOGIN, "members": 200})),
    "organisation-switch": Entry(
        get={"anonymous": LOGIN, "members": 405}, post={"anonymous": LOGIN, "members": 403}
    ),
    "organisation-detail": Entry(
        kwargs=slug,
        get={
            "anonymous": LOGIN,
            "members": Own(200, 403),
            "commune_staff": 403,
            "partner_staff": 403,
            "buyer": 403,
        },
        post={"anonymous": LOGIN, "members": 405},
    ),
    "organisation-site-new": Entry(
        kwargs=slug,
        **both(
            {
                "anonymous": LOGIN,
                "members": Own(200, 403),
                "commune_staff": 403,
                "partner_staff": 403,
                "buyer": 403,
            }
        ),
    ),
    "organisation-site-edit": Entry(
        kwargs=slug_site,
        **both(
            {
                "anonymous": LOGIN,
                "members": Own(200, 403),
                "commune_staff": 403,
                "partner_staff": 403,
                "buyer": 403,
            }
        ),
    ),
    "organisation-site-close": Entry(
        kwargs=slug_site,
        get={"anonymous": LOGIN, "members": 405},
        post={
            "anonymous": LOGIN,
            "members": Own(302, 403),
            "commune_staff": 403,
            "partner_staff": 403,
            "buyer": 403,
        },
    ),
    "organisation-members": Entry(
        kwargs=slug,
        **both(
            {
                "anonymous": LOGIN,
                "members": Own(200, 403),
                "commune_staff": 403,
                "partner_staff": 403,
                "buyer": 403,
            }
        ),
    ),
    "organisation-member-invite": Entry(
        kwargs=slug,
        get={"anonymous": LOGIN, "members": 405},
        post={
            "anonymous": LOGIN,
            "members": Own(200, 403),
            "commune_staff": 403,
            "partner_staff": 403,
            "buyer": 403,
        },
    ),
    "organisation-member-role": Entry(
        kwargs=slug_membership,
        get={"anonymous": LOGIN, "members": 405},
        post={
            "anonymous": LOGIN,
            "members": Own(302, 403),
            "commune_staff": 403,
            "partner_staff": 403,
            "buyer": 403,
        },
    ),
    "organisation-member-remove": Entry(
        kwargs=slug_membership,
        get={"anonymous": LOGIN, "members": 405},
        post={
            "anonymous": LOGIN,
            "members": Own(302, 403),
            "commune_staff": 403,
            "partner_staff": 403,
            "buyer": 403,
        },
    ),
    "organisation-member-unlock": Entry(
        kwargs=slug_username,
        get={"anonymous": LOGIN, "members": 405},
        post={
            "anonymous": LOGIN,
            "members": Own(302, 403),
            "commune_staff": 403,
            "partner_staff": 403,
            "buyer": 403,
        },
    ),
}


# --- The Django admin: staff only, and no role of the matrix is staff. -----------------------

ADMIN_ONLY = both({"all": ADMIN_LOGIN})
OBJECT = {"object_id": "1"}


def _admin_entries() -> dict[str, Entry]:
    """The admin's routes: its own pages, and the five of every model it registers (their
    names follow the admin's scheme, so a model registered later is covered as it comes; a
    custom admin page is not, and needs its own entry)."""
    entries = {
        "admin:index": Entry(**ADMIN_ONLY),
        "admin:login": Entry(**ADMIN_LOGIN_PAGE),
        "admin:logout": Entry(**ADMIN_LOGOUT),
        "admin:password_change": Entry(**ADMIN_ONLY),
        "admin:password_change_done": Entry(**ADMIN_ONLY),
        "admin:autocomplete": Entry(**ADMIN_ONLY),
        "admin:jsi18n": Entry(**ADMIN_ONLY),
        "admin:view_on_site": Entry(
            kwargs=lambda c: {"content_type_id": "1", "object_id": "1"}, **ADMIN_ONLY
        ),
        "admin:app_list": Entry(kwargs=lambda c: {"app_label": "organisations"}, **ADMIN_ONLY),
        "admin/(?P<url>.*)$": Entry(path="/admin/no-such-page/", **ADMIN_ONLY),
        "admin:auth_user_password_change": Entry(kwargs=lambda c: {"id": "1"}, **ADMIN_ONLY),
    }
    for model in admin.site._registry:
        prefix = f"admin:{model._meta.app_label}_{model._meta.model_name}"
        entries[f"{prefix}_changelist"] = Entry(**ADMIN_ONLY)
        entries[f"{prefix}_add"] = Entry(**ADMIN_ONLY)
        for view in ("history", "delete", "change"):
            entries[f"{prefix}_{view}"] = Entry(kwargs=lambda c: OBJECT, **ADMIN_ONLY)
        # The admin's old URL of an object, redirected to its change page.
        path = f"admin/{model._meta.app_label}/{model._meta.model_name}/<path:object_id>/"
        entries[path] = Entry(path="/" + path.replace("<path:object_id>", "1"), **ADMIN_ONLY)
    return entries


TABLE.update(_admin_entries())
