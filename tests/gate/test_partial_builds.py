"""Compile errors block only when the change causes them; one broken file does not take
buf away from the rest of the repository (real buf, real git repositories in tmp dirs)."""

from __future__ import annotations

import os
from pathlib import Path

from compat_checker.buf import BufRunner
from compat_checker.options import CheckOptions
from compat_checker.pipeline import run_check
from tests.gate.conftest import git

REMOTE_BUF_YAML = (
    "version: v2\nmodules:\n  - path: proto\ndeps:\n  - buf.build/envoyproxy/protoc-gen-validate\n"
)
PLAIN_BUF_YAML = "version: v2\nmodules:\n  - path: proto\n"


def _proto(package: str, body: str, imports: tuple[str, ...] = ()) -> str:
    lines = ['syntax = "proto3";', f"package {package};", *(f'import "{i}";' for i in imports)]
    return "\n".join([*lines, "", body, ""])


TASK = _proto("acme.v1", "message Task {\n  string id = 1;\n  string title = 2;\n}")
OTHER = _proto("acme.v1", "message Other {\n  string name = 1;\n  int32 size = 2;\n}")
VALIDATED = _proto(
    "acme.v1",
    "message Checked {\n  string id = 1 [(validate.rules).string.min_len = 1];\n}",
    ("validate/validate.proto",),
)


def _repo(tmp_path: Path, files: dict[str, str]) -> Path:
    repo = tmp_path / "repo"
    _write(repo, files)
    git(repo.parent, "init", "-q", "-b", "main", str(repo))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    return repo


def _write(repo: Path, files: dict[str, str]) -> None:
    for path, text in files.items():
        target = repo / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text)


def _check(repo: Path, **options):
    return run_check(CheckOptions(repo=repo, against="main", llm="none", **options))


def _layer(verdict, name: str):
    return next(layer for layer in verdict.layers if layer.name == name)


def _rules(verdict) -> list[str]:
    return [c.rule for c in verdict.changes]


def test_a_missing_remote_dep_and_its_follow_on_errors_never_block(tmp_path):
    repo = _repo(tmp_path, {"buf.yaml": REMOTE_BUF_YAML, "proto/acme/v1/task.proto": TASK})
    _write(repo, {"proto/acme/v1/checked.proto": VALIDATED})  # adds a file using PGV
    verdict = _check(repo)
    assert "HEAD_DOES_NOT_COMPILE" not in _rules(verdict)
    assert verdict.can_deploy
    head = _layer(verdict, "model:head").detail
    assert "1 of 2 files left out of the buf build" in head
    assert "buf.build/envoyproxy/protoc-gen-validate" in head and "offline" in head
    # task.proto still compiled by buf
    assert _layer(verdict, "buf").status == "ran"


def test_a_symbol_of_the_repository_itself_still_blocks_next_to_a_missing_remote_dep(tmp_path):
    repo = _repo(tmp_path, {"buf.yaml": REMOTE_BUF_YAML, "proto/acme/v1/task.proto": TASK})
    broken = VALIDATED.replace("  string id = 1", "  acme.v1.NoSuchType gone = 2;\n  string id = 1")
    _write(repo, {"proto/acme/v1/checked.proto": broken})
    verdict = _check(repo)
    errors = [c for c in verdict.changes if c.rule == "HEAD_DOES_NOT_COMPILE"]
    assert [e.message for e in errors] == [
        "buf cannot compile the new version: cannot find `acme.v1.NoSuchType` in this scope"
    ]
    assert not verdict.can_deploy


def test_a_duplicate_field_number_the_change_introduces_blocks_at_its_line(tmp_path):
    repo = _repo(tmp_path, {"buf.yaml": REMOTE_BUF_YAML, "proto/acme/v1/checked.proto": VALIDATED})
    text = VALIDATED.replace("min_len = 1];", "min_len = 1];\n  string twin = 1;")
    _write(repo, {"proto/acme/v1/checked.proto": text})
    verdict = _check(repo)
    (error,) = [c for c in verdict.changes if c.rule == "HEAD_DOES_NOT_COMPILE"]
    assert error.line == text.splitlines().index("  string twin = 1;") + 1
    assert "used more than once" in error.message
    assert not verdict.can_deploy


def test_an_unrelated_broken_file_leaves_the_others_to_buf(tmp_path):
    # broken.proto imports a file nobody has, in the base already; the change removes a
    # field from other.proto, which buf must still see (FIELD_NO_DELETE).
    broken = _proto(
        "acme.v1", "message Broken {\n  vendor.Thing t = 1;\n}", ("vendor/thing.proto",)
    )
    files = {"buf.yaml": PLAIN_BUF_YAML, "proto/acme/v1/other.proto": OTHER}
    repo = _repo(tmp_path, {**files, "proto/acme/v1/broken.proto": broken})
    _write(repo, {"proto/acme/v1/other.proto": OTHER.replace("  int32 size = 2;\n", "")})
    verdict = _check(repo)
    assert _layer(verdict, "buf").status == "ran"
    removed = [c for c in verdict.changes if c.rule == "FIELD_REMOVED"]
    assert removed and "buf" in [s.value for s in removed[0].sources]
    assert "1 of 2 files left out" in _layer(verdict, "model:head").detail
    assert "HEAD_DOES_NOT_COMPILE" not in _rules(verdict)


def test_a_symlinked_import_root_resolves(tmp_path):
    ext = _proto("vendorx", "message Ext {\n  string v = 1;\n}")
    user = _proto("acme.v1", "message User {\n  vendorx.Ext ext = 1;\n}", ("vendorx/ext.proto",))
    repo = _repo(tmp_path, {"third_party/vendorx/ext.proto": ext, "proto/acme/v1/user.proto": user})
    os.symlink("third_party/vendorx", repo / "vendorx")
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "symlink")
    _write(repo, {"proto/acme/v1/user.proto": user.replace("}", "  string name = 2;\n}")})
    verdict = _check(repo)
    assert verdict.can_deploy, verdict.changes
    assert "left out" not in _layer(verdict, "model:head").detail
    assert _layer(verdict, "buf").status == "ran"


def test_excluded_directories_are_not_built(tmp_path):
    buf_yaml = "version: v2\nmodules:\n  - path: proto\n    excludes:\n      - proto/scratch\n"
    broken = _proto("scratch", "message Half {\n  int32 a = 1;\n  int32 b = 1;\n}")
    repo = _repo(tmp_path, {"buf.yaml": buf_yaml, "proto/acme/v1/task.proto": TASK})
    _write(repo, {"proto/scratch/half.proto": broken, "proto/acme/v1/other.proto": OTHER})
    verdict = _check(repo)
    assert "HEAD_DOES_NOT_COMPILE" not in _rules(verdict)
    assert "left out" not in _layer(verdict, "model:head").detail


def test_a_base_that_does_not_compile_gets_a_verdict_for_the_fix(tmp_path):
    broken = TASK.replace("string title = 2;", "string title = 2")
    repo = _repo(tmp_path, {"buf.yaml": PLAIN_BUF_YAML, "proto/acme/v1/task.proto": broken})
    _write(repo, {"proto/acme/v1/task.proto": TASK})
    verdict = _check(repo)
    assert verdict.can_deploy
    assert "not parsable" in _layer(verdict, "model:base").detail


def test_a_syntax_error_in_the_head_is_a_finding_with_the_rest_still_diffed(tmp_path):
    files = {"buf.yaml": PLAIN_BUF_YAML, "proto/acme/v1/task.proto": TASK}
    repo = _repo(tmp_path, {**files, "proto/acme/v1/other.proto": OTHER})
    _write(
        repo,
        {
            "proto/acme/v1/task.proto": TASK.replace("string title = 2;", "string title = 2"),
            "proto/acme/v1/other.proto": OTHER.replace("  int32 size = 2;\n", ""),
        },
    )
    for no_buf in (False, True):
        verdict = _check(repo, no_buf=no_buf)
        (error,) = [c for c in verdict.changes if c.rule == "HEAD_DOES_NOT_COMPILE"]
        assert error.file == "proto/acme/v1/task.proto" and error.line in (
            6,
            7,
        )  # the missing `;` or the `}` after it
        assert "FIELD_REMOVED" in _rules(verdict)  # other.proto is still diffed
        assert not verdict.can_deploy


LOCK = """\
# Generated by buf. DO NOT EDIT.
version: v2
deps:
  - name: buf.build/envoyproxy/protoc-gen-validate
    commit: 6607b10f00ed4a3d98f906807131c44a
    digest: b5:ade405ac4328bd0a2cf83c93bcb4bc389d4897afd86a0096df4537b180916882da4e4f0c2d45f0b1554d7a6c87f6c5bc94b71b3555ca71cc31a9a8baed26a9f9
"""
LOCKED_DIR = (
    "v3/modules/b5/buf.build/envoyproxy/protoc-gen-validate/6607b10f00ed4a3d98f906807131c44a"
)


def _locked_snapshot(tmp_path: Path) -> Path:
    root = tmp_path / "snap"
    _write(
        root,
        {
            "buf.yaml": REMOTE_BUF_YAML,
            "buf.lock": LOCK,
            "proto/acme/v1/task.proto": TASK,
            "proto/acme/v1/checked.proto": VALIDATED,
        },
    )
    return root


def test_locked_deps_missing_from_the_module_cache_are_named(tmp_path, monkeypatch):
    monkeypatch.setenv("BUF_CACHE_DIR", str(tmp_path / "empty-cache"))
    build = BufRunner().build(_locked_snapshot(tmp_path))
    assert build.ok and build.left_out == ("proto/acme/v1/checked.proto",)
    assert build.note is not None
    assert "not in buf's module cache" in build.note
    assert "buf.build/envoyproxy/protoc-gen-validate" in build.note


def test_an_unusable_module_cache_falls_back_without_the_network(tmp_path, monkeypatch):
    # The pinned commit's directory exists but holds nothing: buf would fetch it; the
    # network is shut, so it fails at once and the build goes on without the deps.
    cache = tmp_path / "cache"
    (cache / LOCKED_DIR).mkdir(parents=True)
    monkeypatch.setenv("BUF_CACHE_DIR", str(cache))
    build = BufRunner(timeout=60).build(_locked_snapshot(tmp_path))
    assert build.ok and build.left_out == ("proto/acme/v1/checked.proto",)
    assert build.note is not None
    assert "building with the deps in buf's module cache failed" in build.note


def test_renumbering_a_duplicate_number_of_the_base_is_the_fix_not_a_break(tmp_path):
    duplicate = TASK.replace("string title = 2;", "string title = 2;\n  string note = 2;")
    repo = _repo(tmp_path, {"buf.yaml": PLAIN_BUF_YAML, "proto/acme/v1/task.proto": duplicate})
    _write(repo, {"proto/acme/v1/task.proto": duplicate.replace("note = 2;", "note = 3;")})
    verdict = _check(repo)
    assert verdict.can_deploy, [(c.rule, c.message) for c in verdict.changes]
    assert "FIELD_NUMBER_CHANGED" not in _rules(verdict)
