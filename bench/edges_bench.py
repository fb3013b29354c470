"""Figures for the edges on a generated ~500-file proto tree (prints, asserts nothing).

Run: python -m tests.edges._bench_edges [N_FILES]   (meant to move to bench/)
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from compat_checker.buf import BufRunner
from compat_checker.gitsource import load_change
from compat_checker.modules import discover_layouts


def _file(pkg: int, idx: int, fields: int = 12) -> str:
    lines = ['syntax = "proto3";', "", f"package acme.p{pkg}.v1;", ""]
    if idx > 0:
        lines += [f'import "acme/p{pkg}/v1/f{idx - 1}.proto";', ""]
    lines.append(f"// Message {idx} of package {pkg}.")
    lines.append(f"message M{idx} {{")
    for n in range(1, fields + 1):
        lines.append(f"  string field_{n} = {n};")
    if idx > 0:
        lines.append(f"  M{idx - 1} previous = {fields + 1};")
    lines.append("}")
    lines.append(f"enum E{idx} {{")
    lines += [f"  E{idx}_V{n} = {n};" for n in range(6)]
    lines.append("}")
    lines.append(f"service S{idx} {{ rpc Call(M{idx}) returns (M{idx}); }}")
    return "\n".join(lines) + "\n"


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def _timed(label: str, fn, repeat: int = 3):  # type: ignore[no-untyped-def]
    best = float("inf")
    result = None
    for _ in range(repeat):
        started = time.perf_counter()
        result = fn()
        best = min(best, time.perf_counter() - started)
    print(f"{label:<58} {best * 1000:8.0f} ms")
    return result


def main(n_files: int = 500) -> None:
    os.environ.setdefault("GIT_AUTHOR_NAME", "bench")
    os.environ.setdefault("GIT_AUTHOR_EMAIL", "bench@example.com")
    os.environ.setdefault("GIT_COMMITTER_NAME", "bench")
    os.environ.setdefault("GIT_COMMITTER_EMAIL", "bench@example.com")
    packages = max(1, n_files // 10)
    with tempfile.TemporaryDirectory(prefix="pg-bench-") as tmp:
        repo = Path(tmp) / "repo"
        (repo / "proto").mkdir(parents=True)
        _git(repo, "init", "--quiet", "--initial-branch=main")
        (repo / "buf.yaml").write_text("version: v2\nmodules:\n  - path: proto\n")
        for pkg in range(packages):
            for idx in range(10):
                path = repo / f"proto/acme/p{pkg}/v1/f{idx}.proto"
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(_file(pkg, idx))
        _git(repo, "add", "--all")
        _git(repo, "commit", "--quiet", "-m", "base")
        _git(repo, "checkout", "--quiet", "-b", "feature")
        # 20 changed files: type changes, a deleted field, two renames, one deletion.
        for pkg in range(min(20, packages)):
            path = repo / f"proto/acme/p{pkg}/v1/f9.proto"
            path.write_text(path.read_text().replace("string field_3 = 3;", "int64 field_3 = 3;"))
        _git(repo, "mv", "proto/acme/p0/v1/f9.proto", "proto/acme/p0/v1/f9_renamed.proto")
        _git(repo, "rm", "--quiet", "-f", "proto/acme/p1/v1/f9.proto")
        _git(repo, "commit", "--quiet", "--all", "-m", "feature")
        # Working-tree edits on top, and an untracked file.
        (repo / "proto/acme/p2/v1/f8.proto").write_text(
            _file(2, 8).replace("string field_1 = 1;", "")
        )
        (repo / "proto/acme/p3/v1/new.proto").write_text(
            _file(3, 0).replace("M0", "Fresh").replace("E0", "EFresh").replace("S0", "SFresh")
        )

        n = len(list((repo / "proto").rglob("*.proto")))
        print(f"tree: {n} .proto files, {packages} packages; buf {BufRunner().version}")

        def commits() -> int:
            with load_change(repo, against="main", head="feature") as change:
                return len(change.files)

        def worktree() -> int:
            with load_change(repo, against="main") as change:
                return len(change.files)

        files = _timed("load_change main..feature (2 commits materialised)", commits)
        print(f"{'':<58} {files} changed files")
        files = _timed("load_change main..working tree (copy + scratch hash)", worktree)
        print(f"{'':<58} {files} changed files")

        runner = BufRunner(timeout=300)
        with load_change(repo, against="main", head="feature") as change:
            base_root, head_root = change.base.root, change.head.root
            layouts = _timed(
                "discover_layouts (both sides)", lambda: discover_layouts(base_root, head_root)
            )
            base_layout, head_layout = layouts
            _timed("buf build base (one image)", lambda: runner.build(base_root, base_layout))
            _timed(
                "buf build base, then head (sequential)",
                lambda: (
                    runner.build(base_root, base_layout),
                    runner.build(head_root, head_layout),
                ),
            )
            pair = _timed(
                "buf build base + head concurrently (build_pair)",
                lambda: runner.build_pair(base_root, base_layout, head_root, head_layout),
            )
            base_build, head_build = pair
            print(
                f"{'':<58} image sizes {len(base_build.image or b'') // 1024} KiB / "
                f"{len(head_build.image or b'') // 1024} KiB"
            )
            found = _timed(
                "buf breaking on the two images",
                lambda: runner.breaking(head_build, base_build, head_layout, None),
            )
            print(f"{'':<58} {len(found)} findings")

            def images_total() -> int:
                b, h = runner.build_pair(base_root, base_layout, head_root, head_layout)
                return len(runner.breaking(h, b, head_layout, None))

            _timed("TOTAL images: build_pair + breaking", images_total)

            def dirs_total() -> int:
                # The snapshots hold the repo's buf.yaml and no buf.lock: buf reads them as is.
                proc = subprocess.run(
                    [
                        str(runner.binary),
                        "breaking",
                        ".",
                        "--against",
                        str(base_root),
                        "--error-format",
                        "json",
                    ],
                    cwd=head_root,
                    capture_output=True,
                    text=True,
                    check=False,
                )
                return len(proc.stdout.splitlines())

            count = _timed("TOTAL dirs: buf breaking DIR --against DIR", dirs_total)
            print(f"{'':<58} {count} findings")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 500)
