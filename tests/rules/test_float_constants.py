"""Validation numbers on `float` fields compare as float32, the field's own type: one side
parsed from source (1.23) and the other read from a compiled descriptor
(1.2300000190734863) are the same rule (protovalidate 4b5f8736, 69ac24eb)."""

from __future__ import annotations

from compat_checker.rules._fixtures import PROTOVALIDATE, with_service
from tests.rules._harness import diff


def request(rules: str, field_type: str = "float") -> str:
    return with_service(
        f"message CreateTaskRequest {{\n  {field_type} ratio = 1 [(buf.validate.field).{field_type} = {{{rules}}}];\n}}\n"
        "message Task {\n  string title = 1;\n}",
        PROTOVALIDATE,
    )


def validation(before: str, after: str) -> list[str]:
    return [c.rule for c in diff(before, after) if c.rule.startswith("VALIDATION_")]


def test_a_float_constant_read_as_float32_is_the_same_constant() -> None:
    assert validation(request("const: 1.23"), request("const: 1.2300000190734863")) == []
    assert (
        validation(
            request("gt: 0.1, lt: 1.1"), request("gt: 0.10000000149011612, lt: 1.100000023841858")
        )
        == []
    )
    assert (
        validation(
            request("in: [0.1, 0.2]"), request("in: [0.10000000149011612, 0.20000000298023224]")
        )
        == []
    )


def test_a_float_constant_that_really_changed_is_still_seen() -> None:
    assert validation(request("lt: 1.5"), request("lt: 1.25")) != []
    assert validation(request("const: 1.23"), request("const: 1.24")) != []


def test_doubles_keep_their_precision() -> None:
    before, after = request("lt: 1.23", "double"), request("lt: 1.2300000190734863", "double")
    assert validation(before, after) != []  # a double bound really moved
