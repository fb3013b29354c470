"""google.api.http bindings and resource-name patterns, normalised for comparison.

A path template (`/v1/{name=tasks/*}`) is compared by two things: its *shape*, the URL
it matches with every variable replaced by its segment pattern (`/v1/tasks/*`), and the
request fields its variables bind (`name`). `{task}` is `{task=*}`, whitespace and a
trailing slash do not count, so rewriting a template without changing what it matches is
no change; renaming a variable keeps the shape but moves the value to another field.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

HTTP_OPTION = "google.api.http"
RESOURCE_OPTION = "google.api.resource"
RESOURCE_REFERENCE_OPTION = "google.api.resource_reference"
_VERBS = ("get", "put", "post", "delete", "patch")


@dataclass(frozen=True)
class Template:
    text: str  # as written
    shape: str  # what it matches: variables replaced by their patterns
    variables: tuple[str, ...]  # the field paths (or resource ids) bound, in order


@dataclass(frozen=True)
class Binding:
    verb: str  # GET, POST… or a custom verb's kind
    path: Template
    body: str
    response_body: str

    @property
    def route(self) -> tuple[str, str]:
        """What a REST client calls: the verb and the URL shape."""
        return self.verb, self.path.shape

    def describe(self) -> str:
        return f"{self.verb} {self.path.text}"


def parse_template(text: str) -> Template:
    """Split a path template into its shape and its variables (no validation: a template
    the parser cannot read compares as text)."""
    cleaned = "".join(text.split())
    verb = ""
    last_brace = cleaned.rfind("}")
    colon = cleaned.rfind(":")
    if colon > last_brace and "/" not in cleaned[colon:]:
        cleaned, verb = cleaned[:colon], cleaned[colon:]
    if len(cleaned) > 1:
        cleaned = cleaned.rstrip("/")
    shape: list[str] = []
    variables: list[str] = []
    index = 0
    while index < len(cleaned):
        char = cleaned[index]
        if char != "{":
            shape.append(char)
            index += 1
            continue
        end = cleaned.find("}", index)
        if end < 0:
            return Template(text=text, shape=cleaned + verb, variables=())
        name, _, pattern = cleaned[index + 1 : end].partition("=")
        variables.append(name)
        shape.append(pattern or "*")
        index = end + 1
    return Template(text=text, shape="".join(shape) + verb, variables=tuple(variables))


def bindings(option: Any) -> list[Binding]:
    """The primary binding first, then the additional ones; [] without the option."""
    if not isinstance(option, Mapping):
        return []
    found = []
    primary = _binding(option)
    if primary is not None:
        found.append(primary)
    for extra in _listed(option.get("additional_bindings")):
        if isinstance(extra, Mapping) and (binding := _binding(extra)) is not None:
            found.append(binding)
    return found


def _binding(rule: Mapping[str, Any]) -> Binding | None:
    for verb in _VERBS:
        if isinstance(rule.get(verb), str):
            return _make(verb.upper(), rule[verb], rule)
    custom = rule.get("custom")
    if isinstance(custom, Mapping) and isinstance(custom.get("path"), str):
        return _make(str(custom.get("kind", "")).upper(), custom["path"], rule)
    return None


def _make(verb: str, path: str, rule: Mapping[str, Any]) -> Binding:
    return Binding(
        verb=verb,
        path=parse_template(path),
        body=str(rule.get("body", "") or ""),
        response_body=str(rule.get("response_body", "") or ""),
    )


def resource_patterns(option: Any) -> list[Template]:
    if not isinstance(option, Mapping):
        return []
    return [parse_template(p) for p in _listed(option.get("pattern")) if isinstance(p, str)]


def _listed(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple) else [value]
