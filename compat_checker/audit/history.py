"""What git remembers about field numbers and enum values: the history no single diff sees.

The first-parent history of HEAD is replayed oldest first, one commit at a time, for the
.proto files under the audited path. Each changed blob is read once (one `git cat-file
--batch` process) and parsed once (cached by blob sha, in worker processes). Numbers are
tracked per message and enum FQN, over all files together, so moving a message to another
file or renaming a file changes nothing; a field renamed in place keeps its number and is
no event at all. The audited tree on disk is the last step (uncommitted edits included).

A number that is deleted and later taken by a field with another name or type is a
*reuse*: data written under the old meaning decodes as the new field.
"""

from __future__ import annotations

import glob
import hashlib
import subprocess
import threading
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

from compat_checker.audit.files import skipped_path
from compat_checker.audit.model import HistoryEvent
from compat_checker.audit.pool import run_all
from compat_checker.errors import GateError
from compat_checker.gitsource import git_env
from compat_checker.modules import scan_proto
from protomodel.errors import ProtoParseError
from protomodel.model import FieldModel, FileModel, TypeKind, iter_all_enums, iter_all_messages
from protomodel.parse import parse_file

Kind = Literal["messages", "enums"]
KINDS: tuple[Kind, ...] = ("messages", "enums")
Holder = tuple[str, ...]  # a field: (name, type); an enum number: its value names

# The audited tree on disk, as the last step of the history (it has no commit yet).
WORKTREE_COMMIT = "0" * 40
WORKTREE_LABEL = "the working tree (uncommitted)"


def commit_label(sha: str) -> str:
    """How a history event's commit is shown: its short SHA, or the uncommitted tree."""
    return WORKTREE_LABEL if sha == WORKTREE_COMMIT else sha[:12]


def has_uncommitted_protos(top: Path, path: Path) -> bool:
    """Whether the audited tree differs from HEAD in a .proto file (edited, added, removed)."""
    try:
        out = _git(top, "status", "--porcelain", "--untracked-files=all", "--", str(path))
    except GateError:  # not a work tree, git missing: nothing to say
        return False
    return any(line[3:].strip().strip('"').endswith(".proto") for line in out.splitlines())


_NULL_BLOB = "0" * 40
_REGULAR_MODES = frozenset({"100644", "100755"})

Progress = Callable[[str, int, int], None]


# ---------------------------------------------------------------------------- shapes


@dataclass(frozen=True)
class Shape:
    """The numbers of one file version: message FQN → number → (name, type), and enum
    FQN → number → value names."""

    messages: dict[str, dict[int, Holder]] = field(default_factory=dict)
    enums: dict[str, dict[int, Holder]] = field(default_factory=dict)


def file_shape(files: Iterable[FileModel]) -> Shape:
    shape = Shape()
    for file in files:
        for message in iter_all_messages(file):
            if not message.is_map_entry:
                shape.messages[message.fqn] = {f.number: field_holder(f) for f in message.fields}
        for enum in iter_all_enums(file):
            names: dict[int, list[str]] = {}
            for value in enum.values:
                names.setdefault(value.number, []).append(value.name)
            shape.enums[enum.fqn] = {n: tuple(sorted(v)) for n, v in names.items()}
    return shape


def field_holder(field_model: FieldModel) -> Holder:
    """(name, type) with message and enum types by their simple name: a historical file is
    parsed alone, so a reference to another file stays as written (``Address`` or
    ``acme.v1.Address``) where the audited tree has it resolved."""
    if field_model.is_map:
        kind = "map"
        value = _simple(field_model.map_value_type or "")
        return field_model.name, f"{kind}<{field_model.map_key_type}, {value}>"
    type_name = (
        field_model.type if field_model.type_kind == TypeKind.SCALAR else _simple(field_model.type)
    )
    return field_model.name, f"repeated {type_name}" if field_model.is_repeated else type_name


def _simple(type_name: str) -> str:
    return type_name.rsplit(".", 1)[-1]


# ---------------------------------------------------------------------------- replay


@dataclass
class NumberHistory:
    """Every event of one number of one message (or enum), oldest first."""

    events: list[HistoryEvent] = field(default_factory=list)
    deleted_as: Holder | None = None  # who held the number when it was last deleted
    reused: bool = False


@dataclass
class History:
    messages: dict[str, dict[int, NumberHistory]] = field(default_factory=dict)
    enums: dict[str, dict[int, NumberHistory]] = field(default_factory=dict)
    commits: int = 0


@dataclass(frozen=True)
class FileChange:
    path: str
    blob: str | None  # None: the file was deleted


@dataclass(frozen=True)
class Commit:
    sha: str
    date: str
    changes: tuple[FileChange, ...]


class _State:
    """Every file's shape at the current step, and which files define each FQN."""

    def __init__(self) -> None:
        self.by_path: dict[str, Shape] = {}
        self.owners: dict[tuple[Kind, str], set[str]] = {}

    def keys(self, path: str) -> set[tuple[Kind, str]]:
        shape = self.by_path.get(path)
        if shape is None:
            return set()
        return {(kind, fqn) for kind in KINDS for fqn in getattr(shape, kind)}

    def view(self, kind: Kind, fqn: str) -> dict[int, Holder]:
        paths = self.owners.get((kind, fqn))
        if not paths:
            return {}
        return getattr(self.by_path[min(paths)], kind)[fqn]

    def put(self, path: str, shape: Shape | None) -> None:
        for key in self.keys(path):
            self.owners[key].discard(path)
        self.by_path.pop(path, None)
        if shape is not None:
            self.by_path[path] = shape
            for key in self.keys(path):
                self.owners.setdefault(key, set()).add(path)


def replay(
    commits: Sequence[Commit], shapes: Mapping[str, Shape | None], current: Shape
) -> History:
    """Replay ``commits`` (oldest first) over the blob shapes, then the tree on disk.

    A blob whose shape is None did not parse: the file keeps its previous shape, so a
    broken version in the middle of the history invents no deletions.
    """
    history = History(commits=len(commits))
    state = _State()
    for commit in commits:
        affected: set[tuple[Kind, str]] = set()
        updates: list[tuple[str, Shape | None]] = []
        for change in commit.changes:
            if change.blob is None:
                updates.append((change.path, None))
            else:
                shape = shapes.get(change.blob)
                if shape is None:
                    continue
                updates.append((change.path, shape))
                affected |= {(kind, fqn) for kind in KINDS for fqn in getattr(shape, kind)}
            affected |= state.keys(change.path)
        before = {key: state.view(*key) for key in affected}
        for path, shape in updates:
            state.put(path, shape)
        for key in sorted(affected):
            _transition(history, key, before[key], state.view(*key), commit.sha, commit.date)
    for kind in KINDS:
        for fqn, now in sorted(getattr(current, kind).items()):
            then = state.view(kind, fqn)
            if then != now:
                _transition(history, (kind, fqn), then, now, WORKTREE_COMMIT, "")
    return history


def _transition(
    history: History,
    key: tuple[Kind, str],
    before: Mapping[int, Holder],
    after: Mapping[int, Holder],
    sha: str,
    date: str,
) -> None:
    kind, fqn = key
    numbers = getattr(history, kind).setdefault(fqn, {})
    for number in sorted(before.keys() - after.keys()):
        entry = numbers.setdefault(number, NumberHistory())
        entry.events.append(_event(kind, sha, date, "deleted", before[number]))
        entry.deleted_as = before[number]
    for number in sorted(after.keys() - before.keys()):
        entry = numbers.setdefault(number, NumberHistory())
        holder = after[number]
        if entry.deleted_as is not None and _different(kind, entry.deleted_as, holder):
            entry.reused = True
            entry.events.append(_event(kind, sha, date, "reused", holder))
        else:
            entry.events.append(_event(kind, sha, date, "added", holder))


def _different(kind: Kind, old: Holder, new: Holder) -> bool:
    if kind == "enums":  # aliases: the same meaning as long as one name carries over
        return not set(old) & set(new)
    return old != new


def _event(kind: Kind, sha: str, date: str, event: str, holder: Holder) -> HistoryEvent:
    if kind == "enums":
        return HistoryEvent(
            commit=sha, date=date, event=event, field=", ".join(holder), type="enum value"
        )
    return HistoryEvent(commit=sha, date=date, event=event, field=holder[0], type=holder[1])


# ---------------------------------------------------------------------------- git


def git_toplevel(path: Path) -> Path | None:
    """The work tree containing ``path``, or None outside git (or without git)."""
    try:
        done = _git(path, "rev-parse", "--show-toplevel")
    except GateError:
        return None
    return Path(done.strip()) if done.strip() else None


def head_commit(top: Path) -> str | None:
    try:
        out = _git(top, "rev-parse", "--verify", "--quiet", "HEAD^{commit}")
    except GateError:
        return None  # no commit yet
    return out.strip() or None


def is_shallow(top: Path) -> bool:
    """Whether the repository is a shallow clone (`git clone --depth N`, CI checkouts)."""
    try:
        return _git(top, "rev-parse", "--is-shallow-repository").strip() == "true"
    except GateError:
        return False


def scan_history(
    top: Path,
    prefix: str,
    packages: set[str],
    current: Shape,
    *,
    known: Mapping[str, Shape] | None = None,
    jobs: int,
    progress: Progress | None = None,
) -> History:
    """The history of the .proto files under ``prefix`` (repo-relative, "" or "dir/").

    ``known`` maps git blob ids to shapes already computed (the audited files on disk):
    most files are unchanged since their last commit, so most blobs need no parse.
    """
    commits = list_commits(top, prefix) if head_commit(top) else []
    known = known or {}
    shapes: dict[str, Shape | None] = {}
    blobs: dict[str, str] = {}  # sha → a path it had (for messages)
    for commit in commits:
        for change in commit.changes:
            if change.blob is None:
                continue
            if change.blob in known:
                shapes[change.blob] = known[change.blob]
            else:
                blobs.setdefault(change.blob, change.path)
    wanted: list[tuple[str, str, bytes]] = []
    for sha, data in read_blobs(top, list(blobs)):
        try:
            package = scan_proto(data.decode("utf-8"))[0] or ""
        except UnicodeDecodeError:
            shapes[sha] = None
            continue
        # Only a file of an audited package can define an audited message.
        if package in packages:
            wanted.append((sha, blobs[sha], data))
        else:
            shapes[sha] = Shape()
    for done, (item, shape) in enumerate(
        zip(wanted, run_all(_blob_shape, wanted, jobs), strict=True), start=1
    ):
        shapes[item[0]] = shape
        if progress is not None:
            progress("history", done, len(wanted))
    return replay(commits, shapes, current)


def git_blob_id(data: bytes) -> str:
    """The id git gives a file with this content (``git hash-object``, SHA-1 repositories)."""
    return hashlib.sha1(b"blob %d\0" % len(data) + data, usedforsecurity=False).hexdigest()


def _blob_shape(item: tuple[str, str, bytes]) -> Shape | None:
    _, path, data = item
    try:
        return file_shape([parse_file(data, path)])
    except ProtoParseError:
        return None  # a broken version: skipped, the replay keeps the previous one
    except RecursionError:
        return None


def list_commits(top: Path, prefix: str) -> list[Commit]:
    """First-parent commits of HEAD touching .proto files under ``prefix``, oldest first;
    a merge counts as one change against its first parent (the mainline's view)."""
    pathspec = f":(glob){glob.escape(prefix)}**/*.proto"
    # --root and --no-show-signature: the output must not depend on the user's
    # log.showRoot (the first commit's files) or log.showSignature (gpg lines in the output).
    out = _git(
        top,
        "log",
        "--root",
        "--no-show-signature",
        "--first-parent",
        "--diff-merges=first-parent",
        "--reverse",
        "--raw",
        "--no-renames",
        "--no-abbrev",
        "-z",
        "--format=%x01%H %aI",
        "HEAD",
        "--",
        pathspec,
    )
    commits: list[Commit] = []
    for chunk in out.split("\x01")[1:]:
        header, _, body = chunk.partition("\0")
        sha, _, date = header.partition(" ")
        tokens = body.lstrip("\n").split("\0")
        changes = []
        for meta, path in zip(tokens[::2], tokens[1::2], strict=False):
            parts = meta.lstrip(":").split()
            if len(parts) < 5 or not path.startswith(prefix) or skipped_path(path):
                continue
            _, new_mode, _, new_blob, _ = parts[:5]
            if new_blob == _NULL_BLOB:
                changes.append(FileChange(path, None))
            elif new_mode in _REGULAR_MODES:
                changes.append(FileChange(path, new_blob))
        if changes:
            commits.append(Commit(sha, date, tuple(changes)))
    return commits


def read_blobs(top: Path, shas: Sequence[str]) -> Iterator[tuple[str, bytes]]:
    """Each blob's content, from one `git cat-file --batch` process."""
    if not shas:
        return
    process = subprocess.Popen(
        ["git", "cat-file", "--batch"],
        cwd=top,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        env=git_env(),
    )
    assert process.stdin is not None and process.stdout is not None

    def feed() -> None:
        # A thread writes while we read, so neither pipe fills up and blocks the other.
        try:
            process.stdin.write("".join(f"{sha}\n" for sha in shas).encode())
            process.stdin.close()
        except BrokenPipeError:
            pass

    writer = threading.Thread(target=feed, daemon=True)
    writer.start()
    finished = False
    try:
        for sha in shas:
            header = process.stdout.readline().split()
            if len(header) != 3 or header[1] != b"blob":
                # Usually a blobless clone (`--filter=blob:none`): the audit never fetches.
                raise GateError(
                    f"git cat-file: cannot read blob {sha} (a partial clone? fetch the "
                    "history's blobs, or run with --no-history)"
                )
            data = process.stdout.read(int(header[2]))
            process.stdout.read(1)  # the newline after each object
            yield sha, data
        finished = True
    finally:
        # Stopped early (an error here or in the caller), git may be blocked writing output
        # nobody reads, and the writer blocked feeding it: end git before waiting for either.
        if not finished:
            process.kill()
        writer.join()
        process.stdout.close()
        process.wait()


def _git(cwd: Path, *args: str) -> str:
    try:
        done = subprocess.run(
            ["git", *args], cwd=cwd, capture_output=True, env=git_env(), check=False
        )
    except OSError as exc:
        raise GateError(f"cannot run git: {exc.strerror}") from None
    if done.returncode != 0:
        message = done.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GateError(f"git {args[0]} failed: {message[0] if message else done.returncode}")
    return done.stdout.decode("utf-8", "replace")
