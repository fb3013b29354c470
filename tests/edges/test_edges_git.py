"""gitsource: refs, snapshots and changed files on real temporary git repositories."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from compat_checker.errors import GateError
from compat_checker.findings import ChangedFile
from compat_checker.gitsource import load_change, validate_ref

from .conftest import GitRepo, proto

TODO = proto(
    "acme.todo.v1",
    """
    message Todo {
      string id = 1;
      string title = 2;
      bool done = 3;
      int64 created_at = 4;
      repeated string tags = 5;
    }
    """,
)
USER = proto(
    "acme.user.v1",
    """
    message User {
      string id = 1;
      string email = 2;
      string display_name = 3;
      int32 age = 4;
    }
    """,
)
BILLING = proto(
    "acme.billing.v1",
    """
    message Invoice {
      string id = 1;
      int64 amount_cents = 2;
      string currency = 3;
    }
    """,
)


def _base_repo(repo: GitRepo) -> GitRepo:
    repo.write("proto/acme/todo/v1/todo.proto", TODO)
    repo.write("proto/acme/user/v1/user.proto", USER)
    repo.write("proto/acme/billing/v1/billing.proto", BILLING)
    repo.write("buf.yaml", "version: v2\nmodules:\n  - path: proto\n")
    repo.write("buf.gen.yaml", "version: v2\n")
    repo.write("README.md", "hello\n")
    repo.commit("base")
    return repo


def _error(*args: object, **kwargs: object) -> str:
    """The GateError message load_change raises for these arguments."""
    with pytest.raises(GateError) as err, load_change(*args, **kwargs):  # type: ignore[arg-type]
        pass
    return str(err.value)


def _status(files: list[ChangedFile]) -> dict[str, tuple[str, str | None]]:
    return {f.path: (f.status.value, f.old_path) for f in files}


def test_committed_add_modify_delete_rename(repo: GitRepo) -> None:
    _base_repo(repo)
    repo.git("checkout", "--quiet", "-b", "feature")
    repo.write(
        "proto/acme/todo/v1/todo.proto",
        TODO.replace("bool done = 3;", "bool done = 3;\n  string note = 6;"),
    )
    repo.git("mv", "proto/acme/user/v1/user.proto", "proto/acme/user/v1/account.proto")
    account = repo.path / "proto/acme/user/v1/account.proto"
    account.write_text(
        account.read_text().replace("int32 age = 4;", "int32 age = 4;\n  string locale = 5;")
    )
    repo.remove("proto/acme/billing/v1/billing.proto")
    repo.write(
        "proto/acme/todo/v1/list.proto",
        proto("acme.todo.v1", "message TodoList { string id = 1; }"),
    )
    repo.write("docs/notes.txt", "not a proto\n")
    repo.commit("feature work\n\nProtoguard-Allow-Breaking: billing is gone on purpose")

    with load_change(repo.path, against="main", head="feature") as change:
        assert _status(change.files) == {
            "proto/acme/todo/v1/todo.proto": ("M", None),
            "proto/acme/user/v1/account.proto": ("R", "proto/acme/user/v1/user.proto"),
            "proto/acme/billing/v1/billing.proto": ("D", None),
            "proto/acme/todo/v1/list.proto": ("A", None),
        }
        assert change.base.ref.kind == "commit" and change.base.ref.sha == repo.sha("main")
        assert change.head.ref.sha == repo.sha("feature")
        assert change.repo_root == repo.path
        assert len(change.commit_messages) == 1
        assert "Protoguard-Allow-Breaking: billing is gone on purpose" in change.commit_messages[0]
        # Only protos, buf configs and the README (where compatibility promises are
        # written, promises.py) are materialised; buf.gen.yaml is not.
        assert change.base.proto_paths() == [
            "proto/acme/billing/v1/billing.proto",
            "proto/acme/todo/v1/todo.proto",
            "proto/acme/user/v1/user.proto",
        ]
        assert sorted(p.name for p in change.base.root.iterdir()) == [
            "README.md",
            "buf.yaml",
            "proto",
        ]
        assert "string note = 6;" in change.head.read_text("proto/acme/todo/v1/todo.proto")
        assert "string note = 6;" not in change.base.read_text("proto/acme/todo/v1/todo.proto")
        roots = (change.base.root, change.head.root)
    # The temporary snapshots are gone after the block.
    assert not any(root.exists() for root in roots)


def test_working_tree_changes_untracked_and_deleted(repo: GitRepo) -> None:
    _base_repo(repo)
    repo.write(".gitignore", "ignored/\n")
    repo.commit("ignore")
    repo.write(
        "proto/acme/todo/v1/todo.proto", TODO.replace("string title = 2;", "string name = 2;")
    )
    repo.remove("proto/acme/billing/v1/billing.proto")
    repo.write(
        "proto/acme/todo/v1/untracked.proto",
        proto("acme.todo.v1", "message Fresh { string id = 1; }"),
    )
    repo.write("ignored/skip.proto", proto("skip", "message Skip {}"))
    status_before = repo.git("status", "--porcelain=v1", "--untracked-files=all")
    index_before = (repo.path / ".git/index").stat().st_mtime_ns

    with load_change(repo.path) as change:  # head: working tree; base: merge base with main
        assert change.head.ref.kind == "worktree" and change.head.ref.sha is None
        assert change.base.ref.ref == "main" and change.base.ref.sha == repo.sha("main")
        assert _status(change.files) == {
            "proto/acme/todo/v1/todo.proto": ("M", None),
            "proto/acme/billing/v1/billing.proto": ("D", None),
            "proto/acme/todo/v1/untracked.proto": ("A", None),
        }
        assert "ignored/skip.proto" not in change.head.proto_paths()
        assert change.commit_messages == []

    # Nothing in the user's repository changed: index not rewritten, same status.
    assert (repo.path / ".git/index").stat().st_mtime_ns == index_before
    assert repo.git("status", "--porcelain=v1", "--untracked-files=all") == status_before


def test_working_tree_rename_and_readded_file(repo: GitRepo) -> None:
    _base_repo(repo)
    # A plain `mv` (not git mv) plus an edit is still a rename.
    os.rename(
        repo.path / "proto/acme/user/v1/user.proto", repo.path / "proto/acme/user/v1/person.proto"
    )
    person = repo.path / "proto/acme/user/v1/person.proto"
    person.write_text(
        person.read_text().replace("int32 age = 4;", "int32 age = 4;\n  bool vip = 5;")
    )
    # Deleted and re-added with the same content: no change at all.
    repo.git("rm", "--quiet", "proto/acme/billing/v1/billing.proto")
    repo.write("proto/acme/billing/v1/billing.proto", BILLING)

    with load_change(repo.path, against="HEAD") as change:
        assert _status(change.files) == {
            "proto/acme/user/v1/person.proto": ("R", "proto/acme/user/v1/user.proto"),
        }


def test_refs_tag_sha_short_sha_and_parent(repo: GitRepo) -> None:
    _base_repo(repo)
    first = repo.sha("HEAD")
    repo.git("tag", "v1.0.0")
    repo.write(
        "proto/acme/todo/v1/todo.proto", TODO.replace("bool done = 3;", "bool finished = 3;")
    )
    second = repo.commit("rename done")

    for against in ("v1.0.0", first, first[:8], "HEAD~1", "HEAD^"):
        with load_change(repo.path, against=against, head="HEAD") as change:
            assert change.base.ref.sha == first, against
            assert change.base.ref.ref == against
            assert change.head.ref.sha == second
            assert _status(change.files) == {"proto/acme/todo/v1/todo.proto": ("M", None)}
            assert change.commit_messages == ["rename done"]


def test_default_base_is_merge_base_with_main(repo: GitRepo) -> None:
    _base_repo(repo)
    fork = repo.sha("HEAD")
    repo.git("checkout", "--quiet", "-b", "feature")
    repo.write("proto/acme/todo/v1/extra.proto", proto("acme.todo.v1", "message Extra {}"))
    repo.commit("feature")
    # main moves on; its change must not show up as a change of the feature branch.
    repo.git("checkout", "--quiet", "main")
    repo.write("proto/acme/user/v1/user.proto", USER.replace("int32 age = 4;", ""))
    repo.commit("main moves")
    repo.git("checkout", "--quiet", "feature")

    with load_change(repo.path, head="HEAD") as change:
        assert change.base.ref.sha == fork
        assert _status(change.files) == {"proto/acme/todo/v1/extra.proto": ("A", None)}


def test_clean_main_has_no_changes(repo: GitRepo) -> None:
    _base_repo(repo)
    with load_change(repo.path) as change:
        assert change.base.ref.sha == repo.sha("main")
        assert change.files == []
        assert change.head.proto_paths() == change.base.proto_paths()


def test_default_base_falls_back_to_origin_main(repo: GitRepo) -> None:
    _base_repo(repo)
    fork = repo.sha("HEAD")
    repo.git("update-ref", "refs/remotes/origin/main", fork)
    repo.git("checkout", "--quiet", "-b", "feature")
    repo.git("branch", "--quiet", "-D", "main")
    repo.write("proto/acme/todo/v1/extra.proto", proto("acme.todo.v1", "message Extra {}"))
    repo.commit("feature")
    with load_change(repo.path, head="HEAD") as change:
        assert change.base.ref.ref == "origin/main"
        assert change.base.ref.sha == fork
    with load_change(repo.path, against="origin/main", head="feature") as change:
        assert [f.path for f in change.files] == ["proto/acme/todo/v1/extra.proto"]


def test_no_main_branch_is_a_clear_error(repo: GitRepo) -> None:
    repo.git("checkout", "--quiet", "-b", "trunk")
    _base_repo(repo)
    assert re.search(r"no main or master branch .*--against", _error(repo.path))


def test_against_directory(repo: GitRepo, tmp_path: Path) -> None:
    _base_repo(repo)
    old = tmp_path / "old"
    (old / "proto/acme/todo/v1").mkdir(parents=True)
    (old / "proto/acme/todo/v1/todo.proto").write_text(
        TODO.replace("string title = 2;", "string label = 2;")
    )
    (old / "proto/acme/legacy.proto").write_text(proto("acme", "message Legacy {}"))
    (old / "notes.md").write_text("x")
    with load_change(repo.path, against=str(old)) as change:
        assert change.base.ref.kind == "directory" and change.base.ref.sha is None
        assert change.base.proto_paths() == [
            "proto/acme/legacy.proto",
            "proto/acme/todo/v1/todo.proto",
        ]
        assert _status(change.files) == {
            "proto/acme/legacy.proto": ("D", None),
            "proto/acme/todo/v1/todo.proto": ("M", None),
            "proto/acme/user/v1/user.proto": ("A", None),
            "proto/acme/billing/v1/billing.proto": ("A", None),
        }
        assert change.commit_messages == []


def test_plain_directories_without_git(tmp_path: Path) -> None:
    head, base = tmp_path / "head", tmp_path / "base"
    for root in (head, base):
        (root / "proto/acme/todo/v1").mkdir(parents=True)
    (base / "proto/acme/todo/v1/todo.proto").write_text(TODO)
    (head / "proto/acme/todo/v1/tasks.proto").write_text(
        TODO.replace("repeated string tags = 5;", "")
    )
    # Tooling directories of a plain tree are not part of the API.
    for tooling in (".venv/lib/google/protobuf", "node_modules/x"):
        (head / tooling).mkdir(parents=True)
        (head / tooling / "descriptor.proto").write_text(proto("google.protobuf", "message X {}"))
    with load_change(head, against=str(base)) as change:
        assert change.repo_root == head.resolve()
        assert change.head.ref.kind == "directory"
        assert change.head.proto_paths() == ["proto/acme/todo/v1/tasks.proto"]
        assert _status(change.files) == {
            "proto/acme/todo/v1/tasks.proto": ("R", "proto/acme/todo/v1/todo.proto")
        }


def test_not_a_git_repository(tmp_path: Path) -> None:
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(GateError) as err, load_change(plain):
        pass
    assert str(err.value) == (
        f"not a git repository: {plain.resolve()} (use --repo, or --against DIR for plain directories)"
    )


def test_unknown_ref_is_named(repo: GitRepo) -> None:
    _base_repo(repo)
    assert re.search("unknown ref 'no-such-branch'", _error(repo.path, against="no-such-branch"))
    assert re.search("unknown ref 'deadbeef'", _error(repo.path, against="main", head="deadbeef"))


@pytest.mark.parametrize("ref", ["--output=/tmp/pwned", "-h", "main with space", "", "a\nb"])
def test_refs_that_look_like_options_are_rejected(repo: GitRepo, ref: str, tmp_path: Path) -> None:
    _base_repo(repo)
    with pytest.raises(GateError, match="invalid ref"), load_change(repo.path, against=ref):
        pass
    assert re.search("invalid ref", _error(repo.path, against="main", head=ref))
    with pytest.raises(GateError):
        validate_ref(ref)


def test_shallow_clone_without_base_says_what_to_fetch(repo: GitRepo, tmp_path: Path) -> None:
    _base_repo(repo)
    repo.git("checkout", "--quiet", "-b", "feature")
    repo.write("proto/acme/todo/v1/extra.proto", proto("acme.todo.v1", "message Extra {}"))
    repo.commit("feature 1")
    repo.write("proto/acme/todo/v1/more.proto", proto("acme.todo.v1", "message More {}"))
    repo.commit("feature 2")
    clone = tmp_path / "clone"
    subprocess.run(
        [
            "git",
            "clone",
            "--quiet",
            "--depth",
            "1",
            "--branch",
            "feature",
            f"file://{repo.path}",
            str(clone),
        ],
        check=True,
        capture_output=True,
    )
    # Default base: no main in a single-branch shallow clone.
    with pytest.raises(GateError, match=r"shallow clone.*fetch-depth: 0"), load_change(clone):
        pass
    # The parent commit was not fetched.
    assert re.search(
        r"unknown ref 'HEAD~1'.*shallow clone.*git fetch --deepen", _error(clone, against="HEAD~1")
    )
    # After fetching what the messages say, both work.
    subprocess.run(
        ["git", "fetch", "--quiet", "--deepen=1", "origin"],
        cwd=clone,
        check=True,
        capture_output=True,
    )
    with load_change(clone, against="HEAD~1", head="HEAD") as change:
        assert [f.path for f in change.files] == ["proto/acme/todo/v1/more.proto"]
    with pytest.raises(GateError) as err, load_change(clone):
        pass
    command = str(err.value).split("(", 1)[1].split(",", 1)[0]
    assert command.startswith("git fetch --deepen=100 origin main:refs/remotes/origin/main")
    subprocess.run(command.split(), cwd=clone, check=True, capture_output=True)
    with load_change(clone, head="HEAD") as change:
        assert change.base.ref.ref == "origin/main"
        assert [f.path for f in change.files] == [
            "proto/acme/todo/v1/extra.proto",
            "proto/acme/todo/v1/more.proto",
        ]


def test_shallow_clone_with_base_present_works(repo: GitRepo, tmp_path: Path) -> None:
    _base_repo(repo)
    repo.git("checkout", "--quiet", "-b", "feature")
    repo.write("proto/acme/todo/v1/extra.proto", proto("acme.todo.v1", "message Extra {}"))
    repo.commit("feature")
    clone = tmp_path / "clone"
    subprocess.run(
        [
            "git",
            "clone",
            "--quiet",
            "--depth",
            "1",
            "--no-single-branch",
            "--branch",
            "feature",
            f"file://{repo.path}",
            str(clone),
        ],
        check=True,
        capture_output=True,
    )
    with load_change(clone, against="origin/main", head="HEAD") as change:
        assert _status(change.files) == {"proto/acme/todo/v1/extra.proto": ("A", None)}
    # No merge base in the fetched history: the message says how to deepen.
    assert re.search(
        r"no merge base.*shallow clone.*git fetch --deepen", _error(clone, head="HEAD")
    )


def test_snapshot_read_text_rejects_binary_and_non_utf8(repo: GitRepo) -> None:
    _base_repo(repo)
    (repo.path / "proto/latin1.proto").write_bytes(
        'syntax = "proto3"; // caf\xe9\n'.encode("latin-1")
    )
    (repo.path / "proto/binary.proto").write_bytes(b"\x00\x01\x02")
    repo.commit("odd files")
    with load_change(repo.path, against="HEAD~1", head="HEAD") as change:
        with pytest.raises(GateError, match="not UTF-8"):
            change.head.read_text("proto/latin1.proto")
        with pytest.raises(GateError, match="binary"):
            change.head.read_text("proto/binary.proto")
        with pytest.raises(GateError, match="is not in"):
            change.base.read_text("proto/latin1.proto")
        with pytest.raises(GateError, match="outside the repository"):
            change.head.read_text("../etc/passwd")


def test_symlinked_protos_are_skipped(repo: GitRepo, tmp_path: Path) -> None:
    _base_repo(repo)
    secret = tmp_path / "secret.proto"
    secret.write_text("top secret")
    os.symlink(secret, repo.path / "proto/leak.proto")
    repo.commit("symlink")
    with load_change(repo.path, against="HEAD~1", head="HEAD") as change:
        assert "proto/leak.proto" not in change.head.proto_paths()
    with load_change(repo.path, against="HEAD~1") as change:
        assert "proto/leak.proto" not in change.head.proto_paths()


def test_hook_environment_does_not_leak(
    repo: GitRepo, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _base_repo(repo)
    repo.write("proto/acme/todo/v1/new.proto", proto("acme.todo.v1", "message New {}"))
    # A pre-commit hook runs with GIT_INDEX_FILE set; the scratch repo must ignore it.
    monkeypatch.setenv("GIT_INDEX_FILE", str(tmp_path / "hook-index"))
    with load_change(repo.path, against="HEAD") as change:
        assert [f.path for f in change.files] == ["proto/acme/todo/v1/new.proto"]
