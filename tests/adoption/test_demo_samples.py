"""The first README command leaves `git status` clean, and the README shows what the demo
prints (issue #16, items 3 and 10): the demo's outputs are the files committed in
`results/`, byte for byte, and the README's sample verdict is an abridged copy of them."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path
from typing import Any

from adoption.test_first_hour import PROTOGUARD

REPO_ROOT = Path(__file__).resolve().parents[2]
# Committed once by hand, not written by the demo.
NOT_FROM_THE_DEMO = {"audit-sample.html", "audit-screenshot.png"}


def test_the_demo_writes_exactly_the_committed_samples(tmp_path: Path, isolated_git_home) -> None:
    results = tmp_path / "results"
    done = subprocess.run(
        [PROTOGUARD, "demo", "--results", str(results)],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    tracked = subprocess.run(
        ["git", "ls-files", "results"], cwd=REPO_ROOT, capture_output=True, text=True, check=True
    ).stdout.split()
    committed = {
        path.removeprefix("results/")
        for path in tracked
        if Path(path).name not in NOT_FROM_THE_DEMO
    }
    written = {p.relative_to(results).as_posix() for p in results.rglob("*") if p.is_file()}
    assert written == committed
    changed = [
        name
        for name in sorted(committed)
        if (results / name).read_bytes() != (REPO_ROOT / "results" / name).read_bytes()
    ]
    # Rerun `protoguard demo` in the checkout and commit results/ when a change means to
    # alter them; a temp path, SHA, date or timing in them would differ on every run.
    assert changed == [], f"the demo's outputs differ from the committed samples: {changed}"


def _agrees(sample: Any, actual: Any, where: str) -> list[str]:
    """Where the README's abridged sample says something the verdict does not.
    `"…"` keys and values stand for what was left out; `"38fd403…"` for a prefix."""
    if isinstance(sample, str) and sample.endswith("…"):
        ok = isinstance(actual, str) and actual.startswith(sample[:-1])
        return [] if ok else [f"{where}: {sample!r} vs {actual!r}"]
    if isinstance(sample, dict):
        if not isinstance(actual, dict):
            return [f"{where}: not an object in the verdict"]
        return [
            problem
            for key, value in sample.items()
            if key != "…"
            for problem in (
                _agrees(value, actual[key], f"{where}.{key}")
                if key in actual
                else [f"{where}.{key}: not in the verdict"]
            )
        ]
    if isinstance(sample, list) and sample and isinstance(sample[0], dict):
        if not isinstance(actual, list):
            return [f"{where}: not a list in the verdict"]
        if "name" in sample[0]:  # layers: a few of them, by name
            by_name = {item.get("name"): item for item in actual}
            return [
                problem
                for item in sample
                for problem in _agrees(item, by_name.get(item["name"]), f"{where}[{item['name']}]")
            ]
        if len(sample) > len(actual):
            return [f"{where}: {len(sample)} items in the sample, {len(actual)} in the verdict"]
        return [
            problem
            for index, item in enumerate(sample)
            for problem in _agrees(item, actual[index], f"{where}[{index}]")
        ]
    return [] if sample == actual else [f"{where}: {sample!r} vs {actual!r}"]


def test_the_readme_sample_verdict_is_the_demos() -> None:
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## The verdict (`schema_version: 1`)", 1)[1]
    block = re.search(r"```json\n(.*?)\n```", section, re.DOTALL)
    assert block is not None
    sample = json.loads(block.group(1))
    verdict = json.loads((REPO_ROOT / "results/verdict.json").read_text(encoding="utf-8"))
    assert _agrees(sample, verdict, "verdict") == []
