"""The shape of action.yml: a composite action, documented inputs, no `${{ }}` in shell text."""

from __future__ import annotations

import re

from action.support import REPO_ROOT, load_action
from compat_checker.github.action import DEFAULT_ALLOW_LABEL, INPUT_PREFIX

GATE_INPUTS = {
    "against",
    "path",
    "config",
    "fail-on",
    "llm",
    "pii-fail-on",
    "allow-breaking-label",
    "comment",
    "sarif",
    "chroma-url",
    "record",
}


def test_no_expression_is_interpolated_into_shell_text() -> None:
    steps = load_action()["runs"]["steps"]
    scripts = [step["run"] for step in steps if "run" in step]
    assert scripts
    for script in scripts:
        assert "${{" not in script, script


def test_composite_with_setup_python_and_pip_pinned_to_the_action() -> None:
    action = load_action()
    assert action["runs"]["using"] == "composite"
    steps = action["runs"]["steps"]
    assert steps[0]["uses"].startswith("actions/setup-python@")
    install = next(step for step in steps if step.get("id") == "install")
    assert re.search(r'pip install .*"\$GITHUB_ACTION_PATH"', install["run"])
    assert all(step.get("shell") == "bash" for step in steps if "run" in step)


def test_inputs_are_kebab_case_documented_with_defaults() -> None:
    inputs = load_action()["inputs"]
    assert set(inputs) >= GATE_INPUTS
    for name, spec in inputs.items():
        assert re.fullmatch(r"[a-z][a-z0-9]*(-[a-z0-9]+)*", name), name
        assert spec.get("description", "").strip(), name
        assert "default" in spec and spec.get("required") is False, name
    assert inputs["allow-breaking-label"]["default"] == DEFAULT_ALLOW_LABEL
    assert inputs["comment"]["default"] == "true"
    assert inputs["record"]["default"] == "false"


def test_every_gate_input_reaches_the_script_through_env() -> None:
    gate = next(step for step in load_action()["runs"]["steps"] if step.get("id") == "gate")
    for name in GATE_INPUTS:
        variable = INPUT_PREFIX + name.upper().replace("-", "_")
        assert gate["env"][variable] == f"${{{{ inputs.{name} }}}}", name
    assert gate["env"]["GITHUB_TOKEN"] == "${{ inputs.github-token }}"
    assert "compat_checker.github.action" in gate["run"]


def test_outputs_come_from_the_gate_step() -> None:
    outputs = load_action()["outputs"]
    for name in ("can-deploy", "verdict", "breaking-count", "pii-count", "pii-review-count"):
        assert outputs[name]["value"] == f"${{{{ steps.gate.outputs.{name} }}}}"
        assert outputs[name]["description"].strip()


def test_the_readme_documents_every_input_and_output() -> None:
    """An adopter copies the README's workflow: each input is a row of its table, each
    output is named."""
    readme = (REPO_ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## GitHub Action", 1)[1].split("\n## ", 1)[0]
    action = load_action()
    missing = [name for name in action["inputs"] if f"\n| `{name}` |" not in section]
    missing += [name for name in action["outputs"] if f"`{name}`" not in section]
    assert missing == []
