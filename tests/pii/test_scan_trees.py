"""`pii scan` builds its trees from a buf image when buf compiles the input, else with the
parser: both must give the same PII report (compat_checker/pii_trees.py)."""

from __future__ import annotations

from pathlib import Path

import pytest

from compat_checker.pii_trees import image_tree
from pii_detector import cli as pii_cli
from pii_detector.analysis import analyze_tree
from pii_detector.learned import model_if
from pii_detector.report import build_report, report_json
from pii_detector.results import PiiAnalysis
from protomodel.model import BuildSource

EVAL = Path(__file__).resolve().parent / "eval"
OPENTELEMETRY = Path("/work/repos/opentelemetry-proto")  # a read-only public clone


def _scan(path: Path, fast: pii_cli.FastBuild | None) -> tuple[str, list[BuildSource]]:
    groups = pii_cli._by_root(pii_cli.collect_inputs([str(path)]))
    trees = [pii_cli._build(group, fast) for group in groups]
    learned = model_if(True)
    analysis = PiiAnalysis.merged([analyze_tree(tree, learned=learned) for tree in trees])
    return report_json(build_report(analysis)), [tree.source for tree in trees]


@pytest.mark.parametrize("split", ["dev", "heldout", "blind_d", "blind_h"])
def test_image_and_parser_give_the_same_report_on_eval_splits(split: str) -> None:
    parsed, parsed_sources = _scan(EVAL / split, None)
    imaged, imaged_sources = _scan(EVAL / split, image_tree)
    assert parsed_sources == [BuildSource.PARSER]
    assert imaged_sources == [BuildSource.DESCRIPTORS]
    assert imaged == parsed


@pytest.mark.skipif(not OPENTELEMETRY.is_dir(), reason="no opentelemetry-proto clone here")
def test_image_and_parser_give_the_same_report_on_a_real_tree() -> None:
    parsed, _ = _scan(OPENTELEMETRY, None)
    imaged, sources = _scan(OPENTELEMETRY, image_tree)
    assert sources == [BuildSource.DESCRIPTORS]
    assert imaged == parsed


def test_a_syntax_error_falls_back_to_the_parser_and_its_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.proto"
    broken.write_text('syntax = "proto3";\npackage a.v1;\nmessage User {\n  string email = 1\n}\n')
    with pytest.raises(pii_cli.PiiCliError, match=r"broken\.proto:5:"):
        _scan(broken, image_tree)


def test_an_unresolved_import_falls_back_to_the_parser(tmp_path: Path) -> None:
    user = tmp_path / "user.proto"
    user.write_text(
        'syntax = "proto3";\npackage a.v1;\nimport "nowhere/missing.proto";\n'
        "message User {\n  string email = 1;\n  nowhere.Thing thing = 2;\n}\n"
    )
    parsed, _ = _scan(user, None)
    imaged, sources = _scan(user, image_tree)
    assert sources == [BuildSource.PARSER]
    assert imaged == parsed


def test_bundled_imports_and_options_build_from_the_image(tmp_path: Path) -> None:
    user = tmp_path / "user.proto"
    user.write_text(
        '\ufeffsyntax = "proto3";\r\npackage a.v1;\r\nimport "google/api/field_behavior.proto";\r\n'
        'import "google/protobuf/timestamp.proto";\r\nimport "pii/v1/pii.proto";\r\n'
        "// A user of the shop.\r\nmessage User {\r\n"
        "  string email = 1 [(google.api.field_behavior) = REQUIRED];\r\n"
        "  google.protobuf.Timestamp born = 2;\r\n"
        "  string ssn = 3 [(pii.v1.sensitivity) = HIGH, (pii.v1.pii_type) = SSN];\r\n}\r\n"
    )
    parsed, _ = _scan(user, None)
    imaged, sources = _scan(user, image_tree)
    assert sources == [BuildSource.DESCRIPTORS]
    assert imaged == parsed


def test_a_buf_that_will_not_start_leaves_the_tree_to_the_parser(tmp_path: Path) -> None:
    from compat_checker.buf import BufRunner

    broken_buf = tmp_path / "buf"
    broken_buf.write_text("not a program\n")
    broken_buf.chmod(0o644)  # a file, but not executable: buf cannot start
    sources = {"a.proto": 'syntax = "proto3";\npackage a.v1;\nmessage User { string email = 1; }\n'}
    assert image_tree(sources, {}, lambda _: None, BufRunner(binary=broken_buf)) is None
