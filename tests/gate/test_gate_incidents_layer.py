"""The incident memory inside `protoguard check`: matches attach, --record stores, bad stores exit 2."""

from __future__ import annotations

from click.testing import CliRunner

from compat_checker.cli import main
from compat_checker.options import CheckOptions
from compat_checker.pipeline import run_check
from compat_checker.resources import asset_dir
from compat_checker.scenarios import apply_scenario


def remove_description(repo):
    path = repo / "proto/acme/todo/v1/task.proto"
    path.write_text(
        apply_scenario("remove_description", path.read_text(), "acme/todo/v1/task.proto")
    )


def test_no_store_is_a_skipped_layer(example_repo):
    remove_description(example_repo)
    verdict = run_check(CheckOptions(repo=example_repo, against="main", llm="none"))
    layer = next(layer for layer in verdict.layers if layer.name == "incidents")
    assert layer.status.value == "skipped"
    assert "no incident store" in layer.detail


def test_example_incidents_attach_and_record_round_trips(example_repo):
    examples = asset_dir("proto") / "examples" / "incidents.yaml"
    runner = CliRunner()
    result = runner.invoke(
        main,
        [
            "incidents",
            "--store",
            str(example_repo / ".protoguard/incidents"),
            "import",
            str(examples),
        ],
    )
    assert result.exit_code == 0, result.output
    remove_description(example_repo)
    verdict = run_check(CheckOptions(repo=example_repo, against="main", llm="none", record=True))
    layer = next(layer for layer in verdict.layers if layer.name == "incidents")
    assert layer.status.value == "ran"
    assert any(layer.name == "record" for layer in verdict.layers)
    result = runner.invoke(
        main,
        ["incidents", "--store", str(example_repo / ".protoguard/incidents"), "list", "--json"],
    )
    assert "gate-" in result.output


def test_corrupt_store_fails_open_and_exits_2_only_when_required(example_repo):
    store = example_repo / ".protoguard/incidents"
    store.mkdir(parents=True)
    (store / "chroma.sqlite3").write_bytes(b"not a database at all" * 100)
    remove_description(example_repo)
    args = ["check", "--repo", str(example_repo), "--against", "main", "--no-llm"]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 1, result.output  # the deterministic verdict: blocked
    assert "incidents failed" in result.output
    required = CliRunner().invoke(main, [*args, "--incidents-required"])
    assert required.exit_code == 2, required.output
    assert "Traceback" not in result.output + required.output
