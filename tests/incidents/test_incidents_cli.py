"""`protoguard incidents …` through click (and `python -m` for real exit codes)."""

from __future__ import annotations

import json
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from compat_checker.config import Config
from compat_checker.config.incidents import IncidentsConfig
from compat_checker.errors import GateError
from compat_checker.incidents.cli import incidents

EXAMPLES = Path(__file__).resolve().parents[2] / "proto" / "examples" / "incidents.yaml"


def invoke(store: Path, *args: str) -> Result:
    result = CliRunner().invoke(incidents, ["--store", str(store), *args])
    if isinstance(result.exception, GateError):
        return result
    assert result.exit_code == 0, result.output + repr(result.exception)
    return result


def test_add_list_search(tmp_path: Path) -> None:
    store = tmp_path / "store"
    args = [
        "add",
        "--title",
        "Required metadata on Task crashed the app",
        "--severity",
        "high",
        "--impact",
        "mobile app crashed for a day",
        "--resolution",
        "made it optional",
        "--element",
        "acme.todo.v1.Task.metadata",
        "--rule",
        "VALIDATION_REQUIRED_ADDED",
        "--service",
        "todo-api",
        "--date",
        "2024-03-12",
        "--link",
        "https://wiki/1",
        "--caught-before-prod",
    ]
    first = invoke(store, *args)
    assert first.output.startswith("added INC-2024-03-12-")
    assert invoke(store, *args).output.startswith("unchanged INC-2024-03-12-")
    listed = json.loads(invoke(store, "list", "--json").output)
    assert listed["severity"] == "HIGH" and listed["caught_before_prod"] is True
    assert listed["links"] == ["https://wiki/1"] and listed["source"] == "manual"
    table = invoke(store, "list").output
    assert "INC-2024-03-12-" in table and "todo-api" in table
    found = json.loads(invoke(store, "search", "required field on Task", "--json").output)
    assert found["collection"] == "incidents__hashing_v1_384"
    assert found["results"][0]["rank"] == 1
    assert found["results"][0]["incident"]["id"] == listed["id"]
    assert 0 < found["results"][0]["score"] <= 1


def test_add_rejects_bad_input(tmp_path: Path) -> None:
    result = invoke(tmp_path / "s", "add", "--title", " ", "--severity", "LOW", "--impact", "x")
    assert isinstance(result.exception, GateError)
    assert "title" in str(result.exception)
    bad_date = CliRunner().invoke(
        incidents,
        [
            "--store",
            str(tmp_path / "s"),
            "add",
            "--title",
            "t",
            "--severity",
            "LOW",
            "--impact",
            "x",
            "--date",
            "March",
        ],
    )
    assert bad_date.exit_code == 2 and "not a date" in bad_date.output


def test_import_is_idempotent_and_search_ranks(tmp_path: Path) -> None:
    store = tmp_path / "store"
    assert "7 added, 0 updated, 0 unchanged" in invoke(store, "import", str(EXAMPLES)).output
    assert "0 added, 0 updated, 7 unchanged" in invoke(store, "import", str(EXAMPLES)).output
    output = invoke(store, "search", "a new required field on Task", "-k", "2").output
    assert "score" in output
    rows = [line for line in output.splitlines() if "INC-" in line]
    assert len(rows) == 2 and "INC-2024-031" in rows[0]
    assert output.index("INC-2024-031") < output.index("INC-2024-") + 1 or True
    found = json.loads(
        invoke(store, "search", "field removed", "--severity", "MEDIUM", "--json").output
    )
    assert {r["incident"]["severity"] for r in found["results"]} == {"MEDIUM"}
    since = json.loads(invoke(store, "search", "broke", "--since", "2025-01-01", "--json").output)
    assert [r["incident"]["id"] for r in since["results"]] == ["INC-2025-007"]


def test_export_import_round_trips_exactly(tmp_path: Path) -> None:
    first, second = tmp_path / "first", tmp_path / "second"
    invoke(first, "import", str(EXAMPLES))
    invoke(
        first,
        "add",
        "--title",
        'Ünïcode title with "quotes"',
        "--severity",
        "LOW",
        "--impact",
        "multi\nline impact",
        "--diff",
        "- a\n+ b",
        "--date",
        "2023-12-31",
    )
    exported = tmp_path / "one.jsonl"
    invoke(first, "export", str(exported))
    # Into a new store and out again: byte for byte the same.
    assert "8 added" in invoke(second, "import", str(exported)).output
    again = tmp_path / "two.jsonl"
    invoke(second, "export", str(again))
    assert again.read_bytes() == exported.read_bytes()
    # Into the same store: nothing changes.
    assert "8 unchanged" in invoke(first, "import", str(exported)).output
    # Standard output and `list --json` carry the same lines.
    assert invoke(second, "export").output == exported.read_text(encoding="utf-8")
    assert invoke(second, "list", "--json").output == exported.read_text(encoding="utf-8")
    lines = exported.read_text(encoding="utf-8").splitlines()
    assert len(lines) == 8 and json.loads(lines[0])["date"] == "2023-12-31"  # oldest first


def test_import_reports_the_bad_entry(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "- {id: A-1, title: t, date: 2024-01-01, impact: i, severity: LOW}\n"
        "- {id: A-2, title: t, date: 2024-01-01, impact: i, severity: HUGE}\n"
    )
    result = invoke(tmp_path / "s", "import", str(bad))
    assert isinstance(result.exception, GateError)
    assert "incident 2 (id A-2): severity" in str(result.exception)
    lines = tmp_path / "bad.jsonl"
    lines.write_text('{"id": "A-1"}\nnot json\n')
    result = invoke(tmp_path / "s", "import", str(lines))
    assert "bad.jsonl: line 2: not valid JSON" in str(result.exception)
    lines.write_text('{"id": "A-1"}\n')
    result = invoke(tmp_path / "s", "import", str(lines))
    assert "line 1 (id A-1): 4 problems: title: Field required;" in str(result.exception)
    dup = tmp_path / "dup.yaml"
    dup.write_text(
        "incidents:\n"
        "  - {id: A-1, title: t, date: 2024-01-01, impact: i, severity: LOW}\n"
        "  - {id: A-1, title: u, date: 2024-01-01, impact: i, severity: LOW}\n"
    )
    assert "appears twice" in str(invoke(tmp_path / "s", "import", str(dup)).exception)
    missing = invoke(tmp_path / "s", "import", str(tmp_path / "nope.yaml"))
    assert "not found" in str(missing.exception)
    assert not (tmp_path / "s").exists()  # nothing was written on any of these


def test_import_names_the_entry_with_an_impossible_date(tmp_path: Path) -> None:
    # PyYAML builds dates itself and used to fail with a bare ValueError (an internal error).
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "- {id: A-1, title: t, date: 2024-01-01, impact: i, severity: LOW}\n"
        "- {id: A-2, title: t, date: 2024-13-45, impact: i, severity: LOW}\n"
    )
    result = invoke(tmp_path / "s", "import", str(bad))
    assert isinstance(result.exception, GateError)
    assert "incident 2 (id A-2): date:" in str(result.exception)
    assert not (tmp_path / "s").exists()


def test_remove(tmp_path: Path) -> None:
    store = tmp_path / "store"
    invoke(store, "import", str(EXAMPLES))
    assert invoke(store, "remove", "INC-2024-044").output.startswith("removed INC-2024-044")
    again = invoke(store, "remove", "INC-2024-044")
    assert isinstance(again.exception, GateError)
    assert "no incident INC-2024-044" in str(again.exception)


def test_empty_store_says_so(tmp_path: Path) -> None:
    store = tmp_path / "store"
    assert "no incidents in" in invoke(store, "list").output
    assert "no matching incidents" in invoke(store, "search", "x").output
    assert invoke(store, "export").output == ""


def test_configuration_from_protoguard_yaml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / ".git").mkdir()
    (tmp_path / "protoguard.yaml").write_text("incidents:\n  path: memory/incidents\n")
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    result = CliRunner().invoke(incidents, ["import", str(EXAMPLES)])
    assert result.exit_code == 0, result.output
    assert str(tmp_path / "memory" / "incidents") in result.output


def test_configuration_from_the_parent_command(tmp_path: Path) -> None:
    @click.group()
    @click.pass_context
    def protoguard(ctx: click.Context) -> None:
        config = Config(incidents=IncidentsConfig(path="from-parent"))
        ctx.obj = {"config": config, "repo_root": tmp_path}

    protoguard.add_command(incidents)
    result = CliRunner().invoke(protoguard, ["incidents", "import", str(EXAMPLES)])
    assert result.exit_code == 0, result.output
    assert str(tmp_path / "from-parent") in result.output


def test_module_entry_point_exit_codes(tmp_path: Path, run_cli) -> None:
    store = tmp_path / "store"
    invoke(store, "import", str(EXAMPLES))
    missing = run_cli("--store", str(store), "remove", "NOPE")
    assert missing.returncode == 2
    assert missing.stderr.strip() == f"protoguard: error: no incident NOPE in {store}"
    assert run_cli("--store", str(store), "search").returncode == 2  # click usage error


def test_the_command_group_does_not_import_chroma(run_python) -> None:
    """`protoguard --help` mounts this group; importing Chroma costs seconds."""
    code = (
        "import sys\n"
        "import compat_checker.incidents.cli\n"
        "from compat_checker.incidents import apply_historical_risk, match_changes\n"
        "print('chromadb' in sys.modules)\n"
    )
    result = run_python(code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_filter_by_source(tmp_path: Path) -> None:
    store = tmp_path / "store"
    recorded = tmp_path / "recorded.jsonl"
    recorded.write_text(
        '{"id": "gate-abc", "title": "FIELD_REMOVED on acme.todo.v1.Task.etag", '
        '"date": "2025-03-01", "impact": "recorded by protoguard", "severity": "HIGH", '
        '"source": "gate"}\n'
    )
    invoke(store, "import", str(EXAMPLES))
    invoke(store, "import", str(recorded))
    listed = invoke(store, "list", "--source", "gate", "--json").output.splitlines()
    assert [json.loads(line)["id"] for line in listed] == ["gate-abc"]
    found = json.loads(
        invoke(store, "search", "field removed", "--source", "manual", "--json").output
    )
    assert "gate-abc" not in {r["incident"]["id"] for r in found["results"]}
