"""Rewordings that keep a comment's promise are not removed guarantees (the cases of
issue 13, written as our own fixtures)."""

from __future__ import annotations

import pytest

from compat_checker.rules._claims import compare_claims


@pytest.mark.parametrize(
    ("before", "after", "moved_to"),
    [
        # A stronger RFC 2119 modal keeps the obligation.
        (
            "table[0] must always be zero value and present.",
            "table[0] MUST be the zero value and present.",
            "",
        ),
        # "never X unless Y" is "only X if Y".
        (
            "Validation is never skipped unless the field is unset.",
            "Validation is only skipped if the field is unset.",
            "",
        ),
        # A bound restated as an amount.
        ("Reuse the cached result for up to 60s.", "Reuse the cached result for 60 seconds.", ""),
        # Governance prose, links and paths in code are not the API contract.
        (
            "Changes must be approved by at least two OWNERS.\nThe id is unique.",
            "The id is unique.",
            "",
        ),
        ("See https://example.invalid/always/unique for details.", "See the guide.", ""),
        ("Name like `operations/some/unique/name`.", "Name ending with `operations/{id}`.", ""),
        # The guarantee moved to the enclosing message's comment.
        (
            "Entry 0 must always be the zero value.",
            "Entry 0 is reserved.",
            "All tables MUST have a zero value first.",
        ),
    ],
)
def test_a_kept_promise_is_not_a_removed_guarantee(before: str, after: str, moved_to: str) -> None:
    assert compare_claims(before, after, moved_to).guarantees_removed == ()


def test_a_real_removal_still_counts() -> None:
    assert compare_claims("Always set by the server.", "Set by the server.").guarantees_removed
    assert compare_claims("Names are unique.", "Names are chosen by the caller.").guarantees_removed
    assert compare_claims("The value must be set.", "The value may be set.").guarantees_removed
