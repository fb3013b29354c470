"""protoguard.yaml: defaults, validation with one clear line on typos."""

from __future__ import annotations

import pytest

from compat_checker.config import load_config
from compat_checker.errors import GateError


def test_defaults_without_file(tmp_path):
    config, path = load_config(None, tmp_path)
    assert path is None
    assert config.fail_on == "breaking"
    assert config.pii.fail_on == "HIGH"
    assert config.rules.comment_findings == "warn"


def test_repo_root_file_is_found(tmp_path):
    (tmp_path / "protoguard.yaml").write_text("fail_on: HIGH\nrules:\n  disable: [SEMANTIC]\n")
    config, path = load_config(None, tmp_path)
    assert path == tmp_path / "protoguard.yaml"
    assert config.fail_on == "HIGH"
    assert config.rules.disable == ["SEMANTIC"]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("rules:\n  disabel: [X]\n", "rules.disabel: unknown key"),
        ("fail_on: SEVERE\n", "fail_on:"),
        ("ignores:\n  - element: a.B\n    reason: ''\n", "an ignore needs a reason"),
        ("ignores:\n  - element: a.B\n", "ignores.0.reason: Field required"),
        ("- a\n- b\n", "expected a mapping"),
        ("a: [unclosed\n", "not valid YAML"),
        ("rules:\n  comment_findings: always\n", "rules.comment_findings:"),
    ],
)
def test_bad_config_is_one_clear_line(tmp_path, text, expected):
    path = tmp_path / "protoguard.yaml"
    path.write_text(text)
    with pytest.raises(GateError) as err:
        load_config(path, None)
    message = str(err.value)
    assert expected in message
    assert "\n" not in message
