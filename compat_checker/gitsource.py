"""The two versions of the proto tree that the gate compares, read from git or directories.

`load_change(repo, against, head)` resolves the base and head, writes each version's
`.proto` files and buf configuration files (buf.yaml, buf.work.yaml, buf.lock) into a
private temporary directory (`Snapshot.root`) and lists the changed `.proto` files with
git's rename detection. Nothing in the user's work tree, index or object database is
touched: commits are read blob by blob, the work tree is copied, and trees for the work
tree or a directory are hashed into a throwaway object database that borrows the user's
objects through `alternates`.

Refs come from pull requests and CI configuration, so they are validated (no leading
`-`, no whitespace or control characters) and passed after `--end-of-options`; every git
call is an argument list (GitPython, never a shell).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import stat
import tempfile
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

import git
from git.exc import GitCommandError, InvalidGitRepositoryError, NoSuchPathError

from compat_checker.errors import GateError
from compat_checker.findings import ChangedFile, FileStatus, RefInfo
from compat_checker.modules import list_protos
from compat_checker.promises import PROMISE_DOCUMENTS

PROTO_SUFFIX = ".proto"
# buf configuration that decides module roots and breaking settings (buf.gen.yaml does not).
CONFIG_NAMES = frozenset({"buf.yaml", "buf.work.yaml", "buf.lock"})
_POLICY_RE = re.compile(r"(?:buf\.policy.*|.*\.policy)\.ya?ml$")
# Tried in order when no base is given: the merge base of HEAD with the first that exists.
DEFAULT_BASES = ("main", "origin/main", "master", "origin/master")
WORKTREE_LABEL = "working tree"

_REGULAR_MODES = {"100644", "100755"}  # symlinks (120000) and submodules (160000) are skipped
_REF_RE = re.compile(r"^[^\s\x00-\x1f\x7f]{1,1024}$")
_SHM_MIN_FREE = 1 << 30  # 1 GiB free on /dev/shm before we use it
_SKIP_DIRS = frozenset({"node_modules", "__pycache__"})
# Inherited from a git hook these would point our own git calls at the wrong repository.
_GIT_LOCATION_VARS = (
    "GIT_DIR",
    "GIT_WORK_TREE",
    "GIT_INDEX_FILE",
    "GIT_OBJECT_DIRECTORY",
    "GIT_ALTERNATE_OBJECT_DIRECTORIES",
    "GIT_COMMON_DIR",
    "GIT_PREFIX",
    "GIT_NAMESPACE",
)
# Never prompt, never fetch missing objects of a partial clone (git >= 2.44 honours it),
# never take the index lock for an opportunistic stat refresh.
_GIT_SAFE_ENV = {"GIT_TERMINAL_PROMPT": "0", "GIT_NO_LAZY_FETCH": "1", "GIT_OPTIONAL_LOCKS": "0"}


@dataclass(frozen=True)
class Snapshot:
    """One version of the tree: its `.proto` and buf config files at repo-relative paths."""

    ref: RefInfo
    root: Path

    def read_text_if_present(self, repo_path: str) -> str | None:
        path = self.root / repo_path
        return path.read_text(encoding="utf-8", errors="replace") if path.is_file() else None

    def read_text(self, repo_path: str) -> str:
        data = self.read_bytes(repo_path)
        if b"\x00" in data:
            raise GateError(f"{repo_path} ({self.ref.ref}): binary file, not proto source")
        try:
            return data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise GateError(
                f"{repo_path} ({self.ref.ref}): not UTF-8 text (byte {exc.start})"
            ) from None

    def read_bytes(self, repo_path: str) -> bytes:
        target = self.root / _safe_relative(repo_path)
        try:
            return target.read_bytes()
        except FileNotFoundError:
            raise GateError(f"{repo_path} is not in {self.ref.ref}") from None
        except OSError as exc:
            raise GateError(f"{repo_path} ({self.ref.ref}): cannot read: {exc.strerror}") from None

    def proto_paths(self) -> list[str]:
        return [p for p in self._all_paths() if p.endswith(PROTO_SUFFIX)]

    def config_paths(self) -> list[str]:
        return [p for p in self._all_paths() if PurePosixPath(p).name in CONFIG_NAMES]

    def _all_paths(self) -> list[str]:
        result = []
        for directory, _dirs, files in os.walk(self.root):
            rel = Path(directory).relative_to(self.root).as_posix()
            result.extend(name if rel == "." else f"{rel}/{name}" for name in files)
        return sorted(result)


@dataclass(frozen=True)
class ChangeSet:
    repo_root: Path
    base: Snapshot
    head: Snapshot
    files: list[ChangedFile] = field(default_factory=list)
    # Messages of the commits in base..head (base..HEAD for a working-tree head), for the
    # `Protoguard-Allow-Breaking:` and `Protoguard-Allow-PII:` trailers; empty when the
    # base is a directory.
    commit_messages: list[str] = field(default_factory=list)


def scratch_parent() -> str | None:
    """Where snapshots and buf workspaces go: $PROTOGUARD_TMPDIR, else a roomy tmpfs.

    Materialising means creating hundreds of small files and deleting them again; on a
    virtual disk that costs 1-3 ms per file, on tmpfs (/dev/shm) a few microseconds. The
    free-space check keeps us off small tmpfs mounts (Docker's default /dev/shm is 64 MiB).
    None: the standard temporary directory ($TMPDIR).
    """
    configured = os.environ.get("PROTOGUARD_TMPDIR")
    if configured:
        return configured
    shm = "/dev/shm"
    try:
        if (
            os.path.isdir(shm)
            and os.access(shm, os.W_OK | os.X_OK)
            and shutil.disk_usage(shm).free >= _SHM_MIN_FREE
        ):
            return shm
    except OSError:
        pass
    return None


def wanted_file(path: str) -> bool:
    """The files a snapshot holds: proto sources, the buf config that places them, local
    buf policy files (`buf.policy.yaml`, `*.policy.yaml`) that a buf.yaml names, and the
    documents where a repository states its compatibility promises (promises.py)."""
    name = PurePosixPath(path).name
    return (
        name.endswith(PROTO_SUFFIX)
        or name in CONFIG_NAMES
        or bool(_POLICY_RE.match(name))
        or path in PROMISE_DOCUMENTS
    )


def validate_ref(ref: str) -> str:
    """Reject refs that could be read as options or that no git ref can be."""
    if not _REF_RE.match(ref or ""):
        raise GateError(
            f"invalid ref {ref!r}: empty, too long, or contains whitespace or control characters"
        )
    if ref.startswith("-"):
        raise GateError(f"invalid ref {ref!r}: refs must not start with '-'")
    return ref


@contextlib.contextmanager
def load_change(
    repo: Path | str | None = None,
    against: str | None = None,
    head: str | None = None,
) -> Iterator[ChangeSet]:
    """Resolve base and head, materialise both, list the changed `.proto` files.

    repo: a directory in a git work tree (default: the current directory); with
      `against` a directory, a plain (non-git) directory works too.
    against: a ref (branch, tag, SHA, `HEAD~1`, `origin/main`) or a directory holding the
      base version at repo-relative paths; None: the merge base of head with main,
      origin/main, master or origin/master.
    head: a ref; None: the working tree, uncommitted and untracked-not-ignored files included.
    """
    start = Path(repo) if repo is not None else Path.cwd()
    if not start.exists():
        raise GateError(f"not a git repository: {start} does not exist")
    against_dir = _as_directory(against, start)
    if against is not None and against_dir is None and _names_a_path(against):
        raise GateError(f"--against {against}: no such directory")
    if head is not None:
        validate_ref(head)
    if against is not None and against_dir is None:
        validate_ref(against)

    source = _open_repo(start)
    with (
        contextlib.ExitStack() as stack,
        tempfile.TemporaryDirectory(prefix="protoguard-", dir=scratch_parent()) as tmp_name,
    ):
        if source is not None:
            stack.callback(source.close)
        tmp = Path(tmp_name)
        base_root, head_root = tmp / "base", tmp / "head"
        base_root.mkdir()
        head_root.mkdir()
        if source is None:
            if against_dir is None:
                raise GateError(
                    f"not a git repository: {start.resolve()} (use --repo, or --against DIR for plain directories)"
                )
            if head is not None:
                raise GateError(
                    f"head {head!r} needs a git repository, and {start.resolve()} is not one"
                )
            repo_root = start.resolve()
            head_ref = RefInfo(ref=str(repo_root), sha=None, kind="directory")
            _copy_directory(repo_root, head_root)
            base_ref = RefInfo(ref=against or "", sha=None, kind="directory")
            _copy_directory(against_dir, base_root)
            _mount_like_head(base_root, head_root)
            files = _diff_materialised(tmp, None, base_root, None, head_root, None)
            yield _changeset(repo_root, base_ref, base_root, head_ref, head_root, files, [])
            return

        repo_root = source.root
        # Head first: the default base is the merge base with *head*.
        if head is None:
            if source.worktree is None:
                raise GateError(f"{repo_root} is a bare repository: pass --head REF")
            head_sha = None
            head_ref = RefInfo(ref=WORKTREE_LABEL, sha=None, kind="worktree")
        else:
            head_sha = source.resolve(head)
            head_ref = RefInfo(ref=head, sha=head_sha, kind="commit")

        if against_dir is not None:
            base_sha = None
            base_ref = RefInfo(ref=against or "", sha=None, kind="directory")
            _copy_directory(against_dir, base_root)
        elif against is not None:
            base_sha = source.resolve(against)
            base_ref = RefInfo(ref=against, sha=base_sha, kind="commit")
        else:
            name, base_sha = source.default_base(head_sha)
            base_ref = RefInfo(ref=name, sha=base_sha, kind="commit")

        if base_sha is not None:
            source.materialise_commit(base_sha, base_root)
        if head_sha is not None:
            source.materialise_commit(head_sha, head_root)
        else:
            source.copy_worktree(head_root)

        if against_dir is not None:
            _mount_like_head(base_root, head_root)
        if base_sha is not None and head_sha is not None:
            files = source.diff_commits(base_sha, head_sha)
        else:
            files = _diff_materialised(tmp, source, base_root, base_sha, head_root, head_sha)
        messages = source.commit_messages(base_sha, head_sha or source.current_commit())
        yield _changeset(repo_root, base_ref, base_root, head_ref, head_root, files, messages)


def _changeset(
    repo_root: Path,
    base_ref: RefInfo,
    base_root: Path,
    head_ref: RefInfo,
    head_root: Path,
    files: list[ChangedFile],
    messages: list[str],
) -> ChangeSet:
    return ChangeSet(
        repo_root=repo_root,
        base=Snapshot(ref=base_ref, root=base_root),
        head=Snapshot(ref=head_ref, root=head_root),
        files=files,
        commit_messages=messages,
    )


def _names_a_path(against: str) -> bool:
    """Written as a path, not a ref: absolute, `./x`, `../x`, `~/x`."""
    return Path(against).is_absolute() or against.startswith(("./", "../", "~", ".\\"))


def _mount_like_head(base_root: Path, head_root: Path) -> None:
    """A base directory given as the proto root (`--against old/proto`, as one gives buf a
    module) holds the files at their import paths, not at repository paths: move them under
    the prefix that lines them up with the head's files (`proto/`), so that an unchanged file
    is not reported as moved and added. Done only when that prefix matches more files than
    the base does as it is."""
    base, head = set(list_protos(base_root)), set(list_protos(head_root))
    votes: Counter[str] = Counter()
    for path in head:
        for candidate in base:
            if path.endswith("/" + candidate):
                votes[path[: -len(candidate)]] += 1
    if not votes:
        return
    prefix, matched = max(votes.items(), key=lambda item: (item[1], -len(item[0])))
    if matched <= len(base & head):
        return
    staging = base_root.parent / (base_root.name + ".mounted")
    base_root.rename(staging)
    target = base_root / prefix.rstrip("/")
    target.parent.mkdir(parents=True, exist_ok=True)
    staging.rename(target)


def _as_directory(against: str | None, start: Path) -> Path | None:
    """`against` names a directory when one exists at that path (as buf's --against does).

    A ref is never a path with separators that also exists as a directory in practice;
    when a bare word is both (a directory `main` next to a branch `main`), the directory
    wins only if written as a path (`./main`)."""
    if against is None or not against.strip():
        return None
    candidate = Path(against)
    if not candidate.is_dir():
        return None
    looks_like_path = (
        candidate.is_absolute()
        or against.startswith((".", "~"))
        or os.sep in against
        or "/" in against
    )
    if looks_like_path:
        return candidate.resolve()
    # A bare word: prefer the ref when the repository has one of that name.
    probe = _open_repo(start)
    if probe is not None:
        with contextlib.closing(probe):
            if probe.try_resolve(against) is not None:
                return None
    return candidate.resolve()


# ---------------------------------------------------------------------------------------
# The user's repository.


class _Source:
    """The user's repository, read only."""

    def __init__(self, repo: git.Repo) -> None:
        self.repo = repo
        self.git = repo.git
        self.git.update_environment(**_GIT_SAFE_ENV)
        worktree = repo.working_tree_dir
        self.worktree = Path(worktree) if worktree is not None else None
        self.root = self.worktree or Path(repo.git_dir)
        self._shallow: bool | None = None

    def close(self) -> None:
        """Stop GitPython's persistent `git cat-file` processes."""
        self.repo.close()

    def run(self, *args: str, ok_codes: Sequence[int] = (0,)) -> tuple[int, str, str]:
        try:
            status, out, err = self.git.execute(
                [git.Git.GIT_PYTHON_GIT_EXECUTABLE or "git", *args],
                with_extended_output=True,
                with_exceptions=False,
                strip_newline_in_stdout=False,
            )
        except GitCommandError as exc:  # e.g. git missing from PATH
            raise GateError(f"git {args[0]} failed: {_first_line(str(exc))}") from None
        if status not in ok_codes:
            raise GateError(
                f"git {args[0]} failed in {self.root}: {_first_line(err) or f'exit {status}'}"
            )
        return status, out, err

    @property
    def shallow(self) -> bool:
        if self._shallow is None:
            _, out, _ = self.run("rev-parse", "--is-shallow-repository")
            self._shallow = out.strip() == "true"
        return self._shallow

    def try_resolve(self, ref: str) -> str | None:
        status, out, err = self.run(
            "rev-parse",
            "--verify",
            "--quiet",
            "--end-of-options",
            f"{ref}^{{commit}}",
            ok_codes=(0, 1, 128),
        )
        if status != 0:
            if "dubious ownership" in err:
                raise GateError(
                    f"git refuses {self.root}: detected dubious ownership",
                    hint=f"git config --global --add safe.directory {self.root}",
                )
            return None
        return out.strip() or None

    def resolve(self, ref: str) -> str:
        validate_ref(ref)
        sha = self.try_resolve(ref)
        if sha is not None:
            return sha
        if self.shallow:
            raise GateError(
                f"unknown ref {ref!r}: not found in this shallow clone of {self.root}",
                hint=_fetch_hint(ref),
            )
        raise GateError(
            f"unknown ref {ref!r}: no branch, tag or commit of that name in {self.root}"
        )

    def merge_base(self, a: str, b: str) -> str | None:
        status, out, _ = self.run("merge-base", "--end-of-options", a, b, ok_codes=(0, 1))
        return out.strip() if status == 0 and out.strip() else None

    def default_base(self, head_sha: str | None) -> tuple[str, str]:
        head = head_sha or self.try_resolve("HEAD")
        if head is None:
            raise GateError(f"{self.root} has no commits yet: commit first, or pass --against DIR")
        present = [
            (name, sha) for name in DEFAULT_BASES if (sha := self.try_resolve(name)) is not None
        ]
        for name, sha in present:
            base = self.merge_base(head, sha)
            if base is not None:
                return name, base
        if present:
            names = ", ".join(name for name, _ in present)
            if self.shallow:
                raise GateError(
                    f"no merge base of HEAD and {names} in this shallow clone",
                    hint=f"fetch more history: git fetch --deepen=100 origin {_branch_of(present[0][0])}, "
                    "or fetch-depth: 0 in actions/checkout; or pass --against REF",
                )
            raise GateError(f"HEAD and {names} share no history: pass --against REF")
        if self.shallow:
            raise GateError(
                "no main or master branch to compare against in this shallow clone",
                # --deepen (not --depth): HEAD's own history must reach the fork point too.
                hint="git fetch --deepen=100 origin main:refs/remotes/origin/main, "
                "or fetch-depth: 0 in actions/checkout; or pass --against REF",
            )
        raise GateError(
            f"no main or master branch in {self.root} to compare against: pass --against REF"
        )

    def materialise_commit(self, sha: str, dest: Path) -> None:
        """Write the commit's wanted blobs under dest, read straight from the object store."""
        _, out, _ = self.run("ls-tree", "-r", "-z", "--full-tree", sha)
        wanted: list[tuple[str, str]] = []
        for entry in out.split("\0"):
            if not entry:
                continue
            meta, _, path = entry.partition("\t")
            mode, kind, obj = meta.split(" ")
            if kind == "blob" and mode in _REGULAR_MODES and wanted_file(path):
                wanted.append((obj, path))
        odb = self.repo.odb
        made: set[Path] = set()
        for obj, path in wanted:
            target = dest / _safe_relative(path)
            parent = target.parent
            if parent not in made:
                parent.mkdir(parents=True, exist_ok=True)
                made.add(parent)
            # GitPython keeps one `git cat-file --batch` process for all blobs.
            target.write_bytes(odb.stream(bytes.fromhex(obj)).read())

    def copy_worktree(self, dest: Path) -> None:
        """Copy tracked and untracked-not-ignored wanted files as they are on disk."""
        assert self.worktree is not None
        _, out, _ = self.run(
            "ls-files",
            "-z",
            "--cached",
            "--others",
            "--exclude-standard",
            "--",
            "*.proto",
            "*buf.yaml",
            "*buf.work.yaml",
            "*buf.lock",
            "*.policy.yaml",
            "*.policy.yml",
            "buf.policy*.yaml",
            "*/buf.policy*.yaml",
            *(f":(literal){path}" for path in PROMISE_DOCUMENTS),
        )
        paths = sorted({p for p in out.split("\0") if p and wanted_file(p)})
        _copy_files(self.worktree, paths, dest)

    def diff_commits(self, base: str, head: str) -> list[ChangedFile]:
        _, out, _ = self.run(
            "diff",
            "-z",
            "--name-status",
            "--find-renames",
            "--no-ext-diff",
            "--no-textconv",
            "--end-of-options",
            base,
            head,
            "--",
            "*.proto",
        )
        return _parse_name_status(out)

    def current_commit(self) -> str | None:
        """HEAD's SHA; None before the first commit."""
        code, out, _ = self.run(
            "rev-parse", "--verify", "--quiet", "HEAD^{commit}", ok_codes=(0, 1)
        )
        return out.strip() if code == 0 and out.strip() else None

    def commit_messages(self, base: str | None, head: str | None) -> list[str]:
        """Messages of the commits in base..head; none without both ends. A working-tree
        head reads the commits up to HEAD, so `check`, `check --head HEAD` and the
        pre-push hook read the same override trailers."""
        if base is None or head is None:
            return []
        _, out, _ = self.run(
            "log", "--format=%B%x00", "--max-count=1000", "--end-of-options", f"{base}..{head}"
        )
        return [m.strip() for m in out.split("\0") if m.strip()]

    @property
    def objects_dir(self) -> Path:
        return Path(self.repo.common_dir) / "objects"


def reviewed_on_next_check(path: Path, start: Path) -> bool:
    """Whether files written under ``path`` would be part of the next check's head: inside
    the working tree of the repository at ``start`` and not ignored by git."""
    try:
        repo = git.Repo(start, search_parent_directories=True)
    except (InvalidGitRepositoryError, NoSuchPathError):
        return False
    if repo.working_tree_dir is None:
        return False
    root = Path(repo.working_tree_dir).resolve()
    target = path.resolve()
    if not target.is_relative_to(root) or target == root / ".git":
        return False
    relative = target.relative_to(root).as_posix() or "."
    try:
        return not repo.ignored(relative + "/")
    except GitCommandError:
        return False


def _open_repo(start: Path) -> _Source | None:
    try:
        repo = git.Repo(start, search_parent_directories=True)
    except (InvalidGitRepositoryError, NoSuchPathError):
        return None
    return _Source(repo)


def _fetch_hint(ref: str) -> str:
    if re.fullmatch(r"[0-9a-fA-F]{7,40}", ref) or ref.startswith("HEAD"):
        return "fetch more history: git fetch --deepen=100 origin, or fetch-depth: 0 in actions/checkout"
    branch = _branch_of(ref)
    return (
        f"fetch it: git fetch --deepen=100 origin {branch}:refs/remotes/origin/{branch}, "
        "or fetch-depth: 0 in actions/checkout"
    )


def _branch_of(ref: str) -> str:
    return ref.removeprefix("refs/remotes/").removeprefix("origin/")


# ---------------------------------------------------------------------------------------
# Diffing materialised trees (working tree or directory on one side).


def _diff_materialised(
    tmp: Path,
    source: _Source | None,
    base_root: Path,
    base_sha: str | None,
    head_root: Path,
    head_sha: str | None,
) -> list[ChangedFile]:
    """Diff two trees with git's rename detection, without writing to the user's repo.

    `git diff --no-index` does not detect renames between directories, so each side that
    is not a commit is hashed into a throwaway bare repository (`git add` with a private
    index), whose `alternates` file borrows the user's objects so a commit side is used
    as is. Then `git diff-tree -M` compares the two trees.
    """
    scratch = tmp / "git"
    runner = git.Git(str(tmp))
    env = git_env()
    _git_checked(runner, ["init", "--bare", "--quiet", str(scratch)], env)
    if source is not None:
        alternates = scratch / "objects" / "info" / "alternates"
        alternates.parent.mkdir(parents=True, exist_ok=True)
        alternates.write_text(f"{source.objects_dir.resolve()}\n", encoding="utf-8")

    def tree_of(root: Path, sha: str | None, name: str) -> str:
        if sha is not None:
            return f"{sha}^{{tree}}"
        side_env = {**env, "GIT_INDEX_FILE": str(tmp / f"index-{name}")}
        side = git.Git(str(root))
        # autocrlf off: the bytes hashed must be the bytes buf reads.
        common = [f"--git-dir={scratch}", f"--work-tree={root}", "-c", "core.autocrlf=false"]
        # --force: the user's global excludes must not hide a proto from the comparison.
        _git_checked(side, [*common, "add", "--all", "--force", "--", "."], side_env)
        return _git_checked(side, [*common, "write-tree"], side_env).strip()

    base_tree = tree_of(base_root, base_sha, "base")
    head_tree = tree_of(head_root, head_sha, "head")
    out = _git_checked(
        runner,
        [
            f"--git-dir={scratch}",
            "diff-tree",
            "-r",
            "-z",
            "--name-status",
            "--find-renames",
            "--no-ext-diff",
            "--no-textconv",
            "--end-of-options",
            base_tree,
            head_tree,
            "--",
            "*.proto",
        ],
        env,
    )
    return _parse_name_status(out)


def git_env() -> dict[str, str]:
    """The environment for protoguard's own git calls: no location variables inherited from
    a hook, never prompt, never fetch, never take an optional lock."""
    env = {k: v for k, v in os.environ.items() if k not in _GIT_LOCATION_VARS}
    env.update(_GIT_SAFE_ENV)
    return env


def _git_checked(runner: git.Git, args: list[str], env: dict[str, str]) -> str:
    try:
        status, out, err = runner.execute(
            [git.Git.GIT_PYTHON_GIT_EXECUTABLE or "git", *args],
            with_extended_output=True,
            with_exceptions=False,
            strip_newline_in_stdout=False,
            env=env,
        )
    except GitCommandError as exc:
        raise GateError(f"git {args[0]} failed: {_first_line(str(exc))}") from None
    if status != 0:
        sub = next((a for a in args if not a.startswith("--")), args[0])
        raise GateError(f"git {sub} failed: {_first_line(err) or f'exit {status}'}")
    return out


def _parse_name_status(out: str) -> list[ChangedFile]:
    """Parse `--name-status -z`: `M\\0path\\0`, `R087\\0old\\0new\\0`."""
    tokens = out.split("\0")
    files: list[ChangedFile] = []
    i = 0
    while i < len(tokens):
        code = tokens[i].strip()
        if not code:
            i += 1
            continue
        letter = code[0]
        if letter in "RC":
            old, new = tokens[i + 1], tokens[i + 2]
            i += 3
            if letter == "R":
                files.append(ChangedFile(path=new, status=FileStatus.RENAMED, old_path=old))
            else:  # a copy leaves the original in place: the new file is an addition
                files.append(ChangedFile(path=new, status=FileStatus.ADDED))
            continue
        path = tokens[i + 1]
        i += 2
        status = {
            "A": FileStatus.ADDED,
            "D": FileStatus.DELETED,
            "M": FileStatus.MODIFIED,
            "T": FileStatus.MODIFIED,
        }.get(letter)
        if status is not None:
            files.append(ChangedFile(path=path, status=status))
    return sorted(files, key=lambda f: f.path)


# ---------------------------------------------------------------------------------------
# Copying files.


def _copy_directory(source: Path, dest: Path) -> None:
    """Copy a plain directory's wanted files; a git checkout is listed by git (ignores apply)."""
    if (source / ".git").exists():
        probe = _open_repo(source)
        if probe is not None:
            with contextlib.closing(probe):
                if probe.worktree is not None and probe.worktree.resolve() == source.resolve():
                    probe.copy_worktree(dest)
                    return
    paths: list[str] = []
    for directory, dirnames, filenames in os.walk(source):
        # Without .gitignore to go by, hidden directories (.venv, .tox, .git) and
        # node_modules are taken as tooling: they often carry copies of google/protobuf.
        dirnames[:] = sorted(d for d in dirnames if not d.startswith(".") and d not in _SKIP_DIRS)
        rel = Path(directory).relative_to(source).as_posix()
        for name in filenames:
            path = name if rel == "." else f"{rel}/{name}"
            if wanted_file(path):
                paths.append(path)
    _copy_files(source, sorted(paths), dest)


def _copy_files(source: Path, paths: list[str], dest: Path) -> None:
    made: set[Path] = set()
    for path in paths:
        src = source / path
        try:
            info = src.lstat()
        except FileNotFoundError:
            continue  # tracked but deleted in the work tree: absent from this version
        # Symlinks are skipped (as in the commit snapshots): a PR could point one at a
        # file outside the repository.
        if not stat.S_ISREG(info.st_mode):
            continue
        target = dest / _safe_relative(path)
        if target.parent not in made:
            target.parent.mkdir(parents=True, exist_ok=True)
            made.add(target.parent)
        shutil.copyfile(src, target)


def _safe_relative(path: str) -> Path:
    pure = PurePosixPath(path)
    if pure.is_absolute() or ".." in pure.parts or not pure.parts:
        raise GateError(f"refusing path outside the repository: {path!r}")
    return Path(*pure.parts)


def _first_line(text: str) -> str:
    for line in (text or "").splitlines():
        line = line.strip()
        if line:
            return line.removeprefix("fatal: ").removeprefix("error: ")
    return ""
