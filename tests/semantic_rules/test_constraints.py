"""Validation constraints from PGV and protovalidate options: reading, merging, comparing."""

from __future__ import annotations

from typing import Any

import pytest

from compat_checker.rules._constraints import (
    Direction,
    Family,
    compare,
    field_constraints,
    message_constraints,
    oneof_constraints,
    rejects_unset,
)
from protomodel.model import (
    FieldModel,
    Label,
    Location,
    MessageModel,
    OneofModel,
    Presence,
    TypeKind,
)


def make_field(
    pgv: dict[str, Any] | None = None,
    protovalidate: dict[str, Any] | None = None,
    *,
    type_: str = "string",
    presence: Presence = Presence.IMPLICIT,
    label: Label = Label.OPTIONAL,
) -> FieldModel:
    options: dict[str, Any] = {}
    if pgv is not None:
        options["validate.rules"] = pgv
    if protovalidate is not None:
        options["buf.validate.field"] = protovalidate
    kind = TypeKind.MESSAGE if type_[0].isupper() else TypeKind.SCALAR
    return FieldModel(
        name="f",
        fqn="acme.v1.M.f",
        number=1,
        type=type_,
        type_kind=kind,
        presence=presence,
        label=label,
        location=Location(file="a.proto"),
        options=options,
    )


def deltas(before: FieldModel, after: FieldModel) -> list[tuple[str, Direction, Family]]:
    found = compare(field_constraints(before), field_constraints(after), after)
    return [(d.key, d.direction, d.family) for d in found]


T, L, C = Direction.TIGHTER, Direction.LOOSER, Direction.CHANGED


# ---- strings ----


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ({"max_len": 200}, {"max_len": 100}, [("string.len", T, Family.STRING)]),
        ({"max_len": 100}, {"max_len": 200}, [("string.len", L, Family.STRING)]),
        ({"min_len": 1}, {"min_len": 3}, [("string.len", T, Family.STRING)]),
        ({}, {"max_bytes": 10}, [("string.bytes", T, Family.STRING)]),
        ({"pattern": "^a*$"}, {"pattern": "^b*$"}, [("string.pattern", C, Family.STRING)]),
        ({}, {"prefix": "x"}, [("string.prefix", T, Family.REQUIRED)]),
        ({}, {"not_contains": "x"}, [("string.not_contains", T, Family.STRING)]),
        ({"in": ["a", "b", ""]}, {"in": ["a", ""]}, [("string.in", T, Family.STRING)]),
        ({"in": ["a"]}, {"in": ["a", "b"]}, [("string.in", L, Family.STRING)]),
        ({"not_in": ["a"]}, {"not_in": ["a", "b"]}, [("string.not_in", T, Family.STRING)]),
        ({"const": "a"}, {"const": "b"}, [("string.const", C, Family.STRING)]),
        ({"min_len": 1}, {"min_len": 1, "example": ["x"]}, []),
    ],
)
def test_string_rules(
    before: dict[str, Any], after: dict[str, Any], expected: list[tuple[str, Direction, Family]]
) -> None:
    assert deltas(make_field({"string": before}), make_field({"string": after})) == expected


def test_a_pattern_that_changed_is_potential() -> None:
    found = compare(
        field_constraints(make_field({"string": {"pattern": "^a*$"}})),
        field_constraints(make_field({"string": {"pattern": "^[ab]*$"}})),
    )
    assert [d.potential for d in found] == [True]


def test_an_empty_rejecting_format_on_an_unconstrained_field_makes_it_required() -> None:
    found = deltas(make_field(), make_field(protovalidate={"string": {"email": True}}))
    assert found == [("string.email", T, Family.REQUIRED)]


def test_a_format_on_a_field_whose_empty_value_already_failed_is_a_string_rule() -> None:
    before = make_field({"string": {"min_len": 1}})
    after = make_field({"string": {"min_len": 1, "email": True}})
    assert deltas(before, after) == [("string.email", T, Family.STRING)]


def test_min_len_one_on_an_unconstrained_field_is_required() -> None:
    assert deltas(make_field(), make_field({"string": {"min_len": 1}})) == [
        ("string.len", T, Family.REQUIRED)
    ]


def test_min_len_with_ignore_empty_is_not_required() -> None:
    after = make_field({"string": {"min_len": 1, "ignore_empty": True}})
    assert ("string.len", T, Family.STRING) in deltas(make_field(), after)


# ---- both libraries ----


def test_moving_a_rule_between_libraries_is_no_change() -> None:
    before = make_field({"string": {"min_len": 1, "max_len": 10}})
    after = make_field(protovalidate={"string": {"min_len": 1, "max_len": 10}})
    assert deltas(before, after) == []


def test_both_libraries_apply_together() -> None:
    field = make_field({"string": {"max_len": 10}}, {"string": {"max_len": 5}})
    assert deltas(make_field({"string": {"max_len": 5}}), field) == []


def test_a_skip_in_one_library_does_not_exempt_the_other() -> None:
    field = make_field(
        {"string": {"min_len": 1}},
        {"string": {"uuid": True}, "ignore": "IGNORE_IF_ZERO_VALUE"},
    )
    assert rejects_unset(field_constraints(field), field) is True


def test_pgv_message_required_and_protovalidate_required_are_the_same() -> None:
    before = make_field({"message": {"required": True}}, type_="Task", presence=Presence.EXPLICIT)
    after = make_field(protovalidate={"required": True}, type_="Task", presence=Presence.EXPLICIT)
    assert deltas(before, after) == []


# ---- numbers ----


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ({"gte": 0, "lte": 10}, {"gte": 0, "lt": 5}, [("int32.value", T, Family.NUMBER)]),
        ({"gt": 0}, {"gte": 1}, []),  # the same for integers
        ({"gte": -5}, {"gte": -1}, [("int32.value", T, Family.NUMBER)]),
        ({"lte": 10}, {}, [("int32.value", L, Family.NUMBER)]),
        ({}, {"gt": 0}, [("int32.value", T, Family.REQUIRED)]),  # zero now fails
        ({"in": [0, 1, 2]}, {"in": [0, 1]}, [("int32.in", T, Family.NUMBER)]),
        ({"not_in": [5]}, {"not_in": [5, 6]}, [("int32.not_in", T, Family.NUMBER)]),
        ({"gt": 10, "lt": 5}, {"gt": 10, "lt": 5}, []),  # an exclusive range, unchanged
    ],
)
def test_integer_rules(
    before: dict[str, Any], after: dict[str, Any], expected: list[tuple[str, Direction, Family]]
) -> None:
    old = make_field({"int32": before}, type_="int32")
    new = make_field(protovalidate={"int32": after}, type_="int32")
    assert deltas(old, new) == expected


def test_float_exclusive_bounds_are_stricter_than_inclusive_ones() -> None:
    old = make_field({"double": {"gte": 0.5}}, type_="double")
    new = make_field({"double": {"gt": 0.5}}, type_="double")
    assert deltas(old, new) == [("double.value", T, Family.NUMBER)]


@pytest.mark.parametrize(
    "kind",
    [
        "int64",
        "uint32",
        "uint64",
        "sint32",
        "sint64",
        "fixed32",
        "fixed64",
        "sfixed32",
        "sfixed64",
        "float",
    ],
)
def test_every_scalar_kind_is_a_number(kind: str) -> None:
    old = make_field({kind: {"lte": 100}}, type_=kind)
    new = make_field({kind: {"lte": 50}}, type_=kind)
    assert deltas(old, new) == [(f"{kind}.value", T, Family.NUMBER)]


def test_duration_bounds_compare_in_seconds() -> None:
    old = make_field(
        {"duration": {"lte": {"seconds": 60}}}, type_="Duration", presence=Presence.EXPLICIT
    )
    new = make_field(
        {"duration": {"lte": {"seconds": 59, "nanos": 500_000_000}}},
        type_="Duration",
        presence=Presence.EXPLICIT,
    )
    assert deltas(old, new) == [("duration.value", T, Family.NUMBER)]


def test_timestamp_within_shrinking_is_tighter() -> None:
    old = make_field(
        {"timestamp": {"within": {"seconds": 3600}}}, type_="Timestamp", presence=Presence.EXPLICIT
    )
    new = make_field(
        {
            "timestamp": {"within": {"seconds": 60}},
        },
        type_="Timestamp",
        presence=Presence.EXPLICIT,
    )
    assert deltas(old, new) == [("timestamp.within", T, Family.NUMBER)]


# ---- collections, enums ----


def test_repeated_rules_recurse_into_items() -> None:
    old = make_field({"repeated": {"max_items": 10}}, label=Label.REPEATED, presence=Presence.NONE)
    new = make_field(
        {"repeated": {"max_items": 10, "unique": True, "items": {"string": {"max_len": 5}}}},
        label=Label.REPEATED,
        presence=Presence.NONE,
    )
    assert deltas(old, new) == [
        ("repeated.items.string.len", T, Family.COLLECTION),
        ("repeated.unique", T, Family.COLLECTION),
    ]


def test_min_items_one_makes_a_repeated_field_required() -> None:
    old = make_field(label=Label.REPEATED, presence=Presence.NONE)
    new = make_field({"repeated": {"min_items": 1}}, label=Label.REPEATED, presence=Presence.NONE)
    assert deltas(old, new) == [("repeated.count", T, Family.REQUIRED)]


def test_map_rules() -> None:
    old = make_field(
        {"map": {"max_pairs": 10}}, type_="map", label=Label.REPEATED, presence=Presence.NONE
    )
    new = make_field(
        {"map": {"max_pairs": 5, "keys": {"string": {"min_len": 1}}}},
        type_="map",
        label=Label.REPEATED,
        presence=Presence.NONE,
    )
    assert deltas(old, new) == [
        ("map.count", T, Family.COLLECTION),
        ("map.keys.string.len", T, Family.COLLECTION),
    ]


def test_enum_rules() -> None:
    old = make_field({"enum": {"not_in": [2]}}, type_="Status")
    new = make_field(
        protovalidate={"enum": {"defined_only": True, "not_in": [2, 3]}}, type_="Status"
    )
    assert deltas(old, new) == [
        ("enum.defined_only", T, Family.ENUM),
        ("enum.not_in", T, Family.ENUM),
    ]


# ---- CEL, skip conditions ----


def test_cel_rules_compare_by_id_and_expression_not_message() -> None:
    def cel(expression: str, message: str) -> FieldModel:
        return make_field(
            protovalidate={"cel": [{"id": "x", "message": message, "expression": expression}]}
        )

    assert deltas(cel("this != ''", "a"), cel("this != ''", "b")) == []
    found = compare(field_constraints(cel("a", "m")), field_constraints(cel("b", "m")))
    assert [(d.family, d.direction, d.potential) for d in found] == [(Family.CUSTOM, C, True)]


def test_predefined_rules_are_custom() -> None:
    old = make_field(protovalidate={"string": {"max_len": 5}})
    new = make_field(protovalidate={"string": {"max_len": 5, "[acme.v1.slug]": True}})
    assert deltas(old, new) == [("string.[acme.v1.slug]", T, Family.CUSTOM)]


@pytest.mark.parametrize(
    ("before", "after", "direction"),
    [
        ("IGNORE_IF_ZERO_VALUE", None, T),
        (None, "IGNORE_ALWAYS", L),
        ("IGNORE_IF_ZERO_VALUE", "IGNORE_ALWAYS", L),
        ("IGNORE_ALWAYS", "IGNORE_IF_ZERO_VALUE", T),
        ("IGNORE_IF_UNPOPULATED", "IGNORE_IF_ZERO_VALUE", None),
    ],
)
def test_ignore_levels(before: str | None, after: str | None, direction: Direction | None) -> None:
    def ignoring(value: str | None) -> FieldModel:
        rules: dict[str, Any] = {"string": {"uuid": True}}
        if value:
            rules["ignore"] = value
        return make_field(protovalidate=rules)

    expected = [] if direction is None else [("skip", direction, Family.EXEMPT)]
    assert deltas(ignoring(before), ignoring(after)) == expected


# ---- unset values ----


@pytest.mark.parametrize(
    ("rules", "type_", "presence", "expected"),
    [
        ({"required": True}, "Task", Presence.EXPLICIT, True),
        ({"message": {"required": True}}, "Task", Presence.EXPLICIT, True),
        ({"string": {"min_len": 1}}, "string", Presence.EXPLICIT, False),  # proto3 optional
        ({"string": {"min_len": 1}}, "string", Presence.IMPLICIT, True),
        ({"string": {"max_len": 1}}, "string", Presence.IMPLICIT, False),
        ({"string": {"pattern": "^[a-z]+$"}}, "string", Presence.IMPLICIT, True),
        ({"string": {"pattern": "^[a-z]*$"}}, "string", Presence.IMPLICIT, False),
        ({"string": {"pattern": "(?<bad"}}, "string", Presence.IMPLICIT, None),
        ({"string": {"uri_ref": True}}, "string", Presence.IMPLICIT, False),
        ({"int32": {"gte": 0}}, "int32", Presence.IMPLICIT, False),
        ({"int32": {"in": [1, 2]}}, "int32", Presence.IMPLICIT, True),
        ({"bool": {"const": True}}, "bool", Presence.IMPLICIT, True),
        ({"bool": {"const": False}}, "bool", Presence.IMPLICIT, False),
        ({"cel": [{"id": "x", "expression": "this > 0"}]}, "int32", Presence.IMPLICIT, None),
    ],
)
def test_rejects_unset(
    rules: dict[str, Any], type_: str, presence: Presence, expected: bool | None
) -> None:
    field = make_field(protovalidate=rules, type_=type_, presence=presence)
    assert rejects_unset(field_constraints(field), field) is expected


# ---- oneofs, messages ----


def test_oneof_required_from_either_library() -> None:
    def oneof(options: dict[str, Any]) -> OneofModel:
        return OneofModel(
            name="o", fqn="acme.v1.M.o", location=Location(file="a.proto"), options=options
        )

    pgv, protovalidate = (
        oneof({"validate.required": True}),
        oneof({"buf.validate.oneof": {"required": True}}),
    )
    assert oneof_constraints(pgv) == oneof_constraints(protovalidate) != {}
    assert oneof_constraints(oneof({})) == {}


def test_message_rules() -> None:
    def message(options: dict[str, Any]) -> MessageModel:
        return MessageModel(
            name="M", fqn="acme.v1.M", location=Location(file="a.proto"), options=options
        )

    disabled = message({"validate.disabled": True})
    cel = message({"buf.validate.message": {"cel": [{"id": "a", "expression": "true"}]}})
    oneof = message({"buf.validate.message": {"oneof": [{"fields": ["a", "b"], "required": True}]}})
    assert [
        d.direction
        for d in compare(message_constraints(disabled), message_constraints(message({})))
    ] == [T]
    assert [
        d.potential for d in compare(message_constraints(message({})), message_constraints(cel))
    ] == [True]
    found = compare(message_constraints(message({})), message_constraints(oneof))
    assert [(d.direction, d.after) for d in found] == [(T, '"exactly one of (a, b)"')]
