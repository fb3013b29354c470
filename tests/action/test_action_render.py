"""`render_github` (workflow commands) and `render_step_summary` (the job summary)."""

from __future__ import annotations

import io
import re

from action.support import change, verdict_of
from compat_checker.findings import Category, Severity
from compat_checker.github.action import print_untrusted
from compat_checker.report.github import (
    escape_data,
    escape_property,
    render_github,
    render_step_summary,
)

COMMAND_RE = re.compile(r"^::(?P<cmd>\w+)(?: (?P<props>[^:]*))?::(?P<msg>.*)$")


def commands(text: str) -> list[dict[str, str]]:
    parsed = []
    for line in text.splitlines():
        match = COMMAND_RE.match(line)
        assert match, f"not a workflow command: {line!r}"
        props = dict(p.split("=", 1) for p in (match.group("props") or "").split(",") if p)
        parsed.append({"cmd": match.group("cmd"), "msg": match.group("msg"), **props})
    return parsed


def test_escaping_follows_github_rules() -> None:
    assert escape_data("100% done\r\nnext") == "100%25 done%0D%0Anext"
    assert escape_property("a:b,c%\n") == "a%3Ab%2Cc%25%0A"


def test_one_error_per_blocking_finding_with_location_and_rule_title() -> None:
    verdict = verdict_of([change(line=12, column=3)])
    [command] = commands(render_github(verdict))
    assert command["cmd"] == "error"
    assert command["file"] == "proto/acme/v1/task.proto"
    assert (command["line"], command["col"], command["title"]) == ("12", "3", "FIELD_REMOVED")
    assert command["msg"].startswith(
        "[HIGH breaking] field title (2) was removed (acme.v1.Task.title)"
    )
    assert "%0AHow to ship it safely: Deprecate it first." in command["msg"]


def test_untrusted_text_cannot_break_out_of_the_command() -> None:
    hostile = change(
        element="a.v1.T.x",
        message="x\n::add-mask::secret",
        file="we,ird:name.proto",
    )
    text = render_github(verdict_of([hostile]))
    assert len(text.splitlines()) == 1
    assert "file=we%2Cird%3Aname.proto" in text
    assert "x%0A::add-mask::secret" in text


def test_file_level_findings_have_no_line() -> None:
    [command] = commands(render_github(verdict_of([change(line=0, column=0)])))
    assert "line" not in command and "col" not in command


def test_most_important_first_and_caps_with_a_count_of_the_rest() -> None:
    changes = [
        change(
            element=f"a.v1.T.f{i}",
            severity=Severity.LOW if i % 2 else Severity.CRITICAL,
            line=i + 1,
        )
        for i in range(14)
    ] + [
        change(
            rule="FIELD_DEPRECATED",
            element=f"a.v1.W.w{i}",
            breaking=False,
            severity=Severity.MEDIUM,
        )
        for i in range(12)
    ]
    parsed = commands(render_github(verdict_of(changes)))
    errors = [c for c in parsed if c["cmd"] == "error"]
    warnings = [c for c in parsed if c["cmd"] == "warning"]
    assert len(errors) == 10 and len(warnings) == 10
    # all 7 CRITICAL ones are shown before any LOW one
    severities = [c["msg"].split()[0] for c in errors]
    assert severities == ["[CRITICAL"] * 7 + ["[LOW"] * 3
    notice = parsed[-1]
    assert notice["cmd"] == "notice"
    assert notice["msg"].startswith("4 more errors and 2 more warnings in the job summary")


def test_suppressed_and_info_are_not_annotated_and_below_fail_on_is_a_warning() -> None:
    changes = [
        change(element="a.v1.T.s", suppressed="allowed: label"),
        change(rule="X_INFO", element="a.v1.T.i", breaking=False, severity=Severity.INFO),
        change(element="a.v1.T.low", severity=Severity.LOW),
    ]
    parsed = commands(render_github(verdict_of(changes, fail_on="HIGH")))
    assert [(c["cmd"], c["msg"].split()[0]) for c in parsed] == [("warning", "[LOW")]


def test_path_prefix_points_annotations_into_the_workspace() -> None:
    [command] = commands(render_github(verdict_of([change()]), path_prefix="api/"))
    assert command["file"] == "api/proto/acme/v1/task.proto"


def test_nothing_to_say_for_a_clean_verdict() -> None:
    assert render_github(verdict_of([])) == ""


def test_print_untrusted_wraps_text_in_stop_commands() -> None:
    out = io.StringIO()
    print_untrusted("::error::not a real error", out)
    first, body, last = out.getvalue().splitlines()
    token = first.removeprefix("::stop-commands::")
    assert len(token) >= 32 and body == "::error::not a real error" and last == f"::{token}::"


def test_step_summary_has_verdict_findings_pii_incidents_and_llm_usage() -> None:
    blocking = change()
    pii = {
        "schema_version": 1,
        "files": [
            {
                "file": "proto/acme/v1/user.proto",
                "fields": [
                    {
                        "element": "acme.v1.User.ssn",
                        "line": 7,
                        "sensitivity": "HIGH",
                        "pii_type": "SSN",
                        "annotated": False,
                        "reasoning": "name ssn",
                    },
                    {
                        "element": "acme.v1.User.nickname",
                        "line": 8,
                        "sensitivity": "LOW",
                        "pii_type": "NAME",
                        "annotated": True,
                        "reasoning": "override",
                    },
                    {
                        "element": "acme.v1.User.id",
                        "line": 6,
                        "sensitivity": "PUBLIC",
                        "pii_type": None,
                        "annotated": False,
                        "reasoning": "identifier",
                    },
                ],
                "methods": [
                    {
                        "element": "acme.v1.Users.ListUsers",
                        "sensitivity": "HIGH",
                        "exposure": "list endpoint returns SSN",
                    }
                ],
            }
        ],
    }
    incidents = [
        {
            "id": "INC-7",
            "title": "Android app crashed on missing title",
            "score": 0.91,
            "severity": "HIGH",
            "date": "2024-03-01",
            "resolution": "restored the field",
            "changes": [blocking.id],
        }
    ]
    llm = {
        "state": "ran",
        "reason": "reviewed 1 chunk(s) of 1 file(s)",
        "provider": "vertex:gemini-2.5-flash",
        "prompt": "compat_review.v2",
        "notes": ["title looks user-visible"],
        "usage": {
            "calls": 1,
            "cached": 0,
            "failed": 0,
            "input_tokens": 1200,
            "output_tokens": 300,
            "cost_usd": 0.00123,
            "by_model": {
                "gemini-2.5-flash": {
                    "calls": 1,
                    "cached": 0,
                    "failed": 0,
                    "input_tokens": 1200,
                    "output_tokens": 300,
                    "cost_usd": 0.00123,
                }
            },
        },
    }
    summary = render_step_summary(verdict_of([blocking], pii=pii, incidents=incidents, llm=llm))
    assert summary.startswith("## ❌ protoguard: blocked (HIGH)")
    assert "| `proto/acme/v1/task.proto:3` | HIGH breaking | `FIELD_REMOVED` |" in summary
    assert (
        "### Personal data" in summary
        and "2 fields hold personal data, 1 without an annotation." in summary
    )
    assert summary.index("acme.v1.User.ssn") < summary.index("acme.v1.User.nickname")
    assert "acme.v1.User.id" not in summary
    assert "list endpoint returns SSN" in summary
    assert "### Similar past incidents" in summary
    assert "| `INC-7` | Android app crashed on missing title | 0.91 |" in summary
    assert "`FIELD_REMOVED` on `acme.v1.Task.title`" in summary
    assert "### LLM review" in summary and "$0.0012" in summary and "| **total** | 1 |" in summary


def test_step_summary_lists_fields_that_need_review_whatever_their_level() -> None:
    reason = "no rule places this field of a record about a person"
    pii = {
        "schema_version": 1,
        "file": "proto/acme/v1/user.proto",
        "fields": [
            {"element": "acme.v1.User.email", "line": 5, "sensitivity": "MEDIUM",
             "pii_type": "EMAIL_PERSONAL", "annotated": False, "reasoning": "e-mail"},
            {"element": "acme.v1.User.favourite_quark", "line": 6, "sensitivity": "PUBLIC",
             "pii_type": None, "annotated": False, "reasoning": "NO_SIGNAL: no rule applies",
             "needs_review": True, "review_reason": reason},
            {"element": "acme.v1.User.id", "line": 4, "sensitivity": "PUBLIC",
             "pii_type": None, "annotated": False, "reasoning": "identifier"},
        ],
        "methods": [],
    }  # fmt: skip
    summary = render_step_summary(verdict_of([change()], pii=pii))
    assert (
        "1 field hold personal data, 1 without an annotation; 1 need review (the rules could "
        "not place them: decide each with `protoguard pii correct`, or annotate it)."
    ) in summary
    [row] = [line for line in summary.splitlines() if "favourite_quark" in line]
    assert "PUBLIC · **needs review**" in row and f"needs review: {reason}" in row
    assert summary.index("acme.v1.User.email") < summary.index("favourite_quark")
    assert "acme.v1.User.id" not in summary  # a plain PUBLIC field stays out


def test_step_summary_of_a_safe_verdict_has_no_optional_sections() -> None:
    summary = render_step_summary(
        verdict_of([change(breaking=False, severity=Severity.LOW, category=Category.BEHAVIOR)])
    )
    assert summary.startswith("## ✅ protoguard: safe to deploy")
    assert "Personal data" not in summary and "LLM" not in summary and "incidents" not in summary


def test_step_summary_keeps_the_most_important_findings_when_there_are_too_many() -> None:
    changes = [change(element=f"a.v1.T.f{i}", severity=Severity.LOW, line=i + 1) for i in range(5)]
    changes.append(change(element="a.v1.T.zz", severity=Severity.CRITICAL, line=99))
    summary = render_step_summary(verdict_of(changes), max_findings=2)
    assert "a.v1.T.zz" in summary
    assert (
        "Only the 2 most important findings are listed; 4 more are in the verdict JSON." in summary
    )
