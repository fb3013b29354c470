"""Validation rules as one comparable set of constraints, whichever library declares them.

protoc-gen-validate (`(validate.rules)`, `(validate.required)`, `(validate.disabled)`…)
and protovalidate (`(buf.validate.field)`, `(buf.validate.oneof)`, `(buf.validate.message)`)
describe the same things with nearly the same vocabulary. Both are read into one flat map
``key → Constraint`` (``string.len``, ``int32.value``, ``repeated.items.string.pattern``,
``required``, ``cel``, ``skip``…), so that a team migrating from one library to the
other with the same rules sees no change, and comparing two versions is one pass over keys.

A constraint is one of five shapes, each with a known direction of "stricter":

* `Range`: a lower and/or upper bound (lengths, item counts, numeric and time values);
* `Allowed`: an ``in`` list, stricter when it shrinks;
* `Denied`: a ``not_in`` list, stricter when it grows;
* `Requires`: things a value must satisfy (``const``, ``pattern``, ``email``, ``unique``,
  ``required``, CEL rules…), stricter when one is added;
* `Exempt`: conditions under which validation is skipped (``ignore``, ``ignore_empty``,
  ``skip``, ``disabled``…), stricter when one goes away.

Everything here is a pure function of option dicts (see `protomodel.model`: option
messages are dicts with snake_case keys, enum values are names).
"""

from __future__ import annotations

import math
import re
import struct
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, replace
from enum import StrEnum
from typing import Any

from protomodel.model import Element, FieldModel, Presence

PGV_FIELD = "validate.rules"
PGV_ONEOF_REQUIRED = "validate.required"
PGV_MESSAGE_DISABLED = "validate.disabled"
PGV_MESSAGE_IGNORED = "validate.ignored"
PROTOVALIDATE_FIELD = "buf.validate.field"
PROTOVALIDATE_ONEOF = "buf.validate.oneof"
PROTOVALIDATE_MESSAGE = "buf.validate.message"

INTEGER_KINDS = frozenset(
    {"int32", "int64", "uint32", "uint64", "sint32", "sint64"}
    | {"fixed32", "fixed64", "sfixed32", "sfixed64"}
)
NUMBER_KINDS = INTEGER_KINDS | {"float", "double", "bool", "duration", "timestamp"}
STRING_KINDS = frozenset({"string", "bytes"})
COLLECTION_KINDS = frozenset({"repeated", "map"})
ALLOWED_VALUE_KINDS = frozenset({"enum", "any", "field_mask"})
TYPE_KINDS = NUMBER_KINDS | STRING_KINDS | COLLECTION_KINDS | ALLOWED_VALUE_KINDS

# Type-rule keys that bound a size or a value: key -> (dimension, which bound).
_BOUNDS: dict[str, tuple[str, str]] = {
    "min_len": ("len", "min"),
    "max_len": ("len", "max"),
    "len": ("len", "exact"),
    "min_bytes": ("bytes", "min"),
    "max_bytes": ("bytes", "max"),
    "len_bytes": ("bytes", "exact"),
    "min_items": ("count", "min"),
    "max_items": ("count", "max"),
    "min_pairs": ("count", "min"),
    "max_pairs": ("count", "max"),
    "gt": ("value", "gt"),
    "gte": ("value", "min"),
    "lt": ("value", "lt"),
    "lte": ("value", "max"),
    "within": ("within", "max"),
}
_NESTED = frozenset({"items", "keys", "values"})  # FieldRules of elements, keys, values
_NOT_CONSTRAINING = frozenset({"example"})  # documentation only
# Well-known string formats an empty string does not satisfy (`uri_ref` accepts "").
_EMPTY_REJECTING_FORMATS = frozenset(
    {
        "email",
        "hostname",
        "ip",
        "ipv4",
        "ipv6",
        "uri",
        "address",
        "uuid",
        "tuuid",
        "ulid",
        "ip_with_prefixlen",
        "ipv4_with_prefixlen",
        "ipv6_with_prefixlen",
        "ip_prefix",
        "ipv4_prefix",
        "ipv6_prefix",
        "host_and_port",
        "protobuf_fqn",
        "protobuf_dot_fqn",
    }
)
_EMPTY_REJECTING_REGEXES = frozenset({"HTTP_HEADER_NAME", "KNOWN_REGEX_HTTP_HEADER_NAME"})
# Skip conditions, as the set of situations each one exempts from validation, so that
# "stricter" is simply "exempts fewer situations". Unset explicit-presence fields are
# skipped anyway, so every `ignore` value short of ALWAYS means "skip the zero value"
# (the older names included, for repositories pinned to older protovalidate).
_WHEN_ZERO = "when empty or zero"
_ALWAYS = "always"
_IGNORE_EXEMPTIONS: dict[str, frozenset[str]] = {
    "IGNORE_UNSPECIFIED": frozenset(),
    "IGNORE_IF_UNPOPULATED": frozenset({_WHEN_ZERO}),
    "IGNORE_EMPTY": frozenset({_WHEN_ZERO}),
    "IGNORE_IF_DEFAULT_VALUE": frozenset({_WHEN_ZERO}),
    "IGNORE_DEFAULT": frozenset({_WHEN_ZERO}),
    "IGNORE_IF_ZERO_VALUE": frozenset({_WHEN_ZERO}),
    "IGNORE_ALWAYS": frozenset({_WHEN_ZERO, _ALWAYS}),
}


class Family(StrEnum):
    """Which rule reports a difference."""

    REQUIRED = "required"  # the unset / empty value is now rejected
    STRING = "string"
    NUMBER = "number"
    COLLECTION = "collection"
    ENUM = "enum"  # allowed values of enums, Any type URLs, field masks
    CUSTOM = "custom"  # CEL and predefined rules: cannot be proven stricter or looser
    EXEMPT = "skip"  # skip conditions (ignore, ignore_empty, skip, disabled)
    MESSAGE = "message"  # message-level rules (CEL, oneof rules)


class Direction(StrEnum):
    TIGHTER = "tighter"
    LOOSER = "looser"
    CHANGED = "changed"  # neither a superset nor a subset: some old values now fail


# ---------------------------------------------------------------------------------------
# Constraint shapes


@dataclass(frozen=True)
class Bound:
    value: float
    inclusive: bool
    text: str  # as written, e.g. "gt: 0"


@dataclass(frozen=True)
class Range:
    lower: Bound | None = None
    upper: Bound | None = None


@dataclass(frozen=True)
class Allowed:
    values: frozenset[Any]


@dataclass(frozen=True)
class Denied:
    values: frozenset[Any]


@dataclass(frozen=True)
class Requires:
    values: frozenset[Any]
    custom: bool = False  # CEL / predefined rules, whose meaning we cannot compare


@dataclass(frozen=True)
class Exempt:
    values: frozenset[str]


Constraint = Range | Allowed | Denied | Requires | Exempt
Constraints = dict[str, Constraint]


# ---------------------------------------------------------------------------------------
# Reading options


def field_constraints(field_element: Element) -> Constraints:
    """The validation constraints of a field, from both libraries' options."""
    per_library = []
    for option in (PGV_FIELD, PROTOVALIDATE_FIELD):
        rules = field_element.options.get(option)
        if isinstance(rules, Mapping):
            read: Constraints = {}
            _read_field_rules(rules, "", read)
            per_library.append(read)
    if len(per_library) == 2:
        return _both_libraries(*per_library)
    return per_library[0] if per_library else {}


def _both_libraries(first: Constraints, second: Constraints) -> Constraints:
    """Both libraries' rules apply; a skip condition only counts if both libraries skip."""
    merged: Constraints = {}
    for key in first.keys() | second.keys():
        if key.endswith("skip") and (key not in first or key not in second):
            continue  # one library skips, the other still validates
        for constraints in (first, second):
            if key in constraints:
                _add(merged, key, constraints[key])
    return merged


def oneof_constraints(oneof: Element) -> Constraints:
    out: Constraints = {}
    pgv_required = oneof.options.get(PGV_ONEOF_REQUIRED) is True
    protovalidate = oneof.options.get(PROTOVALIDATE_ONEOF)
    if pgv_required or (isinstance(protovalidate, Mapping) and protovalidate.get("required")):
        _add(out, "required", Requires(frozenset({"exactly one member set"})))
    return out


def message_constraints(message: Element) -> Constraints:
    out: Constraints = {}
    for option in (PGV_MESSAGE_DISABLED, PGV_MESSAGE_IGNORED):
        if message.options.get(option) is True:
            _add(out, "skip", Exempt(frozenset({f"({option})"})))
    rules = message.options.get(PROTOVALIDATE_MESSAGE)
    if not isinstance(rules, Mapping):
        return out
    for key, value in rules.items():
        if key == "disabled" and value is True:  # protovalidate before 0.8
            _add(out, "skip", Exempt(frozenset({f"({PROTOVALIDATE_MESSAGE}).disabled"})))
        elif key in ("cel", "cel_expression"):
            _add(out, "cel", Requires(_cel_rules(value), custom=True))
        elif key == "oneof":
            _add(out, "oneof", Requires(frozenset(_message_oneof_rule(r) for r in _listed(value))))
        else:
            _add(out, key, Requires(frozenset({_render(value)}), custom=True))
    return out


def message_validation_skipped(message: Element) -> bool:
    """Whether a message opts out of validation (PGV `disabled`/`ignored`): then none of
    its fields' rules run, and only the message-level rule has something to say."""
    return "skip" in message_constraints(message)


def _read_field_rules(rules: Mapping[str, Any], prefix: str, out: Constraints) -> None:
    for key, value in rules.items():
        if key == "required":
            if value is True:
                _add(out, prefix + "required", Requires(frozenset({True})))
        elif key == "ignore":
            exempt = _IGNORE_EXEMPTIONS.get(str(value), frozenset({str(value)}))
            if exempt:
                _add(out, prefix + "skip", Exempt(exempt))
        elif key == "message" and isinstance(value, Mapping):
            _read_pgv_message_rules(value, prefix, out)
        elif key in ("cel", "cel_expression"):
            _add(out, prefix + "cel", Requires(_cel_rules(value), custom=True))
        elif key in TYPE_KINDS and isinstance(value, Mapping):
            _read_type_rules(value, key, prefix, out)
        else:  # an option we do not know (newer library, predefined rule): compare as text
            _add(out, prefix + key, Requires(frozenset({_render(value)}), custom=True))


def _read_pgv_message_rules(rules: Mapping[str, Any], prefix: str, out: Constraints) -> None:
    if rules.get("required") is True:
        _add(out, prefix + "required", Requires(frozenset({True})))
    if rules.get("skip") is True:
        _add(out, prefix + "skip", Exempt(frozenset({"nested message rules skipped"})))


def _read_type_rules(rules: Mapping[str, Any], kind: str, prefix: str, out: Constraints) -> None:
    type_prefix = f"{prefix}{kind}."
    integral = kind in INTEGER_KINDS
    bounds: dict[str, list[Bound]] = {}
    for key, value in rules.items():
        if key in _NOT_CONSTRAINING:
            continue
        if _is_extension(key):  # a predefined rule: its CEL lives elsewhere
            _add(out, type_prefix + key, Requires(frozenset({_render(value)}), custom=True))
        elif key in _BOUNDS:
            dimension, which = _BOUNDS[key]
            number = _number(value)
            if number is None:
                _add(out, type_prefix + key, Requires(frozenset({_render(value)})))
                continue
            number = _in_declared_type(number, kind)
            whole = integral or dimension in ("len", "bytes", "count")
            for bound_kind, bound in _bounds(which, number, f"{key}: {_render(value)}", whole):
                bounds.setdefault(f"{dimension}.{bound_kind}", []).append(bound)
        elif key == "in":
            allowed = frozenset(_typed(v, kind) for v in _listed(value))
            _add(out, type_prefix + "in", Allowed(allowed))
        elif key == "not_in":
            _add(
                out,
                type_prefix + "not_in",
                Denied(frozenset(_typed(v, kind) for v in _listed(value))),
            )
        elif key == "required":  # PGV duration/timestamp/any `required`
            if value is True:
                _add(out, prefix + "required", Requires(frozenset({True})))
        elif key == "ignore_empty":
            if value is True:
                _add(out, prefix + "skip", Exempt(frozenset({_WHEN_ZERO})))
        elif key == "strict":
            if value is False:  # header regexes are strict unless told otherwise
                _add(out, prefix + "skip", Exempt(frozenset({"non-strict header check"})))
        elif key in _NESTED and isinstance(value, Mapping):
            _read_field_rules(value, f"{type_prefix}{key}.", out)
        elif key == "const" or value is not False:  # `email: false` and the like: no rule
            _add(out, type_prefix + key, Requires(frozenset({_typed(value, kind)})))
    _add_ranges(bounds, type_prefix, out)


def _bounds(which: str, number: float, text: str, whole: bool) -> list[tuple[str, Bound]]:
    """(lower|upper, bound) for one bound key; integers normalise `gt 0` to `gte 1`."""
    if which == "exact":
        return [("lower", Bound(number, True, text)), ("upper", Bound(number, True, text))]
    if which == "gt":
        return [("lower", Bound(number + 1, True, text) if whole else Bound(number, False, text))]
    if which == "lt":
        return [("upper", Bound(number - 1, True, text) if whole else Bound(number, False, text))]
    return [("lower" if which == "min" else "upper", Bound(number, True, text))]


def _add_ranges(bounds: Mapping[str, list[Bound]], type_prefix: str, out: Constraints) -> None:
    dimensions = {key.rsplit(".", 1)[0] for key in bounds}
    for dimension in sorted(dimensions):
        lower = _strongest(bounds.get(f"{dimension}.lower", []), _lower_rank, max)
        upper = _strongest(bounds.get(f"{dimension}.upper", []), _upper_rank, min)
        if lower is not None and upper is not None and _lower_rank(lower) > _upper_rank(upper):
            # gt > lt means "outside [lt, gt]" in both libraries: an exclusive range.
            text = f"outside {upper.text} .. {lower.text}"
            _add(out, f"{type_prefix}{dimension}.outside", Requires(frozenset({text})))
        else:
            _add(out, f"{type_prefix}{dimension}", Range(lower, upper))


def _strongest(
    bounds: list[Bound],
    rank: Callable[[Bound | None], tuple[float, int]],
    pick: Callable[..., Bound],
) -> Bound | None:
    return pick(bounds, key=rank) if bounds else None


def _lower_rank(bound: Bound | None) -> tuple[float, int]:
    """Bigger is stricter. ``None`` (no bound) is the weakest."""
    if bound is None:
        return (-math.inf, 0)
    return (bound.value, 0 if bound.inclusive else 1)


def _upper_rank(bound: Bound | None) -> tuple[float, int]:
    """Smaller is stricter. ``None`` (no bound) is the weakest."""
    if bound is None:
        return (math.inf, 0)
    return (bound.value, 0 if bound.inclusive else -1)


def _add(out: Constraints, key: str, constraint: Constraint) -> None:
    """Add a constraint; the same key from both libraries means both apply."""
    existing = out.get(key)
    out[key] = constraint if existing is None else _both(existing, constraint)


def _both(first: Constraint, second: Constraint) -> Constraint:
    if isinstance(first, Range) and isinstance(second, Range):
        lower = max((first.lower, second.lower), key=_lower_rank)
        upper = min((first.upper, second.upper), key=_upper_rank)
        return Range(lower, upper)
    if isinstance(first, Allowed) and isinstance(second, Allowed):
        return Allowed(first.values & second.values)
    if isinstance(first, Denied) and isinstance(second, Denied):
        return Denied(first.values | second.values)
    if isinstance(first, Requires) and isinstance(second, Requires):
        return Requires(first.values | second.values, first.custom or second.custom)
    if isinstance(first, Exempt) and isinstance(second, Exempt):
        # Within one library the conditions add up; across libraries see _both_libraries.
        return Exempt(first.values | second.values)
    return second


# ---------------------------------------------------------------------------------------
# Values


def _is_extension(key: str) -> bool:
    """A predefined-rule extension inside type rules (``[acme.v1.slug]`` / ``acme.v1.slug``)."""
    return "." in key or key.startswith(("[", "("))


def _listed(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def _number(value: Any) -> float | None:
    """A bound as a number; Duration/Timestamp messages in seconds."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    if isinstance(value, Mapping) and set(value) <= {"seconds", "nanos"}:
        return float(value.get("seconds", 0)) + float(value.get("nanos", 0)) / 1e9
    if isinstance(value, str):
        try:
            return float(value)
        except ValueError:
            return None
    return None


def _in_declared_type(number: float, kind: str) -> float:
    """A `float` rule's number as the field holds it: the same constant reads 1.23 from the
    source and 1.2300000190734863 from a compiled descriptor (float32), and must compare
    equal."""
    if kind != "float" or isinstance(number, int) or not math.isfinite(number):
        return number
    try:
        return struct.unpack("<f", struct.pack("<f", number))[0]
    except OverflowError:
        return number


def _typed(value: Any, kind: str) -> Any:
    number = _number(value) if kind == "float" and not isinstance(value, Mapping) else None
    return _in_declared_type(number, kind) if number is not None else _hashable(value)


def _hashable(value: Any) -> Any:
    number = _number(value) if isinstance(value, Mapping) else None
    if number is not None:
        return number
    if isinstance(value, Mapping):
        return tuple(sorted((str(k), _hashable(v)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        return tuple(_hashable(v) for v in value)
    return value


def _render(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f'"{value}"'
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{k}: {_render(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_render(v) for v in value) + "]"
    return str(value)


def _cel_rules(value: Any) -> frozenset[str]:
    """CEL rules by identity: id and expression (the error message does not validate)."""
    rules: set[str] = set()
    for rule in _listed(value):
        if isinstance(rule, Mapping):
            rule_id = rule.get("id", "")
            expression = rule.get("expression", "")
            rules.add(f"{rule_id}: {expression}" if rule_id else str(expression))
        else:
            rules.add(str(rule))
    return frozenset(rules)


def _message_oneof_rule(rule: Any) -> str:
    if not isinstance(rule, Mapping):
        return _render(rule)
    fields = ", ".join(_listed(rule.get("fields", [])))
    return f"{'exactly' if rule.get('required') else 'at most'} one of ({fields})"


# ---------------------------------------------------------------------------------------
# Comparing


@dataclass(frozen=True)
class Delta:
    """One difference between the constraints of two versions."""

    key: str
    direction: Direction
    before: str  # "none" when the constraint is new
    after: str  # "none" when the constraint is gone
    family: Family
    potential: bool = False  # cannot be proven stricter (CEL, changed patterns)
    bound: str = ""  # "lower" / "upper" for one end of a range

    @property
    def tightens(self) -> bool:
        return self.direction != Direction.LOOSER

    def describe(self) -> str:
        if self.before == "none":
            return f"{self.key} added" if self.after == "true" else f"{self.key} {self.after} added"
        if self.after == "none":
            return f"{self.key} {self.before} removed"
        return f"{self.key} {self.before} → {self.after}"


def compare(
    before: Constraints, after: Constraints, field_element: FieldModel | None = None
) -> list[Delta]:
    """Every difference, each labelled with the family of rule that reports it.

    For a field, when the old rules accepted its unset / empty value and a new or changed
    constraint rejects it, that difference belongs to the REQUIRED family: the field became
    required, whatever the constraint says literally (``min_len: 1``, ``email: true``…).
    """
    base_rejects = rejects_unset(before, field_element) if field_element is not None else None
    deltas: list[Delta] = []
    for key in sorted(before.keys() | after.keys()):
        old, new = before.get(key), after.get(key)
        if old == new:
            continue
        if key == "required" and base_rejects is True and new is not None:
            continue  # `required` on a field whose empty value already failed: no news
        for delta in _compare_one(key, old, new):
            if (
                base_rejects is False
                and field_element is not None
                and new is not None
                and delta.tightens
                and not _exempt_when_zero(after)
                and _rejects_zero(key, _probe(new, delta), field_element) is True
            ):
                delta = _with_family(delta, Family.REQUIRED)
            deltas.append(delta)
    return deltas


def _probe(constraint: Constraint, delta: Delta) -> Constraint:
    """The part of a constraint one delta is about: one end of a range, or all of it."""
    if isinstance(constraint, Range) and delta.bound == "lower":
        return Range(lower=constraint.lower)
    if isinstance(constraint, Range) and delta.bound == "upper":
        return Range(upper=constraint.upper)
    return constraint


def _with_family(delta: Delta, family: Family) -> Delta:
    return replace(delta, family=family)


def _compare_one(key: str, old: Constraint | None, new: Constraint | None) -> list[Delta]:
    family = family_of(key, old if new is None else new)
    if isinstance(old, Range | None) and isinstance(new, Range | None):
        return _compare_ranges(key, old or Range(), new or Range(), family)
    if isinstance(old, Exempt | None) and isinstance(new, Exempt | None):
        return _compare_sets(key, _values(old), _values(new), family, stricter_when_grows=False)
    if isinstance(old, Allowed | None) and isinstance(new, Allowed | None):
        return _compare_allowed(key, old, new, family)
    if isinstance(old, Denied | None) and isinstance(new, Denied | None):
        return _compare_sets(key, _values(old), _values(new), family, stricter_when_grows=True)
    if isinstance(old, Requires | None) and isinstance(new, Requires | None):
        deltas = _compare_sets(key, _values(old), _values(new), family, stricter_when_grows=True)
        return [_potential(d) if _unprovable(d) else d for d in deltas]
    # The shape itself changed (e.g. a rule of another type): treat as a tightening.
    return [Delta(key, Direction.CHANGED, _show(old), _show(new), family, potential=True)]


def _unprovable(delta: Delta) -> bool:
    """CEL can do anything; a regex swapped for another may accept more or less."""
    if delta.family == Family.CUSTOM:
        return delta.tightens
    swapped = delta.direction == Direction.CHANGED
    return swapped and delta.key.endswith(("pattern", "well_known_regex"))


def _potential(delta: Delta) -> Delta:
    return replace(delta, potential=True)


def _values(constraint: Constraint | None) -> frozenset[Any]:
    if constraint is None:
        return frozenset()
    assert not isinstance(constraint, Range)
    return constraint.values


def _compare_ranges(key: str, old: Range, new: Range, family: Family) -> list[Delta]:
    deltas = []
    if _lower_rank(old.lower) != _lower_rank(new.lower):
        direction = (
            Direction.TIGHTER
            if _lower_rank(new.lower) > _lower_rank(old.lower)
            else Direction.LOOSER
        )
        deltas.append(
            Delta(
                key,
                direction,
                _bound_text(old.lower),
                _bound_text(new.lower),
                family,
                bound="lower",
            )
        )
    if _upper_rank(old.upper) != _upper_rank(new.upper):
        direction = (
            Direction.TIGHTER
            if _upper_rank(new.upper) < _upper_rank(old.upper)
            else Direction.LOOSER
        )
        deltas.append(
            Delta(
                key,
                direction,
                _bound_text(old.upper),
                _bound_text(new.upper),
                family,
                bound="upper",
            )
        )
    return deltas


def _compare_allowed(
    key: str, old: Allowed | None, new: Allowed | None, family: Family
) -> list[Delta]:
    if old is None or new is None:  # no `in` list accepts anything
        direction = Direction.TIGHTER if old is None else Direction.LOOSER
        return [Delta(key, direction, _show(old), _show(new), family)]
    return _compare_sets(key, old.values, new.values, family, stricter_when_grows=False)


def _compare_sets(
    key: str,
    old: frozenset[Any],
    new: frozenset[Any],
    family: Family,
    *,
    stricter_when_grows: bool,
) -> list[Delta]:
    if old == new:
        return []
    if old < new or new < old:
        grew = old < new
        tighter = grew == stricter_when_grows
        direction = Direction.TIGHTER if tighter else Direction.LOOSER
    else:
        direction = Direction.CHANGED
    return [Delta(key, direction, _show_set(old), _show_set(new), family)]


def family_of(key: str, constraint: Constraint | None) -> Family:
    head = key.split(".", 1)[0]
    if isinstance(constraint, Requires) and constraint.custom:
        return Family.CUSTOM
    if isinstance(constraint, Exempt):
        return Family.EXEMPT
    if head in COLLECTION_KINDS:
        return Family.COLLECTION
    if head == "required":
        return Family.REQUIRED
    if head in STRING_KINDS:
        return Family.STRING
    if head in NUMBER_KINDS:
        return Family.NUMBER
    if head in ALLOWED_VALUE_KINDS:
        return Family.ENUM
    return Family.MESSAGE


# ---------------------------------------------------------------------------------------
# Does a field's unset / zero value pass?


def rejects_unset(constraints: Constraints, field_element: FieldModel) -> bool | None:
    """Whether the rules reject a field an old client never sets (None: cannot tell).

    Unset explicit-presence fields (messages, `optional`, oneof members) are only checked
    by `required`; implicit-presence scalars are checked as their zero value; repeated and
    map fields as empty.
    """
    if _exempt_when_zero(constraints):
        return False
    if "required" in constraints:
        return True
    if field_element.presence == Presence.EXPLICIT:
        return False
    verdicts = [_rejects_zero(key, c, field_element) for key, c in constraints.items()]
    if True in verdicts:
        return True
    return None if None in verdicts else False


def _exempt_when_zero(constraints: Constraints) -> bool:
    exempt = constraints.get("skip")
    return isinstance(exempt, Exempt) and bool(exempt.values & {_WHEN_ZERO, _ALWAYS})


def _rejects_zero(key: str, constraint: Constraint, field_element: FieldModel) -> bool | None:
    """Whether one top-level constraint rejects the field's unset / zero / empty value."""
    if key == "required":
        return True
    if key == "skip":
        return False
    if field_element.presence == Presence.EXPLICIT:
        return False
    kind, _, rest = key.partition(".")
    if rest.split(".")[0] in _NESTED:
        return False  # element, key and value rules do not apply to an empty collection
    if kind == "cel" or (isinstance(constraint, Requires) and constraint.custom):
        return None  # a CEL expression may or may not accept the zero value
    if kind not in TYPE_KINDS:
        return False
    return _zero_fails(rest, constraint, _ZERO_VALUES.get(kind, 0))


# The value an old client "sends" by not setting a field; sizes and counts are 0 too.
_ZERO_VALUES: dict[str, Any] = {"string": "", "bytes": "", "bool": False}


def _zero_fails(rule: str, constraint: Constraint, zero: Any) -> bool | None:
    if isinstance(constraint, Range):
        return not _in_range(0, constraint)
    if isinstance(constraint, Allowed):
        return zero not in constraint.values
    if isinstance(constraint, Denied):
        return zero in constraint.values
    if isinstance(constraint, Exempt):
        return False
    return _zero_fails_requirement(rule, constraint.values, zero)


def _in_range(value: float, constraint: Range) -> bool:
    lower, upper = constraint.lower, constraint.upper
    above = lower is None or value > lower.value or (lower.inclusive and value == lower.value)
    below = upper is None or value < upper.value or (upper.inclusive and value == upper.value)
    return above and below


def _zero_fails_requirement(rule: str, values: Iterable[Any], zero: Any) -> bool | None:
    values = list(values)
    if rule == "const":
        return any(v != zero for v in values)
    if rule in ("prefix", "suffix", "contains"):
        return any(v != "" for v in values)
    if rule in _EMPTY_REJECTING_FORMATS:
        return True
    if rule == "well_known_regex":
        return any(str(v) in _EMPTY_REJECTING_REGEXES for v in values)
    if rule == "pattern":
        return _pattern_rejects_empty(values)
    if rule.endswith("outside"):
        return None
    return False  # not_contains, defined_only, unique, finite, lt_now…: zero passes


def _pattern_rejects_empty(patterns: Iterable[Any]) -> bool | None:
    """RE2 patterns as Python regexes: close enough for "does '' match?", else unknown."""
    for pattern in patterns:
        try:
            if re.search(str(pattern), "") is None:
                return True
        except re.error:
            return None
    return False


# ---------------------------------------------------------------------------------------
# Rendering


def _bound_text(bound: Bound | None) -> str:
    return bound.text if bound is not None else "none"


def _show(constraint: Constraint | None) -> str:
    if constraint is None:
        return "none"
    if isinstance(constraint, Range):
        parts = [b.text for b in (constraint.lower, constraint.upper) if b is not None]
        return ", ".join(dict.fromkeys(parts)) or "none"
    return _show_set(constraint.values)


def _show_set(values: frozenset[Any]) -> str:
    if not values:
        return "none"
    shown = sorted(_render(v) for v in values)
    return shown[0] if len(shown) == 1 else "[" + ", ".join(shown) + "]"
