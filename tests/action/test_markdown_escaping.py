"""Untrusted text (from the pull request, or from an LLM that read it) in the PR comment and
the job summary: shown as written, never rendered as a link, image, tag or mention.

The Markdown is rendered with markdown-it (CommonMark with raw HTML on, plus GFM tables),
and table rows are split into cells the way cmark-gfm (GitHub's renderer) does."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import pytest
from markdown_it import MarkdownIt

from action.support import change, verdict_of
from compat_checker.findings import Severity
from compat_checker.report.github import render_step_summary
from compat_checker.report.markdown import render_markdown
from compat_checker.report.mdtext import code, literal, table_cell

HOSTILE = (
    "![x](https://evil/p.png) <img src=x onerror=alert(1)> [click](javascript:alert(1)) "
    "**bold** a`b @octocat see acme/api#12 | pipe\nnext line"
)
# What a reader must see of HOSTILE: the same characters, a line break where it had one.
VISIBLE_PARTS = (
    "![x](https://evil/p.png)",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "**bold**",
    "a`b",
    "| pipe",
    "next line",
)
MENTION = re.compile(r"(?<![A-Za-z0-9_])@[A-Za-z0-9]|#[0-9]")
# cmark-gfm's cell scanner: a backslash and the punctuation after it are one unit, so only
# a pipe that does not end such a unit separates cells.
CELL_SEPARATOR = re.compile(r"\\[!-/:-@\[-`{-~]|(\|)")


class _Rendered(HTMLParser):
    """Tags of the rendered HTML, and its text outside code (where GitHub looks for
    mentions) with the strong elements' text."""

    def __init__(self) -> None:
        super().__init__()
        self.tags: list[str] = []
        self.text: list[str] = []
        self.strong: list[str] = []
        self._open: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append(tag)
        self._open.append(tag)

    def handle_endtag(self, tag: str) -> None:
        if tag in self._open:
            del self._open[len(self._open) - 1 - self._open[::-1].index(tag) :]

    def handle_data(self, data: str) -> None:
        if "code" not in self._open:
            self.text.append(data)
        if "strong" in self._open:
            self.strong.append(data)


def rendered(markdown: str) -> _Rendered:
    parser = _Rendered()
    parser.feed(MarkdownIt("commonmark").enable("table").render(markdown))
    return parser


def table_widths(markdown: str) -> list[list[int]]:
    """Cells per row of each table in ``markdown``."""
    tables: list[list[int]] = []
    previous = ""
    for line in markdown.splitlines():
        if line.startswith("|"):
            if not previous.startswith("|"):
                tables.append([])
            separators = sum(1 for m in CELL_SEPARATOR.finditer(line) if m.group(1))
            tables[-1].append(separators - 1)
        previous = line
    return tables


def hostile_verdict():
    rule_finding = change(
        element=f"acme.v1.Task.{HOSTILE}",
        file="proto/a`b|c.proto",
        message=f"field removed; its comment said: {HOSTILE}",
        recommendation=HOSTILE,
    )
    llm_finding = change(
        rule="LLM_REVIEW",
        element="acme.v1.Task.notes",
        severity=Severity.MEDIUM,
        line=9,
        message=f"LLM review: {HOSTILE}",
        recommendation=f"Ask {HOSTILE}",
    )
    pii = {
        "file": "proto/acme/v1/task.proto",
        "fields": [
            {
                "element": f"acme.v1.Task.{HOSTILE}",
                "line": 4,
                "sensitivity": "HIGH",
                "pii_type": HOSTILE,
                "annotated": False,
                "reasoning": HOSTILE,
            }
        ],
        "methods": [{"element": "acme.v1.Tasks.List", "sensitivity": "HIGH", "exposure": HOSTILE}],
    }
    incidents = [
        {
            "id": "INC-1`x",
            "title": HOSTILE,
            "score": 0.9,
            "severity": "HIGH",
            "date": "2024-01-01",
            "resolution": HOSTILE,
            "changes": [rule_finding.id],
        }
    ]
    llm = {
        "state": "ran",
        "reason": HOSTILE,
        "provider": "fake",
        "notes": [HOSTILE],
        "usage": {
            "calls": 1,
            "by_model": {HOSTILE: {"calls": 1}},
            "budget_stop": HOSTILE,
        },
    }
    return verdict_of(
        [rule_finding, llm_finding],
        pii=pii,
        incidents=incidents,
        llm=llm,
        allow_breaking=HOSTILE,
    )


@pytest.mark.parametrize(
    "render", [render_markdown, render_step_summary], ids=["comment", "job-summary"]
)
def test_untrusted_text_is_shown_as_written_and_never_rendered(render) -> None:
    markdown = render(hostile_verdict())
    html = rendered(markdown)
    assert not {"img", "a", "script"} & set(html.tags)
    # Only our own emphasis is bold: "**no**" (not annotated) and "**total**" (usage row).
    assert set(html.strong) <= {"no", "total", "ran"}
    visible = "".join(html.text)
    assert not MENTION.search(visible)
    assert "@\u200doctocat" in visible
    for part in VISIBLE_PARTS:
        assert part in visible.replace("\u200d", ""), part


@pytest.mark.parametrize(
    "render", [render_markdown, render_step_summary], ids=["comment", "job-summary"]
)
def test_untrusted_text_keeps_every_table_row_to_its_columns(render) -> None:
    tables = table_widths(render(hostile_verdict()))
    assert tables
    for widths in tables:
        assert len(set(widths)) == 1, widths


def test_a_backtick_or_a_pipe_in_a_name_cannot_end_its_code_span() -> None:
    markdown = render_markdown(hostile_verdict())
    assert "| `proto/ab\\|c.proto:3` |" in markdown
    assert "`acme.v1.Task.![x](https://evil/p.png) <img" in markdown


def test_literal_text_escapes_markup_and_mentions_but_keeps_code_spans() -> None:
    assert literal("see `a|b` and ![x](y) @octocat, mail a@b.c") == (
        "see `a|b` and !\\[x\\](y) @\u200doctocat, mail a@b.c"
    )
    assert literal("`@octocat` <b>") == "`@octocat` &lt;b&gt;"
    assert code("a`b\nc") == "`ab c`"


def test_a_table_cell_gives_every_pipe_an_odd_run_of_backslashes() -> None:
    # A pipe after a literal backslash (escaped: two) or a raw one in a code span.
    assert table_cell(literal("a\\|b")) == "a\\\\\\|b"
    assert table_cell(code("a\\|b")) == "`a\\|b`"
    assert table_cell("x\r\ny", line_break="<br>") == "x<br>y"
