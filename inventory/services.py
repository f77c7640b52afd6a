"""Every write to the inventory: declaring, describing, and moving devices through the lifecycle.

Services take keyword-only arguments, check the acting organisation's rights themselves,
run in one transaction and write the device's event in it.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from operator import attrgetter
from typing import Any

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django_fsm import has_transition_perm

from common.bulk_sql import insert_rows, pk_set
from common.errors import NotFound, PermissionDenied, TransitionNotAllowed, ValidationFailed
from inventory import lifecycle, permissions
from inventory.choices import FLOW_KINDS, DeclarationSource, DeviceState, EventKind
from inventory.counts import (
    CountKey,
    count_key,
    device_counts_add,
    device_counts_move,
    device_counts_move_many,
)
from inventory.lifecycle import FORBIDDEN_CODE, transition_refusal
from inventory.models import Declaration, Device, DeviceEvent
from inventory.step_counts import step_counts_recategorise, step_counts_record
from organisations.models import Organisation, Site
from organisations.permissions import require_member

# What a commune describes about a device: the fields of a declaration, an edit or an import.
DESCRIPTION_FIELDS = (
    "category",
    "brand",
    "model",
    "serial_number",
    "asset_tag",
    "purchase_date",
    "cpu",
    "ram_gb",
    "storage_gb",
    "storage_type",
    "screen_size_inches",
    "operating_system",
    "condition_notes",
    "holds_sensitive_data",
)
# Validated by the services themselves, or set by them.
_NOT_CLEANED = ["code", "declaration", "holder", "commune", "identity_key", "state"]


class DeclarationRejected(ValidationFailed):
    """Some devices of a declaration are invalid; ``rows`` holds each one's field errors."""

    default_code = "declaration_invalid"

    def __init__(
        self, rows: dict[int, dict[str, list[str]]], *, duplicate_rows: set[int] = frozenset()
    ) -> None:
        self.rows = rows
        self.duplicate_rows = set(duplicate_rows)
        fields = {
            f"devices[{index}].{field}": messages
            for index, errors in sorted(rows.items())
            for field, messages in errors.items()
        }
        super().__init__(
            ngettext(
                "%(count)d device could not be declared; nothing was saved.",
                "%(count)d devices could not be declared; nothing was saved.",
                len(rows),
            )
            % {"count": len(rows)},
            fields=fields,
        )


def _describe(device: Device, description: Mapping[str, Any]) -> None:
    unknown = set(description) - set(DESCRIPTION_FIELDS) - {"data_bearing"}
    if unknown:
        raise ValueError(f"Unknown device fields: {sorted(unknown)}")
    for field in DESCRIPTION_FIELDS:
        if field in description:
            value = description[field]
            if isinstance(value, str):
                value = value.strip()
            setattr(device, field, "" if value is None and field in _TEXT_FIELDS else value)
    if "data_bearing" in description:
        override = description["data_bearing"]
        device.data_bearing_overridden = override is not None
        if override is not None:
            device.data_bearing = bool(override)
    device.refresh_derived_fields()


_TEXT_FIELDS = {
    field.name
    for field in Device._meta.concrete_fields
    if field.get_internal_type() in {"CharField", "TextField"}
}


def _field_errors(error: ValidationError) -> dict[str, list[str]]:
    return {
        field: [str(message) for message in messages]
        for field, messages in error.message_dict.items()
    }


def _duplicate_message(existing: Device) -> str:
    return _(
        "This device (same brand and serial number) is already declared as %(code)s by %(commune)s."
    ) % {"code": existing.code, "commune": existing.commune.name}


def _check_declarer(*, user: AbstractBaseUser, commune: Organisation, site: Site | None) -> None:
    organisation = require_member(user, commune).organisation
    if not permissions.can_declare_for(organisation, commune):
        raise PermissionDenied(_("Only a commune declares devices, its own."), code="not_a_commune")
    if site is not None:
        _check_pickup_site(commune=commune, site=site)


def _check_pickup_site(*, commune: Organisation, site: Site) -> None:
    if site.organisation_id != commune.pk:
        raise ValidationFailed(
            _("The pickup site must belong to the declaring commune."),
            code="foreign_site",
            fields={"pickup_site": [_("The pickup site must belong to the declaring commune.")]},
        )
    if not site.is_active or not site.is_pickup:
        message = _("The site “%(name)s” is not an open pickup site.") % {"name": site.name}
        raise ValidationFailed(message, code="closed_site", fields={"pickup_site": [message]})


def declaration_create(
    *,
    user: AbstractBaseUser,
    commune: Organisation,
    pickup_site: Site | None,
    descriptions: Sequence[Mapping[str, Any]],
    source: str = DeclarationSource.FORM,
    reference: str = "",
) -> Declaration:
    """Declare one or several devices of ``commune`` at once: all of them, or none.

    Each device is validated (types, ranges, dates, the pickup site), then checked against
    the others of the declaration and against the territory's active devices: a physical
    device is declared once. Every refusal names its row and field.
    """
    _check_declarer(user=user, commune=commune, site=pickup_site)
    if not descriptions:
        raise ValidationFailed(_("Declare at least one device."), code="empty_declaration")

    now = timezone.now()
    devices: list[Device] = []
    rows: dict[int, dict[str, list[str]]] = {}
    duplicate_rows: set[int] = set()
    first_row_of_key: dict[str, int] = {}
    for index, description in enumerate(descriptions):
        device = Device(commune=commune, holder=commune, pickup_site=pickup_site, created_at=now)
        _describe(device, description)
        try:
            device.full_clean(
                exclude=_NOT_CLEANED, validate_unique=False, validate_constraints=False
            )
        except ValidationError as error:
            rows[index] = _field_errors(error)
        key = device.identity_key
        if key and key in first_row_of_key:
            rows.setdefault(index, {}).setdefault("serial_number", []).append(
                _("The same device appears twice in this declaration (row %(row)d).")
                % {"row": first_row_of_key[key] + 1}
            )
            duplicate_rows.add(index)
        elif key:
            first_row_of_key[key] = index
        devices.append(device)

    existing = {
        device.identity_key: device
        for device in Device.objects.active()
        .filter(identity_key__in=list(first_row_of_key))
        .select_related("commune")
    }
    for key, index in first_row_of_key.items():
        if key in existing:
            rows.setdefault(index, {}).setdefault("serial_number", []).append(
                _duplicate_message(existing[key])
            )
            duplicate_rows.add(index)
    if rows:
        raise DeclarationRejected(rows, duplicate_rows=duplicate_rows)

    try:
        # Not durable: the demo seeding declares a commune's devices in one transaction of its
        # own (organisations/demo.py), so a stopped run leaves whole communes behind it.
        with transaction.atomic():
            declaration = Declaration.objects.create(
                commune=commune,
                pickup_site=pickup_site,
                source=source,
                reference=reference,
                created_by=user,
                created_at=now,
            )
            for device in devices:
                device.declaration = declaration
            Device.objects.bulk_create(devices)
            device_counts_add(changes=Counter(count_key(device) for device in devices))
            DeviceEvent.objects.bulk_create(
                DeviceEvent(
                    device=device,
                    kind=EventKind.DECLARED,
                    from_state="",
                    to_state=DeviceState.DECLARED,
                    actor=user,
                    organisation=commune,
                    created_at=now,
                    details={"declaration": declaration.pk},
                )
                for device in devices
            )
            step_counts_record(events=Q(device__declaration=declaration, kind=EventKind.DECLARED))
    except IntegrityError as error:
        # Another declaration of the same device committed between the check and the insert.
        raise ValidationFailed(
            _(
                "One of these devices was declared by someone else a moment ago; nothing was "
                "saved. Check the inventory and try again."
            ),
            code="duplicate_device",
        ) from error
    return declaration


def device_declare(
    *,
    user: AbstractBaseUser,
    commune: Organisation,
    pickup_site: Site | None = None,
    source: str = DeclarationSource.FORM,
    **description: Any,
) -> Device:
    """Declare a single device; its errors are reported by field, without a row number."""
    try:
        declaration = declaration_create(
            user=user,
            commune=commune,
            pickup_site=pickup_site,
            descriptions=[description],
            source=source,
        )
    except DeclarationRejected as rejection:
        fields = rejection.rows[0]
        first = next(iter(fields.values()))[0]
        code = "duplicate_device" if rejection.duplicate_rows else "device_invalid"
        raise ValidationFailed(first, code=code, fields=fields) from rejection
    return declaration.devices.get()


def device_update(
    *,
    device: Device,
    user: AbstractBaseUser,
    organisation: Organisation,
    note: str = "",
    **description: Any,
) -> Device:
    """Correct a declared device's description or its pickup site (another open pickup site
    of the declaring commune); the event records what changed."""
    require_member(user, organisation)
    new_site = description.pop("pickup_site", _UNCHANGED)
    with transaction.atomic(durable=True):
        locked = Device.objects.select_for_update().select_related("commune").get(pk=device.pk)
        if not permissions.can_edit_device(organisation, locked):
            raise PermissionDenied(
                _("Only the declaring commune edits a device, while it is declared."),
                code="not_editable",
            )
        before = {field: getattr(locked, field) for field in (*DESCRIPTION_FIELDS, "data_bearing")}
        counted = count_key(locked)
        _describe(locked, description)
        site_change = _pickup_site_change(locked, new_site)
        try:
            locked.full_clean(
                exclude=_NOT_CLEANED, validate_unique=False, validate_constraints=False
            )
        except ValidationError as error:
            fields = _field_errors(error)
            raise ValidationFailed(
                next(iter(fields.values()))[0], code="device_invalid", fields=fields
            ) from error
        if locked.identity_key:
            clash = (
                Device.objects.active()
                .filter(identity_key=locked.identity_key)
                .exclude(pk=locked.pk)
                .select_related("commune")
                .first()
            )
            if clash is not None:
                raise ValidationFailed(
                    _duplicate_message(clash),
                    code="duplicate_device",
                    fields={"serial_number": [_duplicate_message(clash)]},
                )
        changed = {
            field: [_jsonable(field, old), _jsonable(field, getattr(locked, field))]
            for field, old in before.items()
            if old != getattr(locked, field)
        }
        if site_change is not None:
            changed["pickup_site"] = site_change
        if not changed:
            return locked
        if "category" in changed:
            device_counts_add(changes={counted: -1, count_key(locked): 1})
        locked.save(
            update_fields=[
                *changed,
                "identity_key",
                "data_bearing",
                "data_bearing_overridden",
                "updated_at",
            ]
        )
        if "category" in changed:
            step_counts_recategorise(device_pk=locked.pk, before=counted.category)
        DeviceEvent.objects.create(
            device=locked,
            kind=EventKind.EDITED,
            from_state=locked.state,
            to_state=locked.state,
            actor=user,
            organisation=organisation,
            note=note,
            details={"changed": changed},
        )
    return locked


_UNCHANGED = object()


def _pickup_site_change(device: Device, site: Any) -> list[str | None] | None:
    """Move ``device`` to ``site`` when it is another open pickup site of its commune (or
    none); ``[before, after]`` by site name for the event, or None when it stays."""
    if site is _UNCHANGED or (site.pk if site else None) == device.pickup_site_id:
        return None
    if site is not None:
        # As stored now, not as the caller last read it: it may have been closed since.
        site = Site.objects.get(pk=site.pk)
        _check_pickup_site(commune=device.commune, site=site)
    before = device.pickup_site.name if device.pickup_site_id else None
    device.pickup_site = site
    return [before, site.name if site else None]


def _jsonable(field_name: str, value: Any) -> Any:
    """A description value as the event log keeps it: JSON, decimals at the field's scale."""
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = Decimal(value) if field_name in _DECIMAL_PLACES else value
    if isinstance(value, Decimal):
        return str(value.quantize(Decimal(1).scaleb(-_DECIMAL_PLACES[field_name])))
    if value is None or isinstance(value, bool | int | str):
        return value
    return str(value)


_DECIMAL_PLACES = {
    field.name: field.decimal_places
    for field in Device._meta.concrete_fields
    if field.get_internal_type() == "DecimalField"
}


def device_transition(
    *,
    device: Device,
    transition: str,
    user: AbstractBaseUser | None,
    organisation: Organisation | None,
    note: str = "",
    details: Mapping[str, Any] | None = None,
    **arguments: Any,
) -> Device:
    """Run one transition of the lifecycle, write its event and count the device under its
    new state (and holder, claimant), in one transaction.

    The device row is locked first, so two concurrent transitions of one device are
    serialised and the second sees the first's state. ``user`` and ``organisation`` are
    ``None`` only for the system itself (an expiry, say). The refusal tells why: the state
    (409), or the acting organisation (403). Other services call this inside their own
    transaction when a transition is part of a larger change, so its transaction is not
    durable: it joins theirs; one that runs many transitions does so inside
    :func:`inventory.counts.device_counts_batch`, which counts them all at once at its end.
    """
    if organisation is not None and user is not None:
        require_member(user, organisation)
    method = getattr(Device, transition, None)
    if method is None or not hasattr(method, "_django_fsm"):
        raise ValueError(f"{transition!r} is not a transition of the device lifecycle.")

    with transaction.atomic():
        locked = Device.objects.select_for_update().get(pk=device.pk)
        bound = getattr(locked, transition)
        refusal = transition_refusal(locked, transition)
        if refusal is not None:
            raise TransitionNotAllowed(refusal)
        if organisation is not None and not has_transition_perm(bound, organisation):
            raise PermissionDenied(
                _("Your organisation may not do this with this device."),
                code="transition_forbidden",
            )
        fsm_transition = bound._django_fsm.get_transition(locked.state)
        before = {
            field.attname: getattr(locked, field.attname) for field in Device._meta.concrete_fields
        }
        from_state = locked.state
        bound(**arguments)
        changed = [
            field.name
            for field in Device._meta.concrete_fields
            if getattr(locked, field.attname) != before[field.attname]
        ]
        locked.save(update_fields=[*changed, "updated_at"])
        event = DeviceEvent.objects.create(
            device=locked,
            kind=fsm_transition.custom["event"],
            from_state=from_state,
            to_state=locked.state,
            actor=user,
            organisation=organisation,
            note=note,
            details=dict(details or {}),
        )
        device_counts_move(
            device_pk=locked.pk,
            before=CountKey(*(before[name] for name in CountKey._fields)),
            after=count_key(locked),
        )
        if event.kind in FLOW_KINDS:
            step_counts_record(events=Q(pk=event.pk))
        lifecycle.transition_ran(
            lifecycle.TransitionRun(
                transition=transition, devices=(locked,), from_states=(from_state,)
            )
        )
    return locked


def devices_transition(
    *,
    devices: Iterable[Device],
    transition: str,
    user: AbstractBaseUser | None,
    organisation: Organisation | None,
    note: str = "",
    details: Mapping[str, Any] | None = None,
    device_details: Mapping[int, Mapping[str, Any]] | None = None,
    locked: bool = False,
    **arguments: Any,
) -> list[Device]:
    """Run one transition on many devices at once, all or none, each with its event.

    The set-based twin of :func:`device_transition`, for what moves hundreds of devices in
    one step (a group order's allocation reserves them). The rows are locked in one query, in
    primary key order; the lifecycle is asked for each device with what is loaded (the acting
    organisation's permission, then the state and the conditions) and runs the transition on
    each in memory; the changed columns are written by one UPDATE per state left and distinct
    set of new values (one for ``reserve``), each refusing a row no longer in that state, and
    the events inserted in one statement, from their values (no model instance). The queries
    do not grow with the devices. One refusal refuses all, naming the devices: 403 when the
    organisation may not, 409 for a state or a condition. ``device_details`` adds to one
    device's event what is its own (its order, say). Joins the caller's transaction.

    ``locked``: ``devices`` are rows the caller's transaction already locked
    (``select_for_update``) and loaded with what the transition's conditions read, as the
    closing of a campaign does with its stock; they are neither locked nor read again, but
    moved as given (their objects are changed and returned). Each UPDATE still requires the
    state the device was given in, so a device loaded without its lock, and changed since,
    refuses them all (409) rather than be moved twice.
    """
    if organisation is not None and user is not None:
        require_member(user, organisation)
    method = getattr(Device, transition, None)
    if method is None or not hasattr(method, "_django_fsm"):
        raise ValueError(f"{transition!r} is not a transition of the device lifecycle.")
    if locked:
        given = {device.pk: device for device in devices}
        pks = sorted(given)
    else:
        pks = sorted({device.pk for device in devices})
    if not pks:
        return []
    device_details = device_details or {}

    with transaction.atomic():
        if locked:
            moved = [given[pk] for pk in pks]
        else:
            moved = list(
                Device.objects.select_for_update().filter(pk__in=pk_set(pks)).order_by("pk")
            )
            if len(moved) != len(pks):
                raise NotFound(_("No such device."), code="device_not_found")
        check = lifecycle.transition_check(moved, transition, organisation=organisation)
        if check.forbidden:
            raise PermissionDenied(
                _("Your organisation may not do this with these devices: %(codes)s.")
                % {"codes": _codes(check.forbidden)},
                code=FORBIDDEN_CODE,
            )
        if check.not_allowed:
            first = check.not_allowed[0]
            raise TransitionNotAllowed(
                _("%(reason)s Devices concerned: %(codes)s.")
                % {"reason": first.reason, "codes": _codes(check.not_allowed)},
                code=first.code,
            )
        now = timezone.now()
        from_states: list[str] = []
        moves: list[tuple[int, CountKey, CountKey]] = []
        groups: dict[tuple[str, tuple[tuple[str, Any], ...]], list[Device]] = defaultdict(list)
        for device in moved:
            before = _COLUMN_VALUES(device)
            from_state = device.state
            from_states.append(from_state)
            getattr(device, transition)(**arguments)
            after = _COLUMN_VALUES(device)
            moves.append((device.pk, _count_key_of(before), _count_key_of(after)))
            new_values = tuple(
                (name, new)
                for name, old, new in zip(_COLUMNS, before, after, strict=True)
                if new != old
            )
            device.updated_at = now
            groups[(from_state, new_values)].append(device)
        for (from_state, new_values), group in groups.items():
            # The lifecycle's one set-based write: the transition itself ran on each device
            # above, with its source, permission and conditions checked.
            written = Device.objects.filter(
                pk__in=pk_set(device.pk for device in group), state=from_state
            ).update(**dict(new_values), updated_at=now)
            if written != len(group):
                raise TransitionNotAllowed(
                    _("These devices changed meanwhile; try again: %(codes)s.")
                    % {"codes": ", ".join(sorted(device.code for device in group))},
                    code="devices_changed",
                )
        events = {
            from_state: method._django_fsm.get_transition(from_state).custom["event"]
            for from_state in set(from_states)
        }
        shared = dict(details or {})
        insert_rows(
            DeviceEvent,
            columns=("device_id", "kind", "from_state", "to_state", "details"),
            rows=(
                (
                    device.pk,
                    events[from_state],
                    from_state,
                    device.state,
                    {**shared, **device_details[device.pk]}
                    if device.pk in device_details
                    else shared,
                )
                for device, from_state in zip(moved, from_states, strict=True)
            ),
            constants={
                "actor_id": user.pk if user is not None else None,
                "organisation_id": organisation.pk if organisation is not None else None,
                "created_at": now,
                "note": note,
            },
        )
        device_counts_move_many(moves=moves)
        counted_kinds = [kind for kind in set(events.values()) if kind in FLOW_KINDS]
        if counted_kinds:
            # This call's events: its devices' of these kinds, written at ``now``.
            step_counts_record(
                events=Q(device__in=pk_set(pks), kind__in=counted_kinds, created_at=now)
            )
        lifecycle.transition_ran(
            lifecycle.TransitionRun(
                transition=transition, devices=tuple(moved), from_states=tuple(from_states)
            )
        )
    return moved


# What the bulk gateway compares before and after a transition, read at C speed.
_COLUMNS = tuple(field.attname for field in Device._meta.concrete_fields)
_COLUMN_VALUES = attrgetter(*_COLUMNS)
_KEY_POSITIONS = tuple(_COLUMNS.index(name) for name in CountKey._fields)


def _count_key_of(values: tuple[Any, ...]) -> CountKey:
    return CountKey(*(values[position] for position in _KEY_POSITIONS))


def device_event_record(
    *,
    device: Device,
    kind: str,
    user: AbstractBaseUser | None,
    organisation: Organisation | None,
    note: str = "",
    details: Mapping[str, Any] | None = None,
) -> DeviceEvent:
    """Write an event of ``device``'s history that changes neither its state nor its counts
    (a fault reported under warranty, a repair): from and to its current state, in the
    caller's transaction. Transitions write theirs through :func:`device_transition`."""
    if kind not in EventKind.values:
        raise ValueError(f"{kind!r} is not a kind of device event.")
    return DeviceEvent.objects.create(
        device=device,
        kind=kind,
        from_state=device.state,
        to_state=device.state,
        actor=user,
        organisation=organisation,
        note=note,
        details=dict(details or {}),
    )


def _codes(refusals: Iterable[lifecycle.TransitionRefusal]) -> str:
    return ", ".join(sorted(refusal.device.code for refusal in refusals))


def device_withdraw(
    *, device: Device, user: AbstractBaseUser, organisation: Organisation, note: str = ""
) -> Device:
    """The declaring commune takes a device back before any claim."""
    # Not durable (device_transition's transaction): the demo seeding withdraws devices inside
    # the transaction in which it declares a commune's devices.
    return device_transition(
        device=device, transition="withdraw", user=user, organisation=organisation, note=note
    )
