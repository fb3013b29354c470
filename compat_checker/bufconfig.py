"""Which buf breaking rules the repository's configuration selects for one file.

buf applies a breaking configuration in two steps. The rule set is `use` (rule IDs and
categories of the configuration's own version; `FILE` when unset) minus `except`. Then,
file by file, `ignore` paths skip every rule, `ignore_only` skips the rules (or categories)
listed for its paths, and `ignore_unstable_packages` skips files whose package ends in an
alpha, beta or test version (`v1alpha1`, `v2beta`, `v1test`: buf's `protoversion`).

protoguard's own rules read the same answer: a rule that stands for buf rules runs on a
file only where buf would check one of them, so `--no-buf` and buf agree on what the
repository asked to be checked. The rule sets per version are a snapshot of
`buf config ls-breaking-rules --version V --format json` (`rules/buf_rule_sets.json`,
checked against the installed buf by a test).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import cache
from importlib import resources
from typing import Protocol, TypeVar

from compat_checker.config import BufBreakingConfig, Config
from compat_checker.diff import change_id
from compat_checker.findings import Category, Change, Severity, Source
from compat_checker.modules import ModuleLayout
from compat_checker.promises import Promise, promise_for
from compat_checker.rules.catalogue import BREAKING_CONFIG_RELAXED
from protomodel.model import ProtoTree

CONFIG_VERSIONS = ("v1beta1", "v1", "v2")
DEFAULT_VERSION = "v1"  # buf's reading of a repository without buf.yaml
DEFAULT_USE = ("FILE",)
RULE_SETS_SNAPSHOT = "buf_rule_sets.json"

# The last package component as buf's protoversion reads it: v<major>[p<patch>](alpha|beta)[n]
# or v<major>test[anything]. Anything else (no version, v1, v2) is stable.
_UNSTABLE_VERSION_RE = re.compile(
    r"^v[1-9]\d*(?:test.*|(?:p[1-9]\d*)?(?:alpha|beta)(?:[1-9]\d*)?)$"
)


@cache
def _snapshot() -> dict:
    return json.loads(
        resources.files("compat_checker.rules").joinpath(RULE_SETS_SNAPSHOT).read_text("utf-8")
    )


def _version(version: str) -> str:
    return version if version in CONFIG_VERSIONS else DEFAULT_VERSION


@cache
def rule_categories(version: str) -> dict[str, tuple[str, ...]]:
    """Every breaking rule of a configuration version with its categories."""
    known = _snapshot()["categories"][_version(version)]
    return {rule: tuple(categories) for rule, categories in known.items()}


@cache
def deprecated_rules(version: str) -> dict[str, tuple[str, ...]]:
    """Deprecated rule IDs buf still accepts, with the rules that replace them."""
    return {
        rule: tuple(replacements)
        for rule, replacements in _snapshot()["deprecated"][_version(version)].items()
    }


def is_builtin(rule_or_category: str, version: str) -> bool:
    """Whether buf itself knows the ID; anything else comes from a plugin."""
    categories = rule_categories(version)
    return (
        rule_or_category in categories
        or rule_or_category in deprecated_rules(version)
        or any(rule_or_category in cats for cats in categories.values())
    )


def expand(ids: Iterable[str], version: str) -> frozenset[str]:
    """Built-in rule IDs named directly, through a category or a deprecated ID."""
    categories = rule_categories(version)
    deprecated = deprecated_rules(version)
    result: set[str] = set()
    for item in ids:
        if item in categories:
            result.add(item)
        elif item in deprecated:
            result |= set(deprecated[item])
        else:
            result |= {rule for rule, cats in categories.items() if item in cats}
    return frozenset(result)


def configured_rules(config: BufBreakingConfig | None, version: str) -> frozenset[str]:
    """`use` minus `except`, in the configuration's own version (none when the built-in
    rules are disabled)."""
    if config is not None and config.disable_builtin:
        return frozenset()
    use = list(config.use) if config is not None and config.use else list(DEFAULT_USE)
    if config is not None and config.use and not any(is_builtin(u, version) for u in use):
        return frozenset()  # only plugin rules: buf's own rules are not asked for
    excepted = expand(config.except_, version) if config is not None else frozenset()
    return expand(use, version) - excepted


def is_unstable_package(package: str | None) -> bool:
    if not package:
        return False
    return bool(_UNSTABLE_VERSION_RE.match(package.rsplit(".", 1)[-1]))


def covers(directory: str, path: str) -> bool:
    """buf's "equal or containing path" on normalised relative paths."""
    directory = directory.strip("/") or "."
    return directory == "." or path == directory or path.startswith(directory + "/")


def selected_buf_rules(
    config: BufBreakingConfig | None,
    ignore_only: Mapping[str, Iterable[str]],
    version: str,
    repo_path: str,
    package: str | None,
    policies: Iterable[BufBreakingConfig] = (),
) -> frozenset[str]:
    """The buf rules that check `repo_path` (repo-relative; ignore paths are too): the
    configuration's own, plus those of each local policy (read in v2, with its ignores)."""
    selected = _selected(config, ignore_only, version, repo_path, package)
    for policy in policies:
        selected |= _selected(policy, {}, "v2", repo_path, package)
    return selected


def _selected(
    config: BufBreakingConfig | None,
    ignore_only: Mapping[str, Iterable[str]],
    version: str,
    repo_path: str,
    package: str | None,
) -> frozenset[str]:
    if config is not None:
        if any(covers(ignored, repo_path) for ignored in config.ignore):
            return frozenset()
        if config.ignore_unstable_packages and is_unstable_package(package):
            return frozenset()
    selected = configured_rules(config, version)
    for rule_or_category, paths in ignore_only.items():
        if any(covers(path, repo_path) for path in paths):
            selected -= expand([rule_or_category], version)
    return selected


class _ChangeLike(Protocol):
    @property
    def rule(self) -> str: ...

    @property
    def file(self) -> str | None: ...

    buf_rules: list[str]


C = TypeVar("C", bound=_ChangeLike)
GoverningConfig = tuple[
    BufBreakingConfig | None, Mapping[str, Iterable[str]], str, tuple[BufBreakingConfig, ...]
]


def obeying_breaking_config(
    changes: Iterable[C],
    buf_rules_of: Mapping[str, tuple[str, ...]],
    governing: Callable[[str], GoverningConfig],
    package_of: Callable[[str], str | None],
    promises: Sequence[Promise] = (),
    judged_path: Callable[[str], str] = lambda path: path,
) -> list[C]:
    """The findings of rules that stand for buf rules, kept only where the repository's
    breaking configuration selects one of the rule's buf rules for the finding's file; each
    kept finding names the selected buf rules it reproduces (`buf_rules`, as buf would
    report them; none when another finding on the element reproduces them).

    Findings of rules with no buf counterpart pass through: protoguard.yaml governs them.
    So do those whose buf rules the configuration's version does not have (FIELD_SAME_DEFAULT
    is v2 only): under a v1 buf.yaml, the rule is protoguard's own. Only a file the
    configuration leaves out altogether (an `ignore` path, an unstable package under
    `ignore_unstable_packages`) drops every finding: the repository said it checks nothing
    there (protovalidate's conformance cases).

    A finding the selection leaves out is kept when the repository's documentation
    promises one of its buf rules (`promises`) and no ignore covers the file; its message
    quotes the promise.
    """
    kept: list[C] = []
    selections: dict[str, tuple[frozenset[str], frozenset[str], frozenset[str]]] = {}
    for change in changes:
        if not change.file:
            kept.append(change)
            continue
        if change.file not in selections:
            path = judged_path(change.file)
            config, ignore_only, version, policies = governing(path)
            known = frozenset(rule_categories(version))
            if policies:
                known |= frozenset(rule_categories("v2"))
            package = package_of(change.file)
            selections[change.file] = (
                known,
                selected_buf_rules(config, ignore_only, version, path, package, policies),
                _selected(_every_rule(config), ignore_only, version, path, package),
            )
        known, selected, not_ignored = selections[change.file]
        if not not_ignored and not selected:
            continue  # an ignored path (or unstable package): the repository checks nothing here
        if not buf_rules_of.get(change.rule, ()):
            kept.append(change)
            continue
        # A finding that names its own buf rules (a deleted extension is EXTENSION_NO_DELETE,
        # not FIELD_NO_DELETE) is governed by those; one that leaves the naming to another
        # finding on its element (empty) by all of its rule's.
        counterparts = set(change.buf_rules or buf_rules_of[change.rule])
        if not known & counterparts:
            change.buf_rules = []
            kept.append(change)
            continue
        if selected & counterparts:
            # runs where one of its counterparts is selected; names those it reproduces
            change.buf_rules = [rule for rule in change.buf_rules if rule in selected]
            kept.append(change)
            continue
        promise = promise_for(promises, counterparts & not_ignored)
        if promise is not None:
            change.buf_rules = []  # buf does not check it here: the finding is ours alone
            change.message += f" (buf.yaml does not select this check, but {promise.cite()})"
            kept.append(change)
    return kept


def _every_rule(config: BufBreakingConfig | None) -> BufBreakingConfig | None:
    """``config`` with every built-in rule selected and its ignores kept."""
    if config is None:
        return None
    return config.model_copy(
        update={"use": list(DEFAULT_USE), "except_": [], "disable_builtin": False}
    )


def governing_breaking_config(
    head: ModuleLayout, base: ModuleLayout, config: Config
) -> Callable[[str], GoverningConfig]:
    """The head's breaking config for a repo path, as `buf breaking` reads it; the base's
    only when the head has no module left. protoguard.yaml's `buf.breaking` replaces it."""
    layout = head if head.modules else base
    if config.buf.breaking is not None:
        fixed: GoverningConfig = (config.buf.breaking, {}, layout.config_version, ())
        return lambda _path: fixed
    return layout.breaking_for


def path_in_head(head: ModuleLayout, base: ModuleLayout) -> Callable[[str], str]:
    """A repo path as buf judges it against the head's configuration: buf compares import
    paths, so a file the head no longer has is judged where its import path lies in the
    head's module (a v1beta1 `roots:` directory that became the module root)."""
    in_head = set(head.module_files.values())

    def judged(repo_path: str) -> str:
        if repo_path in in_head or len(head.modules) != 1:
            return repo_path
        module_path = base.to_module_path(repo_path)
        return repo_path if module_path is None else head.to_repo_path(module_path)

    return judged


def package_lookup(*trees: ProtoTree) -> Callable[[str], str | None]:
    """The proto package of a repo path in the first tree that has the file."""
    packages: dict[str, str | None] = {}
    for tree in reversed(trees):
        for file in tree.files.values():
            packages[file.repo_path] = file.package or None
    return packages.get


def config_relaxed_changes(
    base: ModuleLayout,
    head: ModuleLayout,
    packages: Mapping[str, str | None],
    head_config_text: Callable[[str], str | None],
) -> list[Change]:
    """A finding per head buf config that stops buf checking rules it checked before, on
    files that exist on both sides (`packages`: repo path → package).

    buf reads only the head's configuration, so a pull request that adds an `ignore`, an
    `except`, turns on `ignore_unstable_packages` or narrows `use` would exempt itself
    silently; this says so where it happens.
    """
    dropped: dict[str, dict[str, set[str]]] = {}  # config file → rule → example files
    for path, package in sorted(packages.items()):
        before = _selected_by(base, path, package)
        after = _selected_by(head, path, package)
        lost = {rule for rule in before - after if not _STRICTER.get(rule, set()) & after}
        if not lost:
            continue
        where = _config_file_of(head, path)
        for rule in lost:
            dropped.setdefault(where, {}).setdefault(rule, set()).add(path)
    changes = []
    for where, rules in sorted(dropped.items()):
        files = sorted({path for paths in rules.values() for path in paths})
        names = sorted(rules)
        shown = ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
        kind = f"config-relaxed:{','.join(names)}"
        changes.append(
            Change(
                id=change_id(BREAKING_CONFIG_RELAXED, where, kind),
                rule=BREAKING_CONFIG_RELAXED,
                category=Category.SOURCE,
                is_breaking=True,
                severity=Severity.HIGH,
                element=where,
                file=where,
                line=_breaking_line(head_config_text(where)),
                column=1,
                message=(
                    f"{where} no longer checks {len(names)} buf rule(s) ({shown}) on "
                    f"{len(files)} file(s) it checked before (e.g. {files[0]})"
                ),
                recommendation=(
                    "If the exemption is intended, say so: --allow-breaking REASON or a "
                    "`Protoguard-Allow-Breaking: REASON` commit trailer; otherwise restore the "
                    "breaking configuration."
                ),
                sources=[Source.RULES],
                kind=kind,
            )
        )
    return changes


def _stricter_than() -> dict[str, set[str]]:
    """Rule → the rules that report everything it reports (buf's FILE ⊇ PACKAGE ⊇ WIRE_JSON
    ⊇ WIRE families), so trading a rule for a stricter one is no relaxation."""
    chains = [
        ("FIELD_WIRE_COMPATIBLE_TYPE", "FIELD_WIRE_JSON_COMPATIBLE_TYPE", "FIELD_SAME_TYPE"),
        (
            "FIELD_WIRE_COMPATIBLE_CARDINALITY",
            "FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY",
            "FIELD_SAME_CARDINALITY",
        ),
        ("FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED", "FIELD_NO_DELETE"),
        ("FIELD_NO_DELETE_UNLESS_NAME_RESERVED", "FIELD_NO_DELETE"),
        ("ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED", "ENUM_VALUE_NO_DELETE"),
        ("ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED", "ENUM_VALUE_NO_DELETE"),
        ("PACKAGE_NO_DELETE", "FILE_NO_DELETE"),
        ("PACKAGE_ENUM_NO_DELETE", "ENUM_NO_DELETE"),
        ("PACKAGE_MESSAGE_NO_DELETE", "MESSAGE_NO_DELETE"),
        ("PACKAGE_SERVICE_NO_DELETE", "SERVICE_NO_DELETE"),
        ("PACKAGE_EXTENSION_NO_DELETE", "EXTENSION_NO_DELETE"),
    ]
    stricter: dict[str, set[str]] = {}
    for chain in chains:
        for index, rule in enumerate(chain):
            stricter.setdefault(rule, set()).update(chain[index + 1 :])
    return stricter


_STRICTER = _stricter_than()


def _selected_by(layout: ModuleLayout, path: str, package: str | None) -> frozenset[str]:
    config, ignore_only, version, policies = layout.breaking_for(path)
    return selected_buf_rules(config, ignore_only, version, path, package, policies)


def _config_file_of(layout: ModuleLayout, path: str) -> str:
    module = layout.module_for(path)
    candidates = [c for c in layout.config_files if c.endswith("buf.yaml")]
    if module is not None:
        own = [c for c in candidates if covers(c.rsplit("/", 1)[0] if "/" in c else ".", path)]
        if own:
            return max(own, key=len)
    return candidates[0] if candidates else "buf.yaml"


def _breaking_line(text: str | None) -> int:
    for number, line in enumerate((text or "").splitlines(), start=1):
        if re.match(r"\s*breaking\s*:", line):
            return number
    return 1


def files_on_both_sides(base: ProtoTree, head: ProtoTree) -> dict[str, str | None]:
    """Repo path → head package of the files present in base and head."""
    before = {file.repo_path for file in base.files.values()}
    return {
        file.repo_path: file.package or None
        for file in head.files.values()
        if file.repo_path in before
    }
