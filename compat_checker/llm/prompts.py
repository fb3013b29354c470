"""Versioned prompt templates (`prompts/<name>.v<version>.md`) and how they are filled.

A template file is YAML front matter (name, version, purpose, changes) followed by a
`<!-- role: system -->` section and a `<!-- role: user -->` section. `{{ variable }}`
placeholders are filled in one pass, so text inserted for one placeholder is never
scanned for another.

Every variable value is untrusted data unless it is wrapped in `Trusted`: it is
serialised to JSON and fenced in a data block (`data_block`). Trusted text is what
protoguard itself ships: the PII policy and the rule docs, both read from their one
source at run time (`load_pii_policy`, `rule_docs`) and never copied into a template.
"""

from __future__ import annotations

import functools
import importlib.resources
import json
import os
import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any, NamedTuple

import yaml
from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage
from pydantic_core import to_jsonable_python

from compat_checker.errors import GateError
from compat_checker.resources import ASSET_ROOTS

PROMPTS_DIR_ENV = "PROTOGUARD_PROMPTS_DIR"

# The fence around untrusted data. Data blocks are JSON written with ensure_ascii, so
# they contain only ASCII: these non-ASCII brackets can never occur inside one, and no
# comment or name can close a block early or open a fake one.
DATA_BEGIN = "⟦BEGIN UNTRUSTED DATA⟧"
DATA_END = "⟦END UNTRUSTED DATA⟧"

_PLACEHOLDER = re.compile(r"\{\{\s*([a-z_][a-z0-9_]*)\s*\}\}")
_SECTION = re.compile(r"^<!--\s*role:\s*(system|user)\s*-->\s*$", re.MULTILINE)
_HEADER_KEYS = ("name", "version", "purpose", "changes")


class PromptError(GateError):
    """A prompt template is missing or malformed (an installation problem: exit 2)."""


class Trusted(str):
    """Text protoguard wrote itself (policy, rule docs): inserted into a prompt as is."""

    __slots__ = ()


class Prompt(NamedTuple):
    name: str
    version: int
    text: str  # the whole file, header included (it is part of the cache key)

    @property
    def id(self) -> str:
        return f"{self.name}.v{self.version}"

    @property
    def header(self) -> dict[str, Any]:
        return _split_header(self.text, self.id)[0]

    def sections(self) -> dict[str, str]:
        """The system and user templates."""
        body = _split_header(self.text, self.id)[1]
        parts = _SECTION.split(body)
        # parts = [preamble, role, text, role, text]
        roles = parts[1::2]
        if roles != ["system", "user"] or parts[0].strip():
            raise PromptError(
                f"prompt {self.id}: expected a '<!-- role: system -->' then a "
                "'<!-- role: user -->' section and nothing before them"
            )
        return {role: text.strip() for role, text in zip(roles, parts[2::2], strict=True)}


def _split_header(text: str, prompt_id: str) -> tuple[dict[str, Any], str]:
    match = re.match(r"\A---\n(.*?)\n---\n", text, re.DOTALL)
    if match is None:
        raise PromptError(f"prompt {prompt_id}: no '---' front matter header")
    try:
        header = yaml.safe_load(match.group(1))
    except yaml.YAMLError as exc:
        raise PromptError(f"prompt {prompt_id}: header is not YAML: {exc}") from None
    if not isinstance(header, dict) or any(key not in header for key in _HEADER_KEYS):
        raise PromptError(f"prompt {prompt_id}: header needs {', '.join(_HEADER_KEYS)}")
    return header, text[match.end() :]


def prompts_dir() -> Path:
    """Where the templates are: $PROTOGUARD_PROMPTS_DIR, else the shipped `prompts/`.

    A source checkout or editable install has `prompts/` beside the packages; a
    regular (wheel) install carries a copy in `compat_checker/_assets/prompts`.
    """
    candidates = []
    if override := os.environ.get(PROMPTS_DIR_ENV):
        candidates.append(Path(override))
    candidates.extend(root / "prompts" for root in ASSET_ROOTS)
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    raise PromptError(
        "prompt templates not found",
        hint=f"looked in {', '.join(str(c) for c in candidates)}; set {PROMPTS_DIR_ENV}",
    )


@functools.lru_cache(maxsize=32)
def load_prompt(name: str, version: int) -> Prompt:
    """The template `prompts/<name>.v<version>.md`, with its header checked."""
    path = prompts_dir() / f"{name}.v{version}.md"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PromptError(f"prompt {name}.v{version} not found ({path})") from None
    prompt = Prompt(name, version, text)
    header = prompt.header
    if header["name"] != name or header["version"] != version:
        raise PromptError(f"{path}: header says {header['name']}.v{header['version']}")
    prompt.sections()  # fail at load time, not in the middle of a review
    return prompt


def load_pii_policy() -> str:
    """The PII policy as the pii_detector package ships it (`pii_detector/POLICY.md`)."""
    try:
        return importlib.resources.files("pii_detector").joinpath("POLICY.md").read_text("utf-8")
    except FileNotFoundError:
        raise PromptError("pii_detector/POLICY.md not found: the PII policy is missing") from None


def rule_docs(rule_ids: Iterable[str] | None = None) -> str:
    """Docs of the given rules (all when None) from the rule registry, one per line.

    buf rule IDs are accepted too: they select the rules that report the same problem.
    """
    from compat_checker.rules.registry import all_rules

    rules = all_rules()
    if rule_ids is not None:
        wanted = set(rule_ids)
        rules = {rid: r for rid, r in rules.items() if rid in wanted or wanted & set(r.buf_rules)}
    if not rules:
        return "(no rule documentation applies to these findings)"
    lines = []
    for rule in rules.values():
        effect = "breaking" if rule.breaking else "warning"
        buf = f" (buf: {', '.join(rule.buf_rules)})" if rule.buf_rules else ""
        lines.append(
            f"- {rule.id}{buf} [{rule.category}, default {rule.severity}, {effect}]: "
            f"{rule.doc} Fix: {rule.fix}"
        )
    return "\n".join(lines)


# Trusted variables filled in when a template uses them and the caller did not pass them.
BUILTINS: dict[str, Callable[[], str]] = {
    "pii_policy": load_pii_policy,
    "rule_docs": rule_docs,
}


def data_block(value: Any) -> str:
    """`value` as JSON inside the untrusted-data fence (a top-level list: one item a line)."""

    def encode(item: Any) -> str:
        return json.dumps(to_jsonable_python(item), ensure_ascii=True)

    body = (
        "[\n" + ",\n".join(encode(item) for item in value) + "\n]"
        if isinstance(value, (list, tuple))
        else encode(value)
    )
    return f"{DATA_BEGIN}\n{body}\n{DATA_END}"


def extract_data_blocks(text: str) -> list[Any]:
    """The decoded contents of every data block in `text` (for fakes and tests)."""
    pattern = re.compile(re.escape(DATA_BEGIN) + r"\n(.*?)\n" + re.escape(DATA_END), re.DOTALL)
    return [json.loads(body) for body in pattern.findall(text)]


def render(
    prompt: Prompt,
    variables: Mapping[str, Any],
    *,
    builtins: Mapping[str, Callable[[], str]] = BUILTINS,
) -> list[BaseMessage]:
    """[SystemMessage, HumanMessage] with every placeholder filled (see module doc)."""
    sections = prompt.sections()
    used: set[str] = set()

    def fill(match: re.Match[str]) -> str:
        name = match.group(1)
        used.add(name)
        if name in variables:
            value = variables[name]
            return str(value) if isinstance(value, Trusted) else data_block(value)
        if name in builtins:
            return builtins[name]()
        raise ValueError(f"prompt {prompt.id} needs variable {name!r}")

    system = _PLACEHOLDER.sub(fill, sections["system"])
    user = _PLACEHOLDER.sub(fill, sections["user"])
    unused = set(variables) - used
    if unused:
        raise ValueError(f"prompt {prompt.id} has no placeholder for {sorted(unused)}")
    return [SystemMessage(content=system), HumanMessage(content=user)]
