"""Claims extracted from comments, and what comparing two versions reports (pure functions)."""

from __future__ import annotations

import pytest

from compat_checker.rules._claims import ClaimChanges, compare_claims, extract_claims

QUIET = ClaimChanges()


# ---- extraction ----


def test_units_are_declarations_not_quantities() -> None:
    claims = extract_claims("Timeout in milliseconds. Reminders go out 24 hours before.")
    assert claims.units == {"time": frozenset({"milliseconds"})}
    assert [(limit.kind, limit.subject) for limit in claims.limits] == [("amount", "hours")]


@pytest.mark.parametrize(
    ("text", "dimension", "unit"),
    [
        ("Price of the item in cents.", "money", "cents"),
        ("Seconds since the Unix epoch.", "time", "seconds"),
        ("Payload size (bytes).", "size", "bytes"),
        ("Number of milliseconds to wait.", "time", "milliseconds"),
        ("Due time, in UTC.", "time zone", "utc"),
        ("Discount as a percentage.", "ratio", "percent"),
    ],
)
def test_unit_declarations(text: str, dimension: str, unit: str) -> None:
    assert extract_claims(text).units == {dimension: frozenset({unit})}


def test_ordering_claims_are_canonical() -> None:
    claims = extract_claims(
        "Lists tasks, sorted by `create_time` descending (newest first), ties broken by `name`."
    )
    assert claims.ordering == {"by create_time", "descending", "newest first", "then by name"}
    assert extract_claims("Most relevant first.").ordering == extract_claims("Best first.").ordering


def test_guarantees_are_counted_and_negation_is_seen() -> None:
    claims = extract_claims("Always set by the server. Never reused. Unique within the service.")
    assert claims.guarantees == {"always set": 1, "never reused": 1, "unique": 1}
    assert extract_claims("Not always set.").guarantees == {"not always set": 1}
    assert extract_claims("The order is not guaranteed.").guarantees == {"not guaranteed": 1}


def test_nullability_claims() -> None:
    assert extract_claims("May be empty. Can be null.").nullability == {"empty", "null"}
    assert extract_claims("Empty for the first page.").nullability == {"empty"}
    assert extract_claims("Optional: the server picks one.").nullability == {"optional"}


def test_limits_normalise_ranges_and_units() -> None:
    limits = extract_claims("1 to 200 characters; at most 20 labels per task.").limits
    assert [(limit.kind, limit.number, limit.subject) for limit in limits] == [
        ("min", 1.0, "characters"),
        ("max", 200.0, "characters"),
        ("max", 20.0, "label"),
    ]
    assert [limit.number for limit in extract_claims("0 means the default of 50.").limits] == [50.0]


# ---- comparing: what must fire ----


@pytest.mark.parametrize(
    ("before", "after", "expected"),
    [
        ("Timeout in seconds.", "Timeout in milliseconds.", ("seconds → milliseconds",)),
        ("Amount in cents.", "Amount in dollars.", ("cents → dollars",)),
        ("Size in bytes.", "Size in KB.", ("bytes → kilobytes",)),
        ("Due time, in UTC.", "Due time, in local time.", ("utc → local time",)),
    ],
)
def test_unit_changes(before: str, after: str, expected: tuple[str, ...]) -> None:
    assert compare_claims(before, after).units == expected


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("Always set by the server.", "Set by the server."),
        ("Never reused.", "Rarely reused."),
        ("Unique within the service.", "An identifier."),
        ("Only set when status is DONE.", "Set when status is DONE."),
        ("The call is idempotent.", "The call may be retried."),
        ("Always set.", "Not always set."),
        ("A page holds at most 100 tasks.", "A page holds some tasks."),
        ("Never changes after create.", "Set on create."),
        ("The operation is guaranteed to finish.", "The operation finishes."),
    ],
)
def test_removed_guarantees(before: str, after: str) -> None:
    assert compare_claims(before, after).guarantees_removed


def test_ordering_changed_or_dropped() -> None:
    assert compare_claims("Newest first.", "Oldest first.").ordering == (
        "newest first → oldest first",
    )
    assert compare_claims("Sorted by name.", "The tasks.").ordering == ("by name → not stated",)


def test_nullability_changed_either_way() -> None:
    assert compare_claims("The email.", "The email; may be empty.").nullability == (
        "may now be empty",
    )
    assert compare_claims("May be null.", "The email.").nullability == (
        "no longer says it may be null",
    )


@pytest.mark.parametrize(
    ("before", "after"),
    [
        ("At most 100 tasks.", "At most 1000 tasks."),
        ("Reminders go out 24 hours before.", "Reminders go out 1 hour before."),
        ("Defaults to 50.", "Defaults to 20."),
        ("Unset means PRIORITY_MEDIUM.", "Unset means PRIORITY_LOW."),
        ("At most 63 characters.", "At most 63 bytes."),
    ],
)
def test_limit_changes(before: str, after: str) -> None:
    assert compare_claims(before, after).limits


# ---- comparing: what must stay quiet ----


@pytest.mark.parametrize(
    ("before", "after"),
    [
        # Reformatting and re-wrapping.
        ("Timeout in seconds. Always set.", "Timeout in seconds.\nAlways   set."),
        ("Lists tasks, newest\nfirst.", "Lists tasks,\nnewest first."),
        # Typo fixes.
        ("Alwasy set by the sever.", "Alwasy set by the server."),
        ("At most 63 charcters.", "At most 63 characters."),
        ("Recieved in seconds.", "Received in seconds."),
        # Rewording without a change of meaning.
        ("At most 100 tasks.", "No more than 100 tasks."),
        ("1 to 200 characters.", "Between 1 and 200 characters."),
        ("Sent 24 hours before.", "Sent 1 day before."),
        ("Up to thirty seconds.", "At most 30 seconds."),
        ("Most relevant first.", "Best first."),
        (
            "Sorted by create_time descending (newest first).",
            "Newest first: sorted by create_time descending.",
        ),
        ("Never returned by the server.", "The server never returns it."),
        # Additions that take nothing away.
        ("The task title.", "The task title. Always set; unique per project."),
        ("Timeout in seconds.", "Timeout in seconds. Retries share it."),
        ("Tasks.", "Tasks, newest first."),
        ("The task title.", "The task title. At most 200 characters."),
        # protoguard directives are not documentation.
        ("Always set.", "Always set.\nprotoguard:ignore DOC_LIMIT_CHANGED never mind"),
    ],
)
def test_quiet(before: str, after: str) -> None:
    assert compare_claims(before, after) == QUIET
