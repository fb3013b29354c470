"""`protoguard.yaml`: the repository's configuration, validated with clear errors on typos.

Each section has its own model (its own module) so the layers that use it own it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

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
    """Load the given file, or `protoguard.yaml` at the repository root when it exists."""
    if path is None and repo_root is not None and (repo_root / CONFIG_FILE_NAME).is_file():
        path = repo_root / CONFIG_FILE_NAME
    if path is None:
        return Config(), None
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except FileNotFoundError:
        raise GateError(f"config file not found: {path}") from None
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        first = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise GateError(f"{path}: not valid YAML: {first}") from None
    if not isinstance(raw, dict):
        raise GateError(f"{path}: expected a mapping at the top level")
    try:
        return Config.model_validate(raw), path
    except ValidationError as exc:
        raise GateError(f"{path}: {describe_validation_error(exc)}") from None


def describe_validation_error(exc: ValidationError) -> str:
    """One line naming the first bad key, e.g. `rules.disabel: unknown key`."""
    problems = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error["loc"]) or "(top level)"
        if error["type"] == "extra_forbidden":
            problems.append(f"{where}: unknown key")
        else:
            problems.append(f"{where}: {error['msg']}")
    more = f" (and {len(problems) - 1} more)" if len(problems) > 1 else ""
    return problems[0] + more
