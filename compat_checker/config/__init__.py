"""`protoguard.yaml`: the repository's configuration, validated with clear errors on typos.

Each section has its own model (its own module) so the layers that use it own it.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from compat_checker.config.incidents import IncidentsConfig
from compat_checker.config.llm import LlmConfig
from compat_checker.errors import GateError
from compat_checker.findings import Severity
from pii_detector.config import PiiConfig

CONFIG_FILE_NAME = "protoguard.yaml"


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class BufBreakingConfig(_Section):
    """Passed to `buf breaking` when the repository's buf.yaml does not set its own."""

    use: list[str] = Field(default_factory=lambda: ["FILE"])
    except_: list[str] = Field(default_factory=list, alias="except")
    ignore: list[str] = Field(default_factory=list)
    ignore_unstable_packages: bool = False
    disable_builtin: bool = False  # v2: only the policies' and plugins' rules apply

    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class BufConfig(_Section):
    enabled: bool = True
    breaking: BufBreakingConfig | None = None  # None: use the repository's buf.yaml
    timeout_seconds: float = 300.0


CommentFindings = Literal["warn", "block"]


class RulesConfig(_Section):
    disable: list[str] = Field(default_factory=list)  # rule IDs or categories
    enable: list[str] = Field(default_factory=list)  # re-enable within a disabled category
    severity: dict[str, Severity] = Field(default_factory=dict)  # rule ID -> severity
    # Findings read from comments (SEMANTIC, potential): "warn" unless the LLM review
    # confirms them; "block" lets them block on their own, as the rules judge them.
    comment_findings: CommentFindings = "warn"


class ElementIgnore(_Section):
    element: str  # FQN; a trailing ".*" matches everything below it
    rule: str | None = None  # rule ID or category; None = every rule
    reason: str

    @field_validator("reason")
    @classmethod
    def _reason_required(cls, value: str) -> str:
        if not value.strip():
            raise ValueError("an ignore needs a reason")
        return value


FailOn = Literal["breaking", "LOW", "MEDIUM", "HIGH", "CRITICAL"]


class Config(_Section):
    version: Literal[1] = 1
    fail_on: FailOn = "breaking"  # "breaking": any unsuppressed breaking change blocks
    buf: BufConfig = Field(default_factory=BufConfig)
    rules: RulesConfig = Field(default_factory=RulesConfig)
    ignore_paths: list[str] = Field(default_factory=list)  # globs, repo-relative
    ignores: list[ElementIgnore] = Field(default_factory=list)
    pii: PiiConfig = Field(default_factory=PiiConfig)
    llm: LlmConfig = Field(default_factory=LlmConfig)
    incidents: IncidentsConfig = Field(default_factory=IncidentsConfig)


def load_config(path: Path | None, repo_root: Path | None) -> tuple[Config, Path | None]:
    """Load the given file, or `protoguard.yaml` at the repository root when it exists.

    Every problem is reported at once, each with its line, in one error line: a typo in
    a key, a bad value, and a rule ID no rule has (with the closest known ID)."""
    if path is None and repo_root is not None and (repo_root / CONFIG_FILE_NAME).is_file():
        path = repo_root / CONFIG_FILE_NAME
    if path is None:
        return Config(), None
    try:
        text = path.read_text(encoding="utf-8")
        raw = yaml.safe_load(text) or {}
    except FileNotFoundError:
        raise GateError(f"config file not found: {path}") from None
    except IsADirectoryError:
        raise GateError(f"config file {path} is a directory") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1})" if mark is not None else ""
        raise GateError(f"{path}: not valid YAML{where}: {first}") from None
    if not isinstance(raw, dict):
        raise GateError(f"{path}: expected a mapping at the top level")
    lines = _key_lines(yaml.compose(text))
    # Rule IDs are read from the raw mapping, so a typo in one is listed together with a
    # bad value elsewhere instead of after the user fixed that one.
    unknown = _with_lines(unknown_rule_ids(raw), lines)
    try:
        config = Config.model_validate(raw)
    except ValidationError as exc:
        problems = [*_validation_problems(exc, lines), *unknown]
        raise GateError(f"{path}: {_join_problems(sorted(problems, key=_line_key))}") from None
    if unknown:
        raise GateError(f"{path}: {_join_problems(unknown)}")
    return config, path


def _key_lines(node: yaml.Node | None, prefix: tuple[str, ...] = ()) -> dict[tuple[str, ...], int]:
    """Each key path in the YAML document (`("rules", "disable", "0")`) → its 1-based line."""
    found: dict[tuple[str, ...], int] = {}
    if isinstance(node, yaml.MappingNode):
        for key, value in node.value:
            path = (*prefix, str(key.value))
            found[path] = key.start_mark.line + 1
            found.update(_key_lines(value, path))
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            path = (*prefix, str(index))
            found[path] = item.start_mark.line + 1
            found.update(_key_lines(item, path))
    return found


def _line_of(loc: tuple[str, ...], lines: dict[tuple[str, ...], int]) -> int | None:
    # The nearest enclosing key that is in the file (a missing key has no line of its own).
    while loc:
        if loc in lines:
            return lines[loc]
        loc = loc[:-1]
    return None


def _with_lines(
    problems: list[tuple[tuple[str, ...], str]], lines: dict[tuple[str, ...], int]
) -> list[str]:
    described = []
    for loc, message in problems:
        where = ".".join(loc) or "(top level)"
        line = _line_of(loc, lines)
        described.append(f"line {line}: {where}: {message}" if line else f"{where}: {message}")
    return described


def _join_problems(problems: list[str]) -> str:
    if len(problems) == 1:
        return problems[0]
    return f"{len(problems)} problems: " + "; ".join(problems)


def describe_validation_error(
    exc: ValidationError, lines: dict[tuple[str, ...], int] | None = None
) -> str:
    """One line naming every bad key with its line, e.g.
    `2 problems: line 3: rules.disabel: unknown key; line 7: fail_on: Input should be …`."""
    return _join_problems(_validation_problems(exc, lines or {}))


def _validation_problems(exc: ValidationError, lines: dict[tuple[str, ...], int]) -> list[str]:
    problems = []
    for error in exc.errors():
        loc = tuple(str(part) for part in error["loc"])
        if error["type"] == "extra_forbidden":
            problems.append((loc, "unknown key"))
        else:
            problems.append((loc, error["msg"]))
    return _with_lines(problems, lines)


def _line_key(problem: str) -> int:
    """Sort problems by their line; those without one last."""
    head = problem.split(":", 1)[0]
    return int(head[5:]) if head.startswith("line ") and head[5:].isdigit() else 1 << 30


def unknown_rule_ids(raw: Mapping[str, Any]) -> list[tuple[tuple[str, ...], str]]:
    """Rule IDs in `rules.disable`, `rules.enable`, `rules.severity` and `ignores[].rule`
    of the raw configuration that no rule has: a typo there would silently disable
    nothing. Values of the wrong shape are left to the schema's own errors."""
    import difflib

    from compat_checker.findings import Category
    from compat_checker.rules.catalogue import rule_catalogue

    known_rules = set(rule_catalogue())
    categories = {category.value for category in Category}
    known = known_rules | categories

    def problem(name: str) -> str | None:
        if name in known or name.startswith("BUF_"):
            return None
        close = difflib.get_close_matches(name.upper(), sorted(known), n=1, cutoff=0.6)
        hint = f"; did you mean {close[0]}?" if close else "; see `protoguard rules`"
        return f"unknown rule ID {name!r}{hint}"

    rules = raw.get("rules") if isinstance(raw.get("rules"), Mapping) else {}
    ignores = raw.get("ignores") if isinstance(raw.get("ignores"), list) else []
    named: list[tuple[tuple[str, ...], object]] = []
    for key in ("disable", "enable"):
        if isinstance(rules.get(key), list):
            named.extend((("rules", key, str(i)), name) for i, name in enumerate(rules[key]))
    severity = rules.get("severity")
    if isinstance(severity, Mapping):
        named.extend((("rules", "severity", str(name)), name) for name in severity)
    named.extend(
        (("ignores", str(i), "rule"), ignore.get("rule"))
        for i, ignore in enumerate(ignores)
        if isinstance(ignore, Mapping)
    )
    found: list[tuple[tuple[str, ...], str]] = []
    for loc, name in named:
        message = problem(name) if isinstance(name, str) else None
        if message:
            found.append((loc, message))
    return found
