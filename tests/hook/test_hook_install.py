"""`protoguard hook install/uninstall`: our hook only, foreign hooks kept or chained,
core.hooksPath honoured; the pre-commit framework's files."""

from __future__ import annotations

import os
from pathlib import Path

import yaml

from compat_checker.hook import CHAINED_NAME, MARKER, PRE_COMMIT_CONFIG
from hook.support import PROTOGUARD, Clone, run

REPO_ROOT = Path(__file__).resolve().parents[2]
FOREIGN = '#!/bin/sh\n# the team\'s own checks\ncat > "$(dirname "$0")/../foreign-stdin"\nexit ${FOREIGN_EXIT:-0}\n'


def hook_path(clone: Clone, name: str = "pre-push") -> Path:
    return clone.path / ".git" / "hooks" / name


def add_foreign(clone: Clone) -> Path:
    path = hook_path(clone)
    path.write_text(FOREIGN, encoding="utf-8")
    path.chmod(0o755)
    return path


def test_install_writes_an_executable_hook_and_is_idempotent(clone: Clone) -> None:
    result = clone.protoguard("hook", "install")
    assert result.returncode == 0, result.stderr
    path = hook_path(clone)
    assert MARKER in path.read_text(encoding="utf-8")
    assert os.access(path, os.X_OK)
    again = clone.protoguard("hook", "install")
    assert again.returncode == 0 and "already installed" in again.stdout
    path.write_text(path.read_text(encoding="utf-8") + "# edited\n", encoding="utf-8")
    assert clone.protoguard("hook", "install", "--force").returncode == 0
    assert "# edited" not in path.read_text(encoding="utf-8")


def test_a_foreign_hook_is_never_overwritten(clone: Clone) -> None:
    path = add_foreign(clone)
    for args in (("hook", "install"), ("hook", "install", "--force")):
        result = clone.protoguard(*args)
        assert result.returncode == 2
        assert "not protoguard's" in result.stderr and "--chain" in result.stderr
        assert path.read_text(encoding="utf-8") == FOREIGN
    result = clone.protoguard("hook", "uninstall")
    assert result.returncode == 2 and path.read_text(encoding="utf-8") == FOREIGN


def test_chain_runs_the_foreign_hook_first_and_uninstall_restores_it(clone: Clone) -> None:
    add_foreign(clone)
    result = clone.protoguard("hook", "install", "--chain")
    assert result.returncode == 0, result.stderr
    chained = hook_path(clone, CHAINED_NAME)
    assert chained.read_text(encoding="utf-8") == FOREIGN
    assert MARKER in hook_path(clone).read_text(encoding="utf-8")

    clone.edit_task("  string description = 3;\n", "  string description = 3;\n  bool done = 4;\n")
    sha = clone.commit("add done")
    pushed = clone.push("main")
    assert pushed.returncode == 0, pushed.stderr
    # the foreign hook saw git's ref lines too
    assert (
        f"refs/heads/main {sha} refs/heads/main"
        in (clone.path / ".git" / "foreign-stdin").read_text()
    )

    # the foreign hook can still refuse a push on its own
    clone.write("README.md", "more\n")
    clone.commit("docs")
    refused = clone.push("main", env={"FOREIGN_EXIT": "1"})
    assert refused.returncode != 0
    assert "no .proto changes" not in refused.stdout + refused.stderr  # protoguard never ran

    result = clone.protoguard("hook", "uninstall")
    assert result.returncode == 0, result.stderr
    assert hook_path(clone).read_text(encoding="utf-8") == FOREIGN
    assert not chained.exists()


def test_core_hooks_path_is_respected(clone: Clone) -> None:
    clone.git("config", "core.hooksPath", ".githooks")
    assert clone.protoguard("hook", "install").returncode == 0
    assert MARKER in (clone.path / ".githooks" / "pre-push").read_text(encoding="utf-8")
    assert not hook_path(clone).exists()
    assert clone.protoguard("hook", "uninstall").returncode == 0
    assert not (clone.path / ".githooks" / "pre-push").exists()


def test_uninstall_without_a_hook_is_fine(clone: Clone) -> None:
    result = clone.protoguard("hook", "uninstall")
    assert result.returncode == 0 and "no pre-push hook installed" in result.stdout


def test_install_outside_a_repository_is_a_one_line_error(tmp_path: Path) -> None:
    result = run(tmp_path, PROTOGUARD, "hook", "install")
    assert result.returncode == 2
    assert result.stderr.strip().startswith("protoguard: error: not inside a git work tree")


def test_pre_commit_writes_a_config_only_when_there_is_none(clone: Clone) -> None:
    result = clone.protoguard("hook", "install", "--pre-commit")
    assert result.returncode == 0, result.stderr
    config = yaml.safe_load((clone.path / PRE_COMMIT_CONFIG).read_text(encoding="utf-8"))
    hooks = {h["id"]: h for h in config["repos"][0]["hooks"]}
    assert hooks["protoguard-check"]["stages"] == ["pre-push"]
    assert hooks["protoguard-check"]["pass_filenames"] is False
    assert hooks["protoguard-pii"]["files"] == r"\.proto$"
    assert not hook_path(clone).exists()

    mine = "repos: []  # the team's config\n"
    (clone.path / PRE_COMMIT_CONFIG).write_text(mine, encoding="utf-8")
    result = clone.protoguard("hook", "install", "--pre-commit")
    assert result.returncode == 0
    assert "add these hooks" in result.stdout and "protoguard-check" in result.stdout
    assert (clone.path / PRE_COMMIT_CONFIG).read_text(encoding="utf-8") == mine


def test_pre_commit_hooks_manifest() -> None:
    manifest = yaml.safe_load((REPO_ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    hooks = {h["id"]: h for h in manifest}
    check, pii = hooks["protoguard-check"], hooks["protoguard-pii"]
    assert check["stages"] == ["pre-push"] and check["pass_filenames"] is False
    assert check["entry"] == "protoguard hook run-pre-push"
    assert pii["files"] == r"\.proto$" and pii["entry"] == "protoguard pii scan --check"
    for hook in manifest:
        assert hook["language"] == "python" and hook["name"]
