"""One reading of buf's breaking configuration: buf and protoguard's own rules obey it."""

from __future__ import annotations

import json
import subprocess
import textwrap
from pathlib import Path

import pytest

from compat_checker.buf import BufRunner
from compat_checker.bufconfig import (
    CONFIG_VERSIONS,
    RULE_SETS_SNAPSHOT,
    configured_rules,
    is_unstable_package,
    obeying_breaking_config,
    rule_categories,
    selected_buf_rules,
)
from compat_checker.config import BufBreakingConfig
from compat_checker.modules import discover_layout
from compat_checker.options import CheckOptions
from compat_checker.pipeline import run_check
from tests.gate.conftest import git

BUF = BufRunner()


# --- the rule sets ------------------------------------------------------------------------


@pytest.mark.skipif(not BUF.available, reason="buf not installed")
@pytest.mark.parametrize("version", CONFIG_VERSIONS)
def test_the_rule_sets_snapshot_matches_the_installed_buf(tmp_path, version):
    proc = subprocess.run(
        [str(BUF.binary), "config", "ls-breaking-rules", "--format", "json", "--version", version],
        capture_output=True,
        text=True,
        check=True,
        cwd=tmp_path,
    )
    live = {
        item["id"]: tuple(item["categories"]) for item in map(json.loads, proc.stdout.splitlines())
    }
    assert rule_categories(version) == live, f"refresh compat_checker/rules/{RULE_SETS_SNAPSHOT}"


def test_v2_knows_rules_that_v1_does_not():
    assert "FIELD_SAME_DEFAULT" in configured_rules(None, "v2")
    assert "FIELD_SAME_DEFAULT" not in rule_categories("v1")


def test_use_categories_and_rule_ids_minus_except():
    config = BufBreakingConfig(use=["WIRE", "FILE_NO_DELETE"], **{"except": ["FIELD_NO_DELETE"]})
    rules = configured_rules(config, "v1")
    assert "FILE_NO_DELETE" in rules
    assert "FIELD_NO_DELETE" not in rules
    assert "FIELD_SAME_JSON_NAME" not in rules  # WIRE_JSON, not WIRE
    assert "FIELD_WIRE_COMPATIBLE_TYPE" in rules


@pytest.mark.parametrize(
    ("package", "unstable"),
    [
        ("acme.v1alpha1", True),
        ("acme.v2beta", True),
        ("acme.v1test", True),
        ("acme.v1testfoo", True),
        ("acme.v1p1beta1", True),
        ("acme.v1", False),
        ("acme.alpha", False),
        ("acme", False),
        ("", False),
    ],
)
def test_unstable_packages_as_buf_reads_them(package, unstable):
    assert is_unstable_package(package) is unstable


def test_ignore_ignore_only_and_unstable_packages_apply_per_file():
    config = BufBreakingConfig(use=["FILE"], ignore=["proto/legacy"], ignore_unstable_packages=True)
    only = {"FIELD_NO_DELETE": ("proto/acme/old.proto",), "WIRE_JSON": ("proto/json",)}
    assert selected_buf_rules(config, only, "v1", "proto/legacy/a.proto", "acme.v1") == set()
    assert selected_buf_rules(config, only, "v1", "proto/a.proto", "acme.v1beta1") == set()
    old = selected_buf_rules(config, only, "v1", "proto/acme/old.proto", "acme.v1")
    assert "FIELD_NO_DELETE" not in old and "MESSAGE_NO_DELETE" in old
    json_dir = selected_buf_rules(config, only, "v1", "proto/json/a.proto", "acme.v1")
    assert "FIELD_SAME_JSON_NAME" not in json_dir and "FILE_NO_DELETE" in json_dir


class _Change:
    def __init__(self, rule: str, file: str, buf_rules: list[str] | None = None) -> None:
        self.rule, self.file, self.buf_rules = rule, file, buf_rules or []


def test_own_rules_are_kept_only_where_a_counterpart_is_selected():
    changes = [
        _Change("FIELD_REMOVED", "proto/legacy/a.proto", ["FIELD_NO_DELETE"]),
        _Change("FIELD_REMOVED", "proto/a.proto", ["FIELD_NO_DELETE"]),
        _Change("VALIDATION_TIGHTENED", "proto/legacy/a.proto"),
        _Change("VALIDATION_TIGHTENED", "proto/a.proto"),
    ]
    config = BufBreakingConfig(ignore=["proto/legacy"])
    kept = obeying_breaking_config(
        changes,
        {"FIELD_REMOVED": ("FIELD_NO_DELETE",), "VALIDATION_TIGHTENED": ()},
        lambda _path: (config, {}, "v1", ()),
        lambda _path: "acme.v1",
    )
    # A rule with no buf counterpart runs wherever the file is checked at all.
    assert [(c.rule, c.file) for c in kept] == [
        ("FIELD_REMOVED", "proto/a.proto"),
        ("VALIDATION_TIGHTENED", "proto/a.proto"),
    ]
    assert kept[0].buf_rules == ["FIELD_NO_DELETE"]


def test_a_kept_finding_names_only_the_buf_rules_the_configuration_selects():
    change = _Change(
        "FIELD_REMOVED",
        "a.proto",
        ["FIELD_NO_DELETE", "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED"],
    )
    kept = obeying_breaking_config(
        [change],
        {"FIELD_REMOVED": ("FIELD_NO_DELETE", "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED")},
        lambda _path: (BufBreakingConfig(use=["WIRE"]), {}, "v1", ()),
        lambda _path: "acme.v1",
    )
    assert [c.buf_rules for c in kept] == [["FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED"]]


# --- reading buf.yaml ----------------------------------------------------------------------


def _write(root: Path, files: dict[str, str]) -> None:
    for path, text in files.items():
        target = root / path
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text))


@pytest.mark.parametrize(
    ("buf_yaml", "version"),
    [
        ("version: v2\n", "v2"),
        ("version: v1\n", "v1"),
        ("version: v1beta1\n", "v1beta1"),
        ("build:\n  roots: [proto]\n", "v1beta1"),
    ],
)
def test_the_config_version_is_the_buf_yaml_s(tmp_path, buf_yaml, version):
    _write(tmp_path, {"buf.yaml": buf_yaml, "proto/a.proto": 'syntax = "proto3";\n'})
    layout = discover_layout(tmp_path)
    assert layout.breaking_for("proto/a.proto")[2] == version


# --- end to end, real buf and real git -----------------------------------------------------

MESSAGE = """\
syntax = "proto2";
package acme.v1;
message M {
  optional int32 a = 1 [default = 1];
  optional string b = 2;
}
"""


def _repo(tmp_path: Path, base: dict[str, str], head: dict[str, str]) -> Path:
    repo = tmp_path / "repo"
    repo.mkdir()
    git(repo, "init", "-q", "-b", "main")
    _write(repo, base)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "base")
    for path in base:
        if path not in head:
            (repo / path).unlink()
    _write(repo, head)
    git(repo, "add", "-A")
    git(repo, "commit", "-q", "-m", "head")
    return repo


def _check(repo: Path, **options):
    return run_check(CheckOptions(repo=repo, against="HEAD~1", head="HEAD", llm="none", **options))


@pytest.mark.skipif(not BUF.available, reason="buf not installed")
def test_a_v2_only_rule_id_reaches_buf_in_its_own_version(tmp_path):
    buf_yaml = "version: v2\nbreaking:\n  use: [FIELD_SAME_DEFAULT, EXTENSION_NO_DELETE]\n"
    repo = _repo(
        tmp_path,
        {"buf.yaml": buf_yaml, "a.proto": MESSAGE},
        {"buf.yaml": buf_yaml, "a.proto": MESSAGE.replace("default = 1", "default = 2")},
    )
    verdict = _check(repo)
    buf_rules = {rule for change in verdict.changes for rule in change.buf_rules}
    assert "FIELD_SAME_DEFAULT" in buf_rules
    assert next(layer for layer in verdict.layers if layer.name == "buf").status == "ran"


@pytest.mark.skipif(not BUF.available, reason="buf not installed")
@pytest.mark.parametrize("no_buf", [False, True])
def test_ignored_paths_block_neither_buf_nor_own_rules(tmp_path, no_buf):
    buf_yaml = "version: v2\nbreaking:\n  use: [FILE]\n  ignore: [legacy]\n"
    removed = MESSAGE.replace("  optional string b = 2;\n", "")
    repo = _repo(
        tmp_path,
        {"buf.yaml": buf_yaml, "legacy/a.proto": MESSAGE},
        {"buf.yaml": buf_yaml, "legacy/a.proto": removed},
    )
    verdict = _check(repo, no_buf=no_buf)
    assert verdict.can_deploy, [(c.rule, c.file) for c in verdict.changes]


@pytest.mark.skipif(not BUF.available, reason="buf not installed")
def test_unstable_packages_are_skipped_by_own_rules_too(tmp_path):
    buf_yaml = "version: v1\nbreaking:\n  use: [FILE]\n  ignore_unstable_packages: true\n"
    beta = MESSAGE.replace("acme.v1", "acme.v1beta1")
    repo = _repo(
        tmp_path,
        {"buf.yaml": buf_yaml, "a.proto": beta},
        {"buf.yaml": buf_yaml, "a.proto": beta.replace("  optional string b = 2;\n", "")},
    )
    for no_buf in (False, True):
        verdict = _check(repo, no_buf=no_buf)
        assert not [c for c in verdict.changes if c.buf_rules], no_buf


@pytest.mark.skipif(not BUF.available, reason="buf not installed")
def test_the_head_config_decides_not_the_base_s(tmp_path):
    # The base has no buf.yaml (buf's default would be FILE); the head narrows to WIRE, so
    # a JSON-only rename is not checked by buf nor by the rules that stand for JSON rules.
    head_yaml = "version: v1\nbreaking:\n  use: [WIRE]\n"
    renamed = MESSAGE.replace("string b = 2", "string bee = 2")
    repo = _repo(tmp_path, {"a.proto": MESSAGE}, {"buf.yaml": head_yaml, "a.proto": renamed})
    verdict = _check(repo)
    blocking = [c for c in verdict.changes if c.is_breaking and not c.suppressed]
    # Only the narrowing itself is reported: the rename is no longer checked by anyone.
    assert [c.rule for c in blocking] == ["BREAKING_CONFIG_RELAXED"]
    assert blocking[0].file == "buf.yaml"


@pytest.mark.skipif(not BUF.available, reason="buf not installed")
def test_plugin_rules_are_a_warning_and_local_policies_apply(tmp_path):
    buf_yaml = textwrap.dedent(
        """\
        version: v2
        breaking:
          use: [ENUM_SUFFIXES_NO_CHANGE]
        plugins:
          - plugin: buf-plugin-suffix
        policies:
          - policy: strict.policy.yaml
        """
    )
    policy = "version: v2\nbreaking:\n  use: [FIELD_NO_DELETE]\n"
    removed = MESSAGE.replace("  optional string b = 2;\n", "")
    repo = _repo(
        tmp_path,
        {"buf.yaml": buf_yaml, "strict.policy.yaml": policy, "a.proto": MESSAGE},
        {"buf.yaml": buf_yaml, "strict.policy.yaml": policy, "a.proto": removed},
    )
    verdict = _check(repo)
    layer = next(layer for layer in verdict.layers if layer.name == "buf")
    assert layer.status == "ran"
    assert "buf-plugin-suffix" in layer.detail
    buf_rules = {rule for change in verdict.changes for rule in change.buf_rules}
    assert buf_rules == {"FIELD_NO_DELETE"}  # the policy's rule, from buf and from ours
    assert not verdict.can_deploy


def test_disable_builtin_leaves_only_the_policies_rules():
    config = BufBreakingConfig(disable_builtin=True)
    policy = BufBreakingConfig(use=["FIELD_NO_DELETE"])
    assert selected_buf_rules(config, {}, "v2", "a.proto", None) == set()
    assert selected_buf_rules(config, {}, "v2", "a.proto", None, [policy]) == {"FIELD_NO_DELETE"}


@pytest.mark.skipif(not BUF.available, reason="buf not installed")
def test_a_pull_request_cannot_exempt_itself_unseen(tmp_path):
    strict = "version: v2\nbreaking:\n  use: [FILE]\n"
    relaxed = "version: v2\nbreaking:\n  use: [FILE]\n  ignore: [legacy]\n"
    removed = MESSAGE.replace("  optional string b = 2;\n", "")
    repo = _repo(
        tmp_path,
        {"buf.yaml": strict, "legacy/a.proto": MESSAGE},
        {"buf.yaml": relaxed, "legacy/a.proto": removed},
    )
    verdict = _check(repo)
    assert not verdict.can_deploy
    relaxed_findings = [c for c in verdict.changes if c.rule == "BREAKING_CONFIG_RELAXED"]
    assert len(relaxed_findings) == 1
    finding = relaxed_findings[0]
    assert (finding.file, finding.line) == ("buf.yaml", 2)
    assert "ENUM_NO_DELETE" in finding.message and "legacy/a.proto" in finding.message
    assert not [c for c in verdict.changes if c.rule != "BREAKING_CONFIG_RELAXED" and c.is_breaking]
    acknowledged = _check(repo, allow_breaking="legacy API retired (API-42)")
    assert acknowledged.can_deploy


@pytest.mark.skipif(not BUF.available, reason="buf not installed")
def test_an_unchanged_or_stricter_config_is_no_finding(tmp_path):
    loose = "version: v2\nbreaking:\n  use: [WIRE]\n"
    strict = "version: v2\nbreaking:\n  use: [FILE]\n"
    repo = _repo(
        tmp_path,
        {"buf.yaml": loose, "a.proto": MESSAGE},
        {"buf.yaml": strict, "a.proto": MESSAGE + "// more\n"},
    )
    assert not [c for c in _check(repo).changes if c.rule == "BREAKING_CONFIG_RELAXED"]


@pytest.mark.skipif(not BUF.available, reason="buf not installed")
@pytest.mark.parametrize("no_buf", [False, True])
def test_a_deleted_file_is_judged_by_its_import_path_when_roots_became_the_module(tmp_path, no_buf):
    """A v1beta1 `roots: [root]` module became a module at the repository root: buf judges
    the deleted root/legacy/a.proto by its import path legacy/a.proto, which the head's
    `ignore: [legacy]` covers; root/b.proto → b.proto kept its import path (no move)."""
    base_yaml = "version: v1beta1\nbuild:\n  roots: [root]\n"
    head_yaml = "version: v1beta1\nbreaking:\n  use: [FILE_NO_DELETE]\n  ignore: [legacy]\n"
    repo = _repo(
        tmp_path,
        {
            "buf.yaml": base_yaml,
            "root/legacy/a.proto": MESSAGE,
            "root/b.proto": MESSAGE.replace("acme.v1", "acme.b"),
        },
        {"buf.yaml": head_yaml, "b.proto": MESSAGE.replace("acme.v1", "acme.b")},
    )
    verdict = _check(repo, no_buf=no_buf)
    assert not [c for c in verdict.changes if c.buf_rules], [
        (c.rule, c.file) for c in verdict.changes
    ]


@pytest.mark.skipif(not BUF.available, reason="buf not installed")
@pytest.mark.parametrize("ignored", [True, False])
def test_an_ignored_path_gets_no_findings_from_rules_buf_has_no_counterpart_for(tmp_path, ignored):
    # protovalidate's conformance cases: buf.yaml ignores them, so tightening a rule
    # there (FIELD_BEHAVIOR_REQUIRED_ADDED has no buf counterpart) blocks nothing.
    ignore = "  ignore: [cases]\n" if ignored else ""
    buf_yaml = f"version: v1\nbreaking:\n  use: [FILE]\n{ignore}"
    before = (
        'syntax = "proto3";\npackage acme.cases.v1;\n'
        'import "google/api/field_behavior.proto";\n'
        "message Case {\n  string name = 1;\n}\n"
    )
    after = before.replace(
        "string name = 1;", "string name = 1 [(google.api.field_behavior) = REQUIRED];"
    )
    repo = _repo(
        tmp_path,
        {"buf.yaml": buf_yaml, "cases/case.proto": before},
        {"buf.yaml": buf_yaml, "cases/case.proto": after},
    )
    verdict = _check(repo)
    rules = [c.rule for c in verdict.changes if c.blocks]
    assert rules == ([] if ignored else ["FIELD_BEHAVIOR_REQUIRED_ADDED"])
