"""A repository's written compatibility promise outranks a narrower buf.yaml for the
checks it names (compat_checker/promises.py), and only for those."""

from __future__ import annotations

import pytest

from compat_checker.buf import BufRunner
from compat_checker.promises import promises_in
from tests.bufconfig.test_bufconfig import _check, _repo

BUF = BufRunner()
WIRE_ONLY = "version: v1\nbreaking:\n  use: [WIRE]\n"
OTEL_LIKE_README = """\
# Our API

## Stability Definition

Components marked `Stable` provide the following guarantees:

- Field types, numbers and names will not change.
- Numbers assigned to `enum` choices will not change.
- `optional` and `repeated` declarators of existing fields will not change. [from 1.0.0]

The following additive changes are allowed:

- Adding new fields to existing `message`s.
"""
SPAN = """\
syntax = "proto3";
package acme.trace.v1;
message Span {
  string trace_id = 1;
  optional double weight = 2;
  int64 start_time = 3;
}
"""


def _documents(**texts: str):
    return lambda path: texts.get(path)


def test_a_stability_list_promises_names_types_and_declarators():
    promises = promises_in(_documents(**{"README.md": OTEL_LIKE_README}))
    assert [(p.line, sorted(p.buf_rules)) for p in promises] == [
        (
            7,
            [
                "FIELD_SAME_CARDINALITY",
                "FIELD_SAME_JSON_NAME",
                "FIELD_SAME_LABEL",
                "FIELD_SAME_NAME",
                "FIELD_SAME_TYPE",
            ],
        ),
        (9, ["FIELD_SAME_CARDINALITY", "FIELD_SAME_LABEL"]),
    ]
    assert promises[0].cite() == (
        "README.md:7 promises “Field types, numbers and names will not change.”"
    )


@pytest.mark.parametrize(
    "text",
    [
        "Field names may change while the API is in beta.",
        "Adding fields will not change the wire format.",
        "The service names will not change.",  # services are checked by buf's WIRE rules
        "```\n// field names will not change\n```",  # an example, not a statement
        "Renaming a field is allowed: names are not part of the contract.",
    ],
)
def test_sentences_that_promise_no_field_contract_are_not_promises(text):
    assert promises_in(_documents(**{"README.md": text})) == ()


def test_only_the_policy_documents_are_read():
    read: list[str] = []

    def reader(path: str) -> str | None:
        read.append(path)
        return None

    promises_in(reader)
    assert "README.md" in read and all("/" not in p or p.startswith("docs/") for p in read)


@pytest.mark.skipif(not BUF.available, reason="buf not installed")
@pytest.mark.parametrize("no_buf", [False, True])
def test_a_rename_under_wire_blocks_when_the_readme_promises_names(tmp_path, no_buf):
    renamed = SPAN.replace("int64 start_time = 3", "int64 start_time_unix_nano = 3")
    repo = _repo(
        tmp_path,
        {"buf.yaml": WIRE_ONLY, "README.md": OTEL_LIKE_README, "trace.proto": SPAN},
        {"buf.yaml": WIRE_ONLY, "README.md": OTEL_LIKE_README, "trace.proto": renamed},
    )
    verdict = _check(repo, no_buf=no_buf)
    assert not verdict.can_deploy
    (change,) = verdict.changes
    assert change.rule == "FIELD_RENAMED" and change.buf_rules == []
    assert "README.md:7 promises “Field types, numbers and names will not change.”" in (
        change.message
    )


@pytest.mark.skipif(not BUF.available, reason="buf not installed")
def test_without_the_promise_the_wire_config_decides(tmp_path):
    renamed = SPAN.replace("int64 start_time = 3", "int64 start_time_unix_nano = 3")
    readme = "# Our API\n\nField names may change while the API is in beta.\n"
    repo = _repo(
        tmp_path,
        {"buf.yaml": WIRE_ONLY, "README.md": readme, "trace.proto": SPAN},
        {"buf.yaml": WIRE_ONLY, "README.md": readme, "trace.proto": renamed},
    )
    assert _check(repo).can_deploy


@pytest.mark.skipif(not BUF.available, reason="buf not installed")
def test_dropping_optional_breaks_a_promise_about_field_types(tmp_path):
    readme = "# API\n\n- Field types, numbers and names will not change.\n"
    implicit = SPAN.replace("optional double weight", "double weight")
    repo = _repo(
        tmp_path,
        {"buf.yaml": WIRE_ONLY, "README.md": readme, "trace.proto": SPAN},
        {"buf.yaml": WIRE_ONLY, "README.md": readme, "trace.proto": implicit},
    )
    verdict = _check(repo)
    assert [c.rule for c in verdict.changes if c.blocks] == ["FIELD_PRESENCE_CHANGED"]


@pytest.mark.skipif(not BUF.available, reason="buf not installed")
def test_a_promise_does_not_reach_into_ignored_paths(tmp_path):
    buf_yaml = "version: v1\nbreaking:\n  use: [WIRE]\n  ignore: [legacy]\n"
    renamed = SPAN.replace("int64 start_time = 3", "int64 start_time_unix_nano = 3")
    repo = _repo(
        tmp_path,
        {"buf.yaml": buf_yaml, "README.md": OTEL_LIKE_README, "legacy/trace.proto": SPAN},
        {"buf.yaml": buf_yaml, "README.md": OTEL_LIKE_README, "legacy/trace.proto": renamed},
    )
    assert _check(repo).can_deploy


@pytest.mark.skipif(not BUF.available, reason="buf not installed")
def test_the_working_tree_s_readme_is_read_too(tmp_path):
    from compat_checker.options import CheckOptions
    from compat_checker.pipeline import run_check

    repo = _repo(
        tmp_path,
        {"buf.yaml": WIRE_ONLY, "README.md": OTEL_LIKE_README, "trace.proto": SPAN},
        {"buf.yaml": WIRE_ONLY, "README.md": OTEL_LIKE_README + "\n", "trace.proto": SPAN},
    )
    (repo / "trace.proto").write_text(SPAN.replace("string trace_id", "string trace"))
    verdict = run_check(CheckOptions(repo=repo, against="HEAD", llm="none"))
    assert [c.rule for c in verdict.changes if c.blocks] == ["FIELD_RENAMED"]
