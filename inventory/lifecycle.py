"""Questions about the device lifecycle: which transitions exist, which one may run now.

The lifecycle itself is declared on :class:`inventory.models.Device` (its transitions);
:func:`inventory.services.device_transition` runs them. These read-only helpers let pages and
the API show what is possible without duplicating the rules.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cache

from django.utils.translation import gettext as _
from django_fsm import Transition, can_proceed

from inventory.models import Device
from organisations.models import Organisation


@cache
def transition_names() -> tuple[str, ...]:
    """The names of every transition of the device lifecycle, sorted."""
    state = Device._meta.get_field("state")
    return tuple(sorted({transition.name for transition in state.get_all_transitions(Device)}))


@cache
def transition_sources(name: str) -> tuple[str, ...]:
    """The states the transition ``name`` starts from, sorted (to filter devices by them)."""
    state = Device._meta.get_field("state")
    sources = {
        transition.source
        for transition in state.get_all_transitions(Device)
        if transition.name == name
    }
    if not sources:
        raise ValueError(f"{name!r} is not a transition of the device lifecycle.")
    return tuple(sorted(sources))


STATE_REFUSAL_CODE = "transition_not_allowed"
FORBIDDEN_CODE = "transition_forbidden"


def _refusal(device: Device, transition: str) -> tuple[str, str] | None:
    """(code, reason) when the state or a condition refuses ``transition`` now, else ``None``."""
    method = getattr(device, transition)
    if not can_proceed(method, check_conditions=False):
        return (
            STATE_REFUSAL_CODE,
            _("This action is not possible for a device in state “%(state)s”.")
            % {"state": device.get_state_display()},
        )
    meta = method._django_fsm
    fsm_transition = meta.get_transition(device.state)
    for condition in fsm_transition.conditions:
        if not condition(device):
            return (
                getattr(condition, "code", STATE_REFUSAL_CODE),
                str(getattr(condition, "message", _("A condition of this action is not met."))),
            )
    return None


def transition_refusal(device: Device, transition: str) -> str | None:
    """Why the lifecycle refuses ``transition`` for ``device`` now, or ``None`` if it allows it."""
    refusal = _refusal(device, transition)
    return None if refusal is None else refusal[1]


def _may_run(device: Device, transition: str, organisation: Organisation) -> bool:
    """Whether ``organisation`` may run ``transition`` on ``device``, whatever its state.

    django-fsm asks the permission only of a transition the state allows; a transition's
    permission is the same from each of its sources, so the first one answers for the others.
    """
    meta = getattr(Device, transition)._django_fsm
    fsm_transition = meta.get_transition(device.state) or next(iter(meta.transitions.values()))
    return fsm_transition.has_perm(device, organisation)


@dataclass(frozen=True)
class TransitionRefusal:
    """Why one device may not take a transition: a machine code and a reason to show.

    ``forbidden`` is true when the acting organisation may not run it on this device (an
    answer of 403), false when the device's state or a condition of the transition refuses it
    (409).
    """

    device: Device
    code: str
    reason: str
    forbidden: bool = False


@dataclass(frozen=True)
class TransitionCheck:
    """The answer of :func:`transition_check`: the devices that may take the transition, in the
    order given, and why each other may not."""

    transition: str
    allowed: tuple[Device, ...]
    refused: tuple[TransitionRefusal, ...]

    @property
    def forbidden(self) -> tuple[TransitionRefusal, ...]:
        """The refusals owed to the acting organisation (not its to move)."""
        return tuple(refusal for refusal in self.refused if refusal.forbidden)

    @property
    def not_allowed(self) -> tuple[TransitionRefusal, ...]:
        """The refusals owed to the devices' state or to a condition of the transition."""
        return tuple(refusal for refusal in self.refused if not refusal.forbidden)


def transition_check(
    devices: Iterable[Device], transition: str, *, organisation: Organisation | None = None
) -> TransitionCheck:
    """Which of ``devices`` may take ``transition`` now, and why each other may not.

    The one question services ask instead of restating states: the lifecycle answers with
    the sources, conditions and permissions declared on :class:`~inventory.models.Device`.
    When ``organisation`` is given, it is asked first whether it may run the transition on
    each device (the permission named by the transition: a refusal ``forbidden``), then the
    state and the conditions are (the reason :func:`transition_refusal` gives). Reads only
    what the devices carry, changes nothing; a condition may read a related row (the
    claimant, say), so load it with the devices to check many.
    """
    if transition not in transition_names():
        raise ValueError(f"{transition!r} is not a transition of the device lifecycle.")
    allowed: list[Device] = []
    refused: list[TransitionRefusal] = []
    for device in devices:
        if organisation is not None and not _may_run(device, transition, organisation):
            refused.append(
                TransitionRefusal(
                    device=device,
                    code=FORBIDDEN_CODE,
                    reason=_("Your organisation may not do this with this device."),
                    forbidden=True,
                )
            )
            continue
        refusal = _refusal(device, transition)
        if refusal is None:
            allowed.append(device)
        else:
            code, reason = refusal
            refused.append(TransitionRefusal(device=device, code=code, reason=reason))
    return TransitionCheck(transition=transition, allowed=tuple(allowed), refused=tuple(refused))


@cache
def _transitions_from(state: str) -> tuple[tuple[str, Transition], ...]:
    """The transitions the lifecycle declares from ``state``, by name, sorted by name."""
    found = []
    for name in transition_names():
        meta = getattr(Device, name)._django_fsm
        if meta.has_transition(state):
            found.append((name, meta.get_transition(state)))
    return tuple(found)


def allowed_transitions(device: Device, organisations: Iterable[Organisation]) -> list[str]:
    """The transitions one of ``organisations`` may run on ``device`` now: the lifecycle's
    answer of :func:`transition_refusal` and the transition's permission, as names.

    Lists ask it of every row, so it builds no refusal message: the transitions from the
    device's state are looked up once per state, then only their conditions and permissions
    are asked. Uses only what is already loaded (the device row, the organisations), so a
    list of devices costs no query per device.
    """
    organisations = list(organisations)
    return [
        name
        for name, transition in _transitions_from(device.state)
        if all(condition(device) for condition in transition.conditions)
        and any(transition.has_perm(device, organisation) for organisation in organisations)
    ]


# What an app above inventory knows and the device row does not: why a transition the state
# allows would still be refused (``certify`` needs the erasures, diagnosis and grade reuse
# records). A blocker answers, for one device, the list of what is missing; empty when nothing.
TransitionBlocker = Callable[[Device], list[str]]
_transition_blockers: dict[str, list[TransitionBlocker]] = {}


def register_transition_blocker(transition: str, blocker: TransitionBlocker) -> TransitionBlocker:
    """Let ``blocker`` say what ``transition`` still lacks (once, however often it registers).

    The hook by which a higher app (reuse and the readiness of a device) lets the pages of
    inventory show a blocked action as blocked, without inventory importing it (rule 14);
    register in the app's ``AppConfig.ready()``.
    """
    if transition not in transition_names():
        raise ValueError(f"{transition!r} is not a transition of the device lifecycle.")
    blockers = _transition_blockers.setdefault(transition, [])
    if blocker not in blockers:
        blockers.append(blocker)
    return blocker


def unregister_transition_blocker(transition: str, blocker: TransitionBlocker) -> None:
    """Remove a blocker registered with :func:`register_transition_blocker` (for tests)."""
    blockers = _transition_blockers.get(transition, [])
    if blocker in blockers:
        blockers.remove(blocker)


def transition_missing(device: Device, transition: str) -> list[str]:
    """What ``device`` still lacks for ``transition``, as the registered blockers say; empty
    when nothing is missing. Asks each blocker, so call it for one device, not for a list."""
    return [
        str(reason)
        for blocker in _transition_blockers.get(transition, [])
        for reason in blocker(device)
    ]


def transition_label(name: str) -> str:
    """The label a page shows for a transition (its button, say)."""
    state = Device._meta.get_field("state")
    for transition in state.get_all_transitions(Device):
        if transition.name == name:
            return str(transition.custom.get("label", name))
    raise ValueError(f"{name!r} is not a transition of the device lifecycle.")


@dataclass(frozen=True)
class TransitionRun:
    """One run of a transition by the gateway, on one device or many: the devices as they are
    after it, and the state each one left (in the same order)."""

    transition: str
    devices: tuple[Device, ...]
    from_states: tuple[str, ...]

    def pks_leaving(self, state: str) -> list[int]:
        """The primary keys of the devices that were in ``state`` and are no longer."""
        return [
            device.pk
            for device, from_state in zip(self.devices, self.from_states, strict=True)
            if from_state == state and device.state != state
        ]


# What an app above inventory keeps in step with the devices' states: procurement takes a
# device out of its offer when it leaves ``ready``. An observer is called by the gateway inside
# the transaction of the change, once per run whatever the number of devices, so that it can
# answer with one set-based query.
TransitionObserver = Callable[[TransitionRun], None]
_transition_observers: list[TransitionObserver] = []


def register_transition_observer(observer: TransitionObserver) -> TransitionObserver:
    """Let ``observer`` follow every transition the gateway runs (once, however often it
    registers); register in the app's ``AppConfig.ready()``."""
    if observer not in _transition_observers:
        _transition_observers.append(observer)
    return observer


def unregister_transition_observer(observer: TransitionObserver) -> None:
    """Remove an observer registered with :func:`register_transition_observer` (for tests)."""
    if observer in _transition_observers:
        _transition_observers.remove(observer)


def transition_ran(run: TransitionRun) -> None:
    """Tell the observers of a transition the gateway ran; called in its transaction, so that
    what they change commits or rolls back with it."""
    for observer in list(_transition_observers):
        observer(run)
