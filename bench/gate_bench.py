"""Time the whole gate against `buf breaking` alone, on the same change.

    .venv/bin/python bench/gate_bench.py [--files 500] [--changed 20] [--runs 5]

Two cases: the bundled example with the demo's two edits, and a generated repository of
N proto files of which M change. For each: the median wall time of
`buf breaking proto --against .git#branch=main,subdir=proto` (what a team runs today) and of
`protoguard check --against main --no-llm` (everything: git, both compiles, buf breaking,
our rules, PII, incidents, verdict), then the ratio.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from compat_checker.demo import build_demo_repo  # noqa: E402

BIN = Path(sys.executable).parent
GIT_ENV = {
    **os.environ,
    "GIT_AUTHOR_NAME": "bench",
    "GIT_AUTHOR_EMAIL": "bench@example.invalid",
    "GIT_COMMITTER_NAME": "bench",
    "GIT_COMMITTER_EMAIL": "bench@example.invalid",
}


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True, env=GIT_ENV)


def proto_file(index: int, *, changed: bool) -> str:
    """A realistic-sized file: a service, request/response messages, an enum, nested types."""
    package = f"acme.svc{index:04d}.v1"
    imports = ['import "google/protobuf/timestamp.proto";']
    if index > 0:
        imports.append(f'import "acme/svc{index - 1:04d}/v1/api.proto";')
    dep_field = f"  acme.svc{index - 1:04d}.v1.Item upstream = 20;\n" if index > 0 else ""
    description = "" if changed else "  string description = 3;\n"
    extra = "  int64 revision = 21;\n" if changed else ""
    return f"""syntax = "proto3";

package {package};

{chr(10).join(imports)}

// Item is a thing stored by service {index}.
message Item {{
  string name = 1;
  string title = 2;
{description}  State state = 4;
  google.protobuf.Timestamp create_time = 5;
  repeated string labels = 6;
  map<string, string> attributes = 7;
  Nested nested = 8;
{dep_field}{extra}
  message Nested {{
    int32 count = 1;
    double ratio = 2;
  }}
}}

enum State {{
  STATE_UNSPECIFIED = 0;
  STATE_ACTIVE = 1;
  STATE_ARCHIVED = 2;
}}

message GetItemRequest {{ string name = 1; }}
message ListItemsRequest {{ int32 page_size = 1; string page_token = 2; }}
message ListItemsResponse {{ repeated Item items = 1; string next_page_token = 2; }}

service ItemService{index:04d} {{
  rpc GetItem(GetItemRequest) returns (Item);
  rpc ListItems(ListItemsRequest) returns (ListItemsResponse);
}}
"""


def generated_repo(workdir: Path, files: int, changed: int) -> Path:
    repo = workdir / "generated"
    for index in range(files):
        path = repo / "proto" / "acme" / f"svc{index:04d}" / "v1" / "api.proto"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(proto_file(index, changed=False))
    (repo / "proto" / "buf.yaml").write_text("version: v2\n")
    git(workdir, "init", "-q", "-b", "main", str(repo))
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    step = max(files // changed, 1)
    for index in range(0, files, step)[:changed]:
        path = repo / "proto" / "acme" / f"svc{index:04d}" / "v1" / "api.proto"
        path.write_text(proto_file(index, changed=True))
    return repo


def median_seconds(command: list[str], cwd: Path, runs: int) -> float:
    samples = []
    for _ in range(runs):
        started = time.perf_counter()
        result = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
        samples.append(time.perf_counter() - started)
        if result.returncode not in (0, 1, 100):
            raise SystemExit(
                f"{command[0]} failed ({result.returncode}): {result.stderr.strip()[:500]}"
            )
    return statistics.median(samples)


def measure(name: str, repo: Path, runs: int) -> None:
    buf = [str(BIN / "buf"), "breaking", "proto", "--against", ".git#branch=main,subdir=proto"]
    gate = [str(BIN / "protoguard"), "check", "--against", "main", "--no-llm", "--format", "json"]
    median_seconds(gate, repo, 1)  # warm the OS file cache and buf's cache equally
    buf_seconds = median_seconds(buf, repo, runs)
    gate_seconds = median_seconds(gate, repo, runs)
    print(
        f"{name:<34} buf breaking {buf_seconds * 1000:8.0f} ms   "
        f"protoguard check {gate_seconds * 1000:8.0f} ms   ratio {gate_seconds / buf_seconds:5.2f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--files", type=int, default=500)
    parser.add_argument("--changed", type=int, default=20)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="protoguard-bench-"))
    try:
        print(f"median of {args.runs} runs each, {os.cpu_count()} cores")
        measure("bundled example (demo change)", build_demo_repo(workdir), args.runs)
        repo = generated_repo(workdir, args.files, args.changed)
        measure(f"generated: {args.files} files, {args.changed} changed", repo, args.runs)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


if __name__ == "__main__":
    main()
