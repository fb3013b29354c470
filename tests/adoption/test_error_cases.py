"""The rest of issue #16's error cases, on the real `protoguard` command: an output path
that is a symlink, a FIFO or a device is written through and never replaced; a failed
`--output` is one line and keeps the report on stdout; config errors name every problem
and its line; unknown rule IDs are errors; SIGTERM removes the temporary copies."""

from __future__ import annotations

import json
import os
import signal
import stat
import subprocess
import threading
import time
from pathlib import Path

import pytest

from adoption.test_first_hour import (
    CUSTOMER_PATH,
    PROTOGUARD,
    add_tax_id,
    one_error_line,
    run,
)

# Each command that writes a file, with what the written bytes must contain.
WRITERS = {
    "check --output": (["check", "--against", "main", "--no-llm", "--output"], b'"can_deploy"'),
    "audit --json": (["audit", "proto", "--no-history", "--json"], b'"findings"'),
    "pii scan --output": (["pii", "scan", CUSTOMER_PATH, "--output"], b"(pii.v1.pii_type)"),
    "incidents export": (["incidents", "export"], b""),
}


def _read_fifo(path: Path, into: list[bytes]) -> threading.Thread:
    def read() -> None:
        with open(path, "rb") as fifo:
            into.append(fifo.read())

    reader = threading.Thread(target=read, daemon=True)
    reader.start()
    return reader


@pytest.mark.parametrize("command", WRITERS)
def test_an_output_that_is_a_symlink_is_written_through(repo: Path, command: str) -> None:
    args, expected = WRITERS[command]
    add_tax_id(repo)
    real = repo.parent / "real-output"
    real.write_text("old\n")
    link = repo.parent / "link-output"
    link.symlink_to(real)
    done = run(repo, *args, str(link))
    assert done.returncode in (0, 1), done.stderr
    assert link.is_symlink() and link.resolve() == real
    assert expected in real.read_bytes() and real.read_bytes() != b"old\n"


@pytest.mark.parametrize("command", WRITERS)
def test_an_output_that_is_a_fifo_is_written_through(repo: Path, command: str) -> None:
    args, expected = WRITERS[command]
    add_tax_id(repo)
    fifo = repo.parent / "output.fifo"
    os.mkfifo(fifo)
    received: list[bytes] = []
    reader = _read_fifo(fifo, received)
    done = run(repo, *args, str(fifo))
    reader.join(timeout=60)
    assert done.returncode in (0, 1), done.stderr
    assert stat.S_ISFIFO(fifo.lstat().st_mode)
    assert received and expected in received[0]


@pytest.mark.parametrize("command", WRITERS)
def test_an_output_that_is_a_device_is_written_through(repo: Path, command: str) -> None:
    """`--output /dev/null` as root (container CI) must not replace the device; a copy of
    /dev/null in tmp stands in for it, so a regression cannot break the machine."""
    args, _ = WRITERS[command]
    device = repo.parent / "null"
    try:
        os.mknod(device, 0o666 | stat.S_IFCHR, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("creating a device node needs root (as container CI runs)")
    add_tax_id(repo)
    done = run(repo, *args, str(device))
    assert done.returncode in (0, 1), done.stderr
    assert stat.S_ISCHR(device.lstat().st_mode)


def test_a_failed_output_is_one_line_and_the_report_stays_on_stdout(repo: Path) -> None:
    add_tax_id(repo)
    blocker = repo.parent / "a-file"
    blocker.write_text("not a directory\n")
    done = run(
        repo, "check", "--against", "main", "--no-llm", "--format", "json",
        "--output", str(blocker / "verdict.json"),
    )  # fmt: skip
    line = one_error_line(done)
    assert line.startswith(f"protoguard: error: cannot write {blocker / 'verdict.json'}: ")
    assert json.loads(done.stdout)["can_deploy"] is False  # the report is not lost


def test_config_errors_name_every_problem_and_its_line(repo: Path) -> None:
    (repo / "protoguard.yaml").write_text(
        "version: 1\nrules:\n  disabel: [SEMANTIC]\n  enable: [FIELD_REMOVD]\n"
        "fail_on: SEVERE\npii:\n  fail_on: HUGE\n"
    )
    line = one_error_line(run(repo, "check", "--against", "main", "--no-llm"))
    problems = line.split("protoguard.yaml: 4 problems: ", 1)[1].split("; ")
    assert [problem.split(": ")[:2] for problem in problems if problem.startswith("line")] == [
        ["line 3", "rules.disabel"],
        ["line 4", "rules.enable.0"],
        ["line 5", "fail_on"],
        ["line 7", "pii.fail_on"],
    ]
    assert "unknown rule ID 'FIELD_REMOVD'; did you mean FIELD_REMOVED?" in line


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        (
            "rules:\n  disable: [SEMANTIC, FIELD_REMOVD]\n",
            "line 2: rules.disable.1: unknown rule ID 'FIELD_REMOVD'; did you mean FIELD_REMOVED?",
        ),
        (
            "rules:\n  severity: {NOT_A_RULE: LOW}\n",
            "line 2: rules.severity.NOT_A_RULE: unknown rule ID 'NOT_A_RULE'",
        ),
        (
            "ignores:\n  - element: shop.v1.Customer\n    rule: NOT_A_RULE\n    reason: r\n",
            "line 3: ignores.0.rule: unknown rule ID 'NOT_A_RULE'",
        ),
    ],
)
def test_an_unknown_rule_id_in_the_config_is_an_error(
    repo: Path, config: str, expected: str
) -> None:
    (repo / "protoguard.yaml").write_text(config)
    line = one_error_line(run(repo, "check", "--against", "main", "--no-llm"))
    assert expected in line


def test_sigterm_removes_the_temporary_copies(repo: Path) -> None:
    """A cancelled CI job (SIGTERM) cleans up like Ctrl-C: no `protoguard-*` copies left."""
    scratch = repo.parent / "scratch"
    scratch.mkdir()
    # Enough schema that the check is still running when the signal arrives.
    messages = "\n".join(
        f"message Big{m} {{\n" + "".join(f"  string f{i} = {i};\n" for i in range(1, 30)) + "}"
        for m in range(3000)
    )
    (repo / "proto/shop/v1/big.proto").write_text(
        f'syntax = "proto3";\n\npackage shop.v1;\n\n{messages}\n'
    )
    env = {**os.environ, "PROTOGUARD_TMPDIR": str(scratch)}
    process = subprocess.Popen(
        [PROTOGUARD, "check", "--against", "main", "--no-llm", "--format", "json"],
        cwd=repo,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not any(scratch.glob("protoguard-*")) and process.poll() is None:
        assert time.monotonic() < deadline, "no temporary copy appeared"
        time.sleep(0.01)
    assert process.poll() is None, "the check ended before it could be interrupted"
    process.send_signal(signal.SIGTERM)
    _, stderr = process.communicate(timeout=120)
    assert process.returncode == 128 + signal.SIGTERM, stderr
    assert "Traceback" not in stderr
    assert list(scratch.iterdir()) == []


@pytest.mark.parametrize("flag", ["--allow-pii", "--allow-breaking"])
def test_an_override_without_a_reason_is_refused(repo: Path, flag: str) -> None:
    add_tax_id(repo)
    line = one_error_line(run(repo, "check", "--against", "main", "--no-llm", flag, " "))
    assert line.startswith(f"protoguard: error: {flag} needs a reason")


def test_a_pii_trailer_without_a_reason_lets_nothing_through(repo: Path) -> None:
    add_tax_id(repo)
    subprocess.run(["git", "switch", "--quiet", "-c", "tax-id"], cwd=repo, check=True)
    subprocess.run(
        ["git", "commit", "--quiet", "-am", "tax id\n\nProtoguard-Allow-PII:\n"],
        cwd=repo,
        check=True,
    )
    done = run(repo, "check", "--against", "main", "--head", "HEAD", "--no-llm", "--format", "json")
    assert done.returncode == 1, done.stdout + done.stderr
    verdict = json.loads(done.stdout)
    assert verdict["allow_pii"] is None
    assert [c["suppressed"] for c in verdict["changes"] if c["rule"] == "PII_UNANNOTATED"] == [None]
