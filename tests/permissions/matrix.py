"""The vocabulary of the permission table: roles, scopes, expected answers, entries."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

# Who asks: nobody, or a member of one organisation of each kind (its administrator or staff).
ROLES = (
    "anonymous",
    "commune_admin",
    "commune_staff",
    "partner_admin",
    "partner_staff",
    "buyer_staff",
    "territory_admin",
)
# Groups naming several roles at once in an entry.
GROUPS = {
    "commune": ("commune_admin", "commune_staff"),
    "partner": ("partner_admin", "partner_staff"),
    "buyer": ("buyer_staff",),
    "territory": ("territory_admin",),
    "members": ROLES[1:],
    "all": ROLES,
}

# Answers other than a bare status code.
LOGIN = "login"  # 302 to the login page, the page asked for kept in ``next``
ADMIN_LOGIN = "admin-login"  # 302 to the admin's login page


@dataclass(frozen=True)
class Own:
    """An answer that depends on whose object the URL names: the role's organisation's own,
    or another organisation's (of the same kind)."""

    own: int | str
    other: int | str


Answer = int | str | Own


@dataclass(frozen=True)
class Context:
    """What a URL is built from: one side of the world, and the organisation of the asking
    role's kind on that side (the territory on its own side)."""

    side: object
    organisation: object
    world: object


@dataclass(frozen=True)
class Entry:
    """A route's URL arguments and, per method, the answer each role gets.

    ``get`` and ``post`` map a role or a group of roles to an answer; a later key overrides an
    earlier one, so ``{"members": 403, "partner": 200}`` reads "403 but for partners".
    """

    kwargs: Callable[[Context], dict] | None = None
    path: str | None = None  # the URL of a route with no name, which nothing can reverse
    # A valid body for the POST, sent as JSON: the refusals then come from the permission
    # rules, not from the input's validation. Without it the POST has no body.
    data: Callable[[Context], dict] | None = None
    get: Mapping[str, Answer] = field(default_factory=dict)
    post: Mapping[str, Answer] = field(default_factory=dict)

    def expected(self, method: str, role: str, scope: str) -> Answer:
        answers = self.get if method == "get" else self.post
        expected = None
        for key, answer in answers.items():
            if role in GROUPS.get(key, (key,)):
                expected = answer
        if expected is None:
            raise LookupError(f"no answer for {role} on {method.upper()}")
        if isinstance(expected, Own):
            return expected.own if scope == "own" else expected.other
        return expected


def both(answers: Mapping[str, Answer]) -> dict:
    """The same answers to GET and POST."""
    return {"get": answers, "post": answers}
