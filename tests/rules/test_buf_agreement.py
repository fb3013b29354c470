"""Our rules and the real `buf breaking` agree on every fixture of the wire/JSON/source rules:
each buf finding folds into one of our findings and each of ours is confirmed by buf, so
`buf_rules` and the merge's element mapping are checked against buf itself."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from compat_checker.diff import DiffContext, infer_changed_files, match_elements, run_rules
from compat_checker.merge import merge_findings
from compat_checker.rules.registry import Rule, all_rules, fixture_files

from ._harness import Finding, parse_fixture

BUF = shutil.which("buf", path=str(Path(sys.executable).parent)) or shutil.which("buf")
OURS = [
    r
    for r in all_rules().values()
    if r.check.__module__.rsplit(".", 1)[-1] in {"wire", "json", "source"}
]

pytestmark = [pytest.mark.slow, pytest.mark.skipif(BUF is None, reason="no buf binary")]


def buf_breaking(tmp_path: Path, before: str, after: str) -> list[Finding]:
    for side, text in (("base", before), ("head", after)):
        root = tmp_path / side
        root.mkdir()
        (root / "buf.yaml").write_text("version: v2\nbreaking:\n  use: [FILE]\n")
        for path, source in fixture_files(text).items():
            (root / path).parent.mkdir(parents=True, exist_ok=True)
            (root / path).write_text(source)
    result = subprocess.run(
        [str(BUF), "breaking", ".", "--against", "../base", "--error-format", "json"],
        cwd=tmp_path / "head",
        capture_output=True,
        text=True,
        env={"BUF_CACHE_DIR": str(tmp_path / "cache"), "PATH": ""},
        check=False,
        timeout=120,
    )
    assert result.returncode in (0, 100), result.stderr
    findings = []
    for line in result.stdout.splitlines():
        item = json.loads(line)
        path, row = item.get("path", ""), item.get("start_line", 0)
        if not path:  # as compat_checker.buf does: a deleted file is named in the message
            deleted = re.match(r'^Previously present file "([^"]+)"', item["message"])
            path, row = (deleted.group(1) if deleted else ""), 0
        column = item.get("start_column", 0) if row else 0
        findings.append(
            Finding(
                path,
                row,
                column,
                item.get("end_line", 0),
                item.get("end_column", 0),
                item["type"],
                item["message"],
            )
        )
    return findings


@pytest.mark.parametrize("rule", OURS, ids=[r.id for r in OURS])
def test_buf_and_rules_agree_on_the_fixture(rule: Rule, tmp_path: Path) -> None:
    base, head = parse_fixture(rule.before), parse_fixture(rule.after)
    changed = infer_changed_files(base, head)
    ctx = DiffContext(base=base, head=head, changed_files=changed)
    ours = run_rules(ctx, match_elements(base, head, changed), OURS)
    found = buf_breaking(tmp_path, rule.before, rule.after)
    assert found, "buf sees nothing: the fixture is not a buf-level break"
    merged = merge_findings(ours, found, head, base)
    assert [(c.rule, c.element) for c in merged if c.rule.startswith("BUF_")] == []
    assert [(c.rule, c.element) for c in merged if len(c.sources) != 2] == []
    assert any(c.rule == rule.id for c in merged)
