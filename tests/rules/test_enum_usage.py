"""Enums that nothing uses (bitmask helpers beside a `fixed32 flags` field, as
opentelemetry-proto's `LogRecordFlags`) and zero values that keep saying "not set"."""

from __future__ import annotations

from compat_checker.findings import Severity
from compat_checker.rules.common import proto3
from tests.rules._harness import diff

FLAGS = """
// Bit masks for LogRecord.flags.
enum LogRecordFlags {
  {zero} = 0;
  {mask} = 255;
}

message LogRecord {
  fixed32 flags = 1;
}
"""


def flags(
    zero: str = "LOG_RECORD_FLAG_DO_NOT_USE", mask: str = "LOG_RECORD_FLAG_TRACE_MASK"
) -> str:
    return proto3(FLAGS.replace("{zero}", zero).replace("{mask}", mask))


def test_renaming_values_of_an_enum_no_field_uses_is_a_source_change_only() -> None:
    after = flags("LOG_RECORD_FLAGS_DO_NOT_USE", "LOG_RECORD_FLAGS_TRACE_MASK")
    changes = diff(flags(), after)
    assert not [c for c in changes if c.rule == "ENUM_ZERO_VALUE_CHANGED"]
    renamed = [c for c in changes if c.rule == "ENUM_VALUE_RENAMED"]
    assert len(renamed) == 2
    for change in renamed:
        assert change.severity == Severity.MEDIUM
        assert "JSON is unaffected" in change.message and "generated constants" in change.message


def test_the_zero_value_of_an_unused_enum_may_change_meaning() -> None:
    changes = diff(flags(), flags(zero="LOG_RECORD_FLAG_ALL"))
    assert not [c for c in changes if c.rule == "ENUM_ZERO_VALUE_CHANGED"]


def test_one_not_set_name_for_another_keeps_zero_meaning_the_same() -> None:
    used = FLAGS.replace("fixed32 flags = 1;", "LogRecordFlags flags = 1;")
    before = proto3(used.replace("{zero}", "FLAG_NONE").replace("{mask}", "FLAG_MASK"))
    after = proto3(used.replace("{zero}", "FLAG_DO_NOT_USE").replace("{mask}", "FLAG_MASK"))
    changes = diff(before, after)
    assert not [c for c in changes if c.rule == "ENUM_ZERO_VALUE_CHANGED"]
    [renamed] = [c for c in changes if c.rule == "ENUM_VALUE_RENAMED"]
    assert renamed.severity == Severity.HIGH  # a field holds it: JSON carries the name


def test_a_used_enum_whose_zero_gets_a_real_meaning_still_blocks() -> None:
    used = FLAGS.replace("fixed32 flags = 1;", "LogRecordFlags flags = 1;")
    before = proto3(used.replace("{zero}", "FLAG_UNSPECIFIED").replace("{mask}", "FLAG_MASK"))
    after = proto3(used.replace("{zero}", "FLAG_ENABLED").replace("{mask}", "FLAG_MASK"))
    [zero] = [c for c in diff(before, after) if c.rule == "ENUM_ZERO_VALUE_CHANGED"]
    assert zero.is_breaking and "now has a real meaning" in zero.message


def test_a_not_set_word_inside_the_name_is_still_not_set() -> None:
    # opentelemetry-proto e75abec3: PARENT_SPAN_IS_REMOTE_UNSET → PARENT_SPAN_UNKNOWN_REMOTE
    used = FLAGS.replace("fixed32 flags = 1;", "LogRecordFlags flags = 1;")
    before = proto3(used.replace("{zero}", "FLAG_IS_REMOTE_UNSET").replace("{mask}", "FLAG_MASK"))
    after = proto3(used.replace("{zero}", "FLAG_UNKNOWN_REMOTE").replace("{mask}", "FLAG_MASK"))
    changes = diff(before, after)
    assert not [c for c in changes if c.rule == "ENUM_ZERO_VALUE_CHANGED"]
    assert [c.rule for c in changes if c.is_breaking] == ["ENUM_VALUE_RENAMED"]
