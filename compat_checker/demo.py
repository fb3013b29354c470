"""`protoguard demo`: the classic case on the bundled example, in a throwaway git repository.

Two changes to `acme.todo.v1.Task` that look harmless in review: `description` is removed,
and a new `metadata` field gets a PGV `message.required` rule. buf sees the first only;
the gate must name both.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from compat_checker.errors import GateError
from compat_checker.findings import Verdict
from compat_checker.options import CheckOptions
from compat_checker.resources import asset_dir

DEMO_FILE = "proto/acme/todo/v1/task.proto"
DEMO_SCENARIOS = ("remove_description", "add_metadata_required")
EXPECTED_ELEMENTS = ("acme.todo.v1.Task.description", "acme.todo.v1.Task.metadata")

# A fixed author and date make the demo commit's SHA the same on every run and machine, so
# the sample outputs in results/ (tracked in git) do not change when the demo is rerun.
_DEMO_DATE = "2025-01-01T00:00:00+00:00"
_GIT_ENV = {
    "GIT_AUTHOR_NAME": "protoguard demo",
    "GIT_AUTHOR_EMAIL": "demo@protoguard.invalid",
    "GIT_AUTHOR_DATE": _DEMO_DATE,
    "GIT_COMMITTER_NAME": "protoguard demo",
    "GIT_COMMITTER_EMAIL": "demo@protoguard.invalid",
    "GIT_COMMITTER_DATE": _DEMO_DATE,
}
# Stands for the temporary repository's path in the sample outputs.
SAMPLE_REPO_NAME = "todo-api"


def _git(repo: Path, *args: str) -> None:
    subprocess.run(
        ["git", "-c", "commit.gpgsign=false", *args],
        cwd=repo,
        check=True,
        capture_output=True,
        env={**os.environ, **_GIT_ENV},
    )


def build_demo_repo(workdir: Path) -> Path:
    """A git repository holding the example API on `main`, with the demo change uncommitted."""
    from compat_checker.scenarios import apply_scenario

    repo = workdir / "todo-api"
    shutil.copytree(asset_dir("proto"), repo / "proto", ignore=shutil.ignore_patterns("examples"))
    _git(repo.parent, "init", "-q", "-b", "main", str(repo))
    _git(repo, "add", "-A")
    _git(repo, "commit", "-q", "-m", "todo API v1")
    _seed_incidents(repo)
    target = repo / DEMO_FILE
    text = target.read_text(encoding="utf-8")
    for name in DEMO_SCENARIOS:
        text = apply_scenario(name, text, DEMO_FILE)
    target.write_text(text, encoding="utf-8")
    return repo


def _seed_incidents(repo: Path) -> None:
    """The example incident history, so the gate can say what broke before."""
    from compat_checker.config import Config
    from compat_checker.incidents import IncidentMemory
    from compat_checker.incidents.files import read_incidents

    memory = IncidentMemory.open(Config().incidents, repo)
    memory.upsert(read_incidents(asset_dir("proto") / "examples" / "incidents.yaml"))


def demo_options(repo: Path, results: Path) -> CheckOptions:
    # No `output`: the demo writes verdict.json itself, as a stable sample (see below).
    return CheckOptions(repo=repo, against="main", annotate_dir=results / "annotated")


def sample_verdict(verdict: Verdict) -> Verdict:
    """The verdict as the tracked sample shows it: no timings (they differ on every run)."""
    return verdict.model_copy(update={"timings": {}})


def sample_text(text: str, repo: Path) -> str:
    """A sample output with the temporary repository's path replaced by its name, so that
    rerunning the demo leaves the tracked files in results/ byte for byte the same."""
    for path in {str(repo.resolve()), str(repo)}:
        text = text.replace(path, SAMPLE_REPO_NAME)
    return text


def missing_elements(element_names: set[str]) -> list[str]:
    return [e for e in EXPECTED_ELEMENTS if e not in element_names]


def make_workdir() -> Path:
    try:
        return Path(tempfile.mkdtemp(prefix="protoguard-demo-"))
    except OSError as exc:
        raise GateError(f"cannot create a temporary directory: {exc}") from exc
