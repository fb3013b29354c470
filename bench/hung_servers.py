"""Worst-case wall time of `protoguard check` when every advisory server hangs, at default
settings (prints figures, asserts nothing).

    .venv/bin/python bench/hung_servers.py

A small repository with a safe change; the LLM is a Vertex-shaped server on 127.0.0.1 that
completes the service-account token exchange and then never answers `generateContent`; the
incident store is a Chroma URL whose server accepts connections and never answers. Nothing
in `protoguard.yaml` but the two endpoints, so every timeout and deadline is its default.
Three runs: only the LLM hung, only the incident server hung, both hung. Nothing leaves the
machine.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.failures.servers import (  # noqa: E402 - the servers live with the tests
    SilentServer,
    VertexServer,
    VertexState,
    service_account_file,
)

PROTOGUARD = str(Path(sys.executable).parent / "protoguard")
BASE = 'syntax = "proto3";\n\npackage acme.todo.v1;\n\nmessage Task {\n  string id = 1;\n}\n'
HEAD = BASE.replace("  string id = 1;\n", "  string id = 1;\n  int32 priority = 2;\n")


def git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def make_repo(path: Path) -> None:
    (path / "proto/acme/todo/v1").mkdir(parents=True)
    git(path, "init", "--quiet", "--initial-branch=main")
    git(path, "config", "user.email", "bench@example.com")
    git(path, "config", "user.name", "Bench")
    (path / "proto/acme/todo/v1/task.proto").write_text(BASE)
    git(path, "add", ".")
    git(path, "commit", "--quiet", "-m", "base")
    (path / "proto/acme/todo/v1/task.proto").write_text(HEAD)


def timed_check(repo: Path, config: dict, env: dict[str, str]) -> tuple[float, int, str]:
    (repo / "protoguard.yaml").write_text(yaml.safe_dump(config))
    started = time.monotonic()
    done = subprocess.run(
        [PROTOGUARD, "check", "--repo", str(repo), "--against", "main", "--format", "text"],
        capture_output=True,
        text=True,
        env=env,
    )
    failed = [line for line in done.stderr.splitlines() if "warning:" in line]
    return time.monotonic() - started, done.returncode, " | ".join(failed)


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="protoguard-hung-") as tmp:
        work = Path(tmp)
        repo = work / "repo"
        make_repo(repo)
        state = VertexState(hang_seconds=3600)
        state.modes = {"compat": "hang", "pii": "hang", "embed": "hang"}
        with VertexServer(state) as vertex, SilentServer() as chroma:
            key = service_account_file(work, f"{vertex.url}/token")
            env = {
                key: value
                for key, value in os.environ.items()
                if not key.startswith(("GOOGLE_", "PROTOGUARD_", "GEMINI_"))
            }
            env.update(
                {
                    "GOOGLE_CLOUD_PROJECT": "local-project",
                    "GOOGLE_APPLICATION_CREDENTIALS": str(key),
                    "NO_PROXY": "127.0.0.1",
                    "XDG_CACHE_HOME": str(work / "cache"),
                }
            )
            llm = {"provider": "vertex", "endpoint": vertex.url}
            runs = {
                "hung LLM": {"llm": llm},
                "hung incident server": {"incidents": {"url": chroma.url}},
                "hung LLM + hung incident server": {"llm": llm, "incidents": {"url": chroma.url}},
            }
            worst = 0.0
            for label, config in runs.items():
                seconds, code, warnings = timed_check(repo, config, env)
                worst = max(worst, seconds)
                print(f"{label:<34} {seconds:7.1f} s  exit {code}  {warnings}")
            print(f"hung-servers: worst_s={worst:.1f} (default settings)")


if __name__ == "__main__":
    main()
