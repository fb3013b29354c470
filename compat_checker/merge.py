"""Merge `buf breaking`'s findings into the rules' findings.

One problem found by both is one `Change` with ``sources = [buf, rules]`` and the buf rule
IDs listed. buf reports a position, not an element, so each finding is first located:
the innermost element whose span holds buf's ``line:column`` in head (base for a deleted
file), refined by buf's message where buf points at a parent (a deleted field is reported
at its message, a deleted message at its file). It then joins the rules' finding on the
same element whose rule lists that buf rule in ``buf_rules``. A buf finding no rule
matched becomes a ``BUF_<RULE>`` change of its own, so nothing buf says is lost.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Protocol

from compat_checker.diff import change_id, change_sort_key
from compat_checker.findings import Category, Change, Severity, Source
from compat_checker.rules.catalogue import HEAD_DOES_NOT_COMPILE, buf_finding_rule
from compat_checker.rules.registry import Rule, all_rules
from protomodel.model import (
    Element,
    ElementKind,
    EnumModel,
    FileModel,
    MessageModel,
    ProtoTree,
    ServiceModel,
    iter_file_elements,
)


class BufFindingLike(Protocol):
    """What the merge reads of a buf finding (`compat_checker.buf.BufFinding`)."""

    @property
    def repo_path(self) -> str: ...  # "" when buf names no file

    @property
    def line(self) -> int: ...  # 1-based; 0 when unknown

    @property
    def column(self) -> int: ...

    @property
    def end_line(self) -> int: ...

    @property
    def end_column(self) -> int: ...

    @property
    def rule(self) -> str: ...  # buf rule ID

    @property
    def message(self) -> str: ...


# buf's own categories (`buf config ls-breaking-rules`): rules in WIRE guard the binary
# encoding, rules added by WIRE_JSON guard JSON, the rest (FILE, PACKAGE) generated code.
# Deletions buf files under FILE/PACKAGE only because WIRE uses their *_UNLESS_*_RESERVED
# variants are wire problems all the same, so they are listed as WIRE here.
_BUF_WIRE = frozenset(
    {
        "ENUM_SAME_TYPE",
        "ENUM_VALUE_NO_DELETE",
        "ENUM_VALUE_NO_DELETE_UNLESS_NUMBER_RESERVED",
        "EXTENSION_MESSAGE_NO_DELETE",
        "FIELD_NO_DELETE",
        "FIELD_NO_DELETE_UNLESS_NUMBER_RESERVED",
        "FIELD_SAME_CARDINALITY",
        "FIELD_SAME_DEFAULT",
        "FIELD_SAME_LABEL",
        "FIELD_SAME_ONEOF",
        "FIELD_SAME_TYPE",
        "FIELD_WIRE_COMPATIBLE_CARDINALITY",
        "FIELD_WIRE_COMPATIBLE_TYPE",
        "FILE_NO_DELETE",
        "FILE_SAME_PACKAGE",
        "MESSAGE_SAME_MESSAGE_SET_WIRE_FORMAT",
        "MESSAGE_SAME_REQUIRED_FIELDS",
        "PACKAGE_SERVICE_NO_DELETE",
        "RESERVED_ENUM_NO_DELETE",
        "RESERVED_MESSAGE_NO_DELETE",
        "RPC_NO_DELETE",
        "RPC_SAME_CLIENT_STREAMING",
        "RPC_SAME_IDEMPOTENCY_LEVEL",
        "RPC_SAME_REQUEST_TYPE",
        "RPC_SAME_RESPONSE_TYPE",
        "RPC_SAME_SERVER_STREAMING",
        "SERVICE_NO_DELETE",
    }
)
_BUF_JSON = frozenset(
    {
        "ENUM_SAME_JSON_FORMAT",
        "ENUM_VALUE_NO_DELETE_UNLESS_NAME_RESERVED",
        "ENUM_VALUE_SAME_NAME",
        "FIELD_NO_DELETE_UNLESS_NAME_RESERVED",
        "FIELD_SAME_JSON_NAME",
        "FIELD_SAME_NAME",
        "FIELD_WIRE_JSON_COMPATIBLE_CARDINALITY",
        "FIELD_WIRE_JSON_COMPATIBLE_TYPE",
        "MESSAGE_SAME_JSON_FORMAT",
    }
)


def buf_category(buf_rule: str) -> Category:
    if buf_rule in _BUF_WIRE:
        return Category.WIRE
    if buf_rule in _BUF_JSON:
        return Category.JSON
    return Category.SOURCE


def buf_rule_index(rules: Iterable[Rule]) -> dict[str, tuple[str, ...]]:
    """buf rule ID → our rule IDs that report the same problem."""
    index: dict[str, list[str]] = defaultdict(list)
    for rule in sorted(rules, key=lambda r: r.id):
        for buf_rule in rule.buf_rules:
            index[buf_rule].append(rule.id)
    return {buf_rule: tuple(ids) for buf_rule, ids in index.items()}


def merge_findings(
    rule_changes: Sequence[Change],
    buf_findings: Iterable[BufFindingLike],
    head: ProtoTree,
    base: ProtoTree,
    *,
    rules: Iterable[Rule] | None = None,
    buf_ran: bool = True,
) -> list[Change]:
    """The rules' changes with buf's findings folded in, sorted by (file, line, column, rule).

    When buf ran, the buf rules a change names are the ones buf reported for it; otherwise
    (`--no-buf`, buf missing or failed) the rules' own reading of them stays.
    """
    our_rules_for = buf_rule_index(all_rules().values() if rules is None else rules)
    locator = _Locator(head, base)
    cleared = {"buf_rules": []} if buf_ran else {}
    merged = [change.model_copy(deep=True, update=cleared) for change in rule_changes]
    by_element: dict[str, list[Change]] = defaultdict(list)
    by_place: dict[tuple[str, int], list[Change]] = defaultdict(list)
    for change in merged:
        by_element[change.element].append(change)
        by_place[(change.file, change.line)].append(change)
    # buf-only changes per element, with the rules of ours their buf rules map to
    buf_only: dict[str, list[tuple[frozenset[str], Change]]] = defaultdict(list)

    ordered = sorted(buf_findings, key=lambda f: (f.repo_path, f.line, f.column, f.rule, f.message))
    for finding in ordered:
        place = locator.locate(finding)
        candidates = frozenset(our_rules_for.get(finding.rule, ()))
        ours = sorted(
            (c for c in by_element[place.element] if c.rule in candidates), key=lambda c: c.id
        )
        # A rule that fires once per range (reserved, extension ranges) meets buf's one
        # finding per range: each joins a change that does not name that buf rule yet.
        target = next((c for c in ours if finding.rule not in c.buf_rules), None) or next(
            iter(ours), None
        )
        if target is None:
            # buf points some findings where the cause is written, not at the element (a
            # file option that changes every string field's Java UTF-8 check): the rules'
            # finding of the same family at that very line is the same problem.
            target = next(
                (
                    c
                    for c in sorted(by_place[(finding.repo_path, finding.line)], key=lambda c: c.id)
                    if c.rule in candidates and finding.rule not in c.buf_rules
                ),
                None,
            )
        if target is None:
            # buf rules that could be the same rule of ours (FIELD_SAME_NAME and
            # FIELD_SAME_JSON_NAME: a rename) on one element are one problem, as is the
            # same buf rule reported twice there (two removed reservations).
            target = next(
                (
                    change
                    for rules_of, change in buf_only[place.element]
                    if rules_of & candidates or finding.rule in change.buf_rules
                ),
                None,
            )
            if target is None:
                buf_only[place.element].append((candidates, _buf_change(finding, place)))
                continue
        _add_buf(target, finding.rule)
    extra = [change for entries in buf_only.values() for _, change in entries]
    return sorted([*merged, *extra], key=change_sort_key)


def _add_buf(change: Change, buf_rule: str) -> None:
    if Source.BUF not in change.sources:
        change.sources = sorted([*change.sources, Source.BUF], key=list(Source).index)
    if buf_rule not in change.buf_rules:
        change.buf_rules = sorted([*change.buf_rules, buf_rule])


def _buf_change(finding: BufFindingLike, place: _Place) -> Change:
    kind = finding.rule.lower()
    rule_id = buf_finding_rule(finding.rule)
    return Change(
        id=change_id(rule_id, place.element, kind),
        rule=rule_id,
        category=buf_category(finding.rule),
        is_breaking=True,
        severity=Severity.HIGH,
        element=place.element,
        file=place.file,
        line=place.line,
        column=place.column,
        message=finding.message,
        recommendation=f"See buf's breaking rule {finding.rule}: https://buf.build/docs/breaking/rules/",
        sources=[Source.BUF],
        kind=kind,
        buf_rules=[finding.rule],
    )


# ---------------------------------------------------------------------------------------
# Locating a buf finding


@dataclass(frozen=True, slots=True)
class _Place:
    element: str  # FQN, or repo path for a file (as the rules name elements)
    file: str
    line: int
    column: int


# buf's wording (bufcheck): the quoted names are package-relative for types, plain names
# for children, numbers for fields and enum values.
_DELETED_FILE = re.compile(r'^Previously present file "([^"]+)"')
_DELETED_PACKAGE = re.compile(r'^Previously present package "([^"]+)"')
_DELETED_TYPE = re.compile(
    r'^Previously present (?:message|enum|service|extension) "([^"]+)" was deleted'
)
_NAMED_FIELD = re.compile(r'[Ff]ield "\d+" with name "([^"]+)"')
_REQUIRED_FIELD = re.compile(r'required field "(\d+)"')
_ONEOF = re.compile(r'oneof "([^"]+)"')
_ENUM_VALUE = re.compile(r'enum value "(-?\d+)"')
_RPC = re.compile(r'RPC "([^"]+)"')


class _Locator:
    def __init__(self, head: ProtoTree, base: ProtoTree) -> None:
        self._trees = (head, base)
        self._by_repo_path = [{f.repo_path: f for f in t.files.values()} for t in self._trees]
        self._spans: dict[int, list[Element]] = {}

    def locate(self, finding: BufFindingLike) -> _Place:
        repo_path = finding.repo_path or self._deleted_file(finding.message)
        file = self._file(repo_path)
        if file is None:
            package = _DELETED_PACKAGE.match(finding.message)
            element = package.group(1) if package and not repo_path else repo_path
            return _Place(element, repo_path, finding.line, finding.column)
        element = self._innermost(file, finding.line, finding.column)
        return _Place(
            self._refine(file, element, finding.message),
            file.repo_path,
            finding.line,
            finding.column,
        )

    def _deleted_file(self, message: str) -> str:
        match = _DELETED_FILE.match(message)
        if match is None:
            return ""
        module_path = match.group(1)
        for tree in self._trees:
            if module_path in tree.files:
                return tree.files[module_path].repo_path
        return module_path

    def _file(self, repo_path: str) -> FileModel | None:
        for files in self._by_repo_path:  # head first: buf positions are in head
            if repo_path in files:
                return files[repo_path]
        return None

    def _innermost(self, file: FileModel, line: int, column: int) -> Element:
        if line <= 0:
            return file
        spans = self._spans.get(id(file))
        if spans is None:
            spans = [e for e in iter_file_elements(file) if e.location.line > 0]
            self._spans[id(file)] = spans
        best: Element = file
        for element in spans:
            if _contains(element, line, column) and (best is file or _starts_after(element, best)):
                best = element
        return best

    def _refine(self, file: FileModel, element: Element, message: str) -> str:
        """The element buf's message names, where buf points at its parent."""
        deleted = _DELETED_TYPE.match(message)
        if deleted is not None and isinstance(element, FileModel | MessageModel):
            # reported at the file, or at the parent message when nested
            fqn = _qualify(file.package, deleted.group(1))
            return self._map_field_of_entry(fqn) or fqn
        if isinstance(element, FileModel):
            return file.repo_path
        if isinstance(element, MessageModel):
            if named := _NAMED_FIELD.search(message):
                return f"{element.fqn}.{named.group(1)}"
            if required := _REQUIRED_FIELD.search(message):
                return self._field_by_number(element.fqn, int(required.group(1))) or element.fqn
            if oneof := _ONEOF.search(message):
                return f"{element.fqn}.{oneof.group(1)}"
        if isinstance(element, EnumModel) and (value := _ENUM_VALUE.search(message)):
            return self._value_by_number(element.fqn, int(value.group(1))) or element.fqn
        if isinstance(element, ServiceModel) and (rpc := _RPC.search(message)):
            return f"{element.fqn}.{rpc.group(1)}"
        return element.fqn

    def _map_field_of_entry(self, fqn: str) -> str | None:
        """The map field whose synthetic entry message ``fqn`` is (``M.TagsEntry`` → ``M.tags``).

        The model has no entry messages: when a map field stops being a map, buf reports
        its entry as a deleted message, which is the field's type change.
        """
        parent_fqn, _, entry = fqn.rpartition(".")
        if not entry.endswith("Entry"):
            return None
        for tree in reversed(self._trees):  # base first: the map is gone from head
            parent = tree.message(parent_fqn)
            for field in parent.fields if parent is not None else ():
                if field.is_map and _entry_name(field.name) == entry:
                    return field.fqn
        return None

    def _field_by_number(self, message_fqn: str, number: int) -> str | None:
        for tree in self._trees:
            message = tree.message(message_fqn)
            field = message.field_by_number(number) if message is not None else None
            if field is not None:
                return field.fqn
        return None

    def _value_by_number(self, enum_fqn: str, number: int) -> str | None:
        # base first: buf names a value by number when it was deleted or renumbered
        for tree in reversed(self._trees):
            enum = tree.enum(enum_fqn)
            value = enum.value_by_number(number) if enum is not None else None
            if value is not None:
                return value.fqn
        return None


def _entry_name(field_name: str) -> str:
    """protoc's map entry name: the field name in CamelCase, plus ``Entry``."""
    return "".join(part[:1].upper() + part[1:] for part in field_name.split("_")) + "Entry"


def _qualify(package: str, relative: str) -> str:
    return f"{package}.{relative}" if package else relative


def _contains(element: Element, line: int, column: int) -> bool:
    loc = element.location
    end_line = loc.end_line or loc.line
    if column <= 0:  # buf gave a line only
        return loc.line <= line <= end_line
    start = (loc.line, loc.column)
    end = (end_line, loc.end_column if loc.end_line else 1 << 30)
    return start <= (line, column) <= end


def _starts_after(element: Element, other: Element) -> bool:
    """Nested spans: the innermost is the one that starts last (ends first on a tie)."""
    a, b = element.location, other.location
    return (a.line, a.column, -(a.end_line or a.line), -a.end_column) > (
        b.line,
        b.column,
        -(b.end_line or b.line),
        -b.end_column,
    )


# ---------------------------------------------------------------------------------------
# A head that does not compile

HEAD_COMPILE_RULE = HEAD_DOES_NOT_COMPILE
_MISSING_IMPORT = "imported file does not exist"
_UNKNOWN_SYMBOL_RE = re.compile(r"^cannot find `\.?([\w.]+)` in this scope$")


class CompileError(Protocol):
    """What the merge reads of a compile error (`compat_checker.buf.BufFinding`)."""

    @property
    def repo_path(self) -> str: ...

    @property
    def line(self) -> int: ...

    @property
    def column(self) -> int: ...

    @property
    def message(self) -> str: ...

    @property
    def module_path(self) -> str: ...  # the path as the compiler saw it (import path)

    @property
    def imported(self) -> str: ...  # the import not found, for a missing-import error


def compile_error_changes(
    head_errors: Iterable[CompileError],
    base_errors: Iterable[CompileError],
    reviewed: Iterable[str],
    *,
    remote_deps: bool,
    own_packages: Collection[str] = (),
    own_import_dirs: Collection[str] = (),
) -> list[Change]:
    """Blocking changes for compile errors the change brings into the files under review.

    Errors the base already had are not the change's doing. With remote (BSR) deps in
    buf.yaml, which buf cannot fetch offline, an import the repository does not provide
    (its directory holds none of the repository's files, `own_import_dirs`) is the deps'
    to provide: neither that missing import nor what follows from it in the same file
    ("cannot find `validate.rules`") blocks. A symbol in one of the repository's own
    packages (`own_packages`) or an unqualified one is the repository's to define, and
    still blocks, as do duplicate numbers and syntax errors.
    """
    head_errors = list(head_errors)

    def offline_limit(error: CompileError) -> bool:
        if not remote_deps or error.message != _MISSING_IMPORT:
            return False
        directory = error.imported.rpartition("/")[0]
        return not error.imported or directory not in own_import_dirs

    cut_off = {e.repo_path for e in head_errors if offline_limit(e)}

    def follows_from_missing_import(error: CompileError) -> bool:
        unknown = _UNKNOWN_SYMBOL_RE.match(error.message)
        if unknown is None or error.repo_path not in cut_off:
            return False
        symbol = unknown.group(1)
        return "." in symbol and not any(symbol.startswith(f"{p}.") for p in own_packages)

    known = {(e.repo_path, e.message) for e in base_errors}
    under_review = set(reviewed)
    changes: dict[str, Change] = {}
    reported: set[tuple[str, int]] = set()
    for error in sorted(head_errors, key=lambda e: (e.repo_path, e.line, e.column, e.message)):
        if error.repo_path not in under_review or (error.repo_path, error.message) in known:
            continue
        if offline_limit(error) or follows_from_missing_import(error):
            continue
        if (error.repo_path, error.line) in reported:
            continue  # one finding per line: a syntax error often brings a second message
        reported.add((error.repo_path, error.line))
        kind = f"compile:{error.line}:{error.column}:{error.message}"
        change = Change(
            id=change_id(HEAD_COMPILE_RULE, error.repo_path, kind),
            rule=HEAD_COMPILE_RULE,
            category=Category.SOURCE,
            is_breaking=True,
            severity=Severity.CRITICAL,
            element=error.repo_path,
            file=error.repo_path,
            line=error.line,
            column=error.column,
            message=f"buf cannot compile the new version: {error.message}",
            recommendation="Fix the compile error; no client can generate code from this file.",
            sources=[Source.BUF],
            kind=kind,
        )
        changes.setdefault(change.id, change)
    return sorted(changes.values(), key=change_sort_key)


def without_fixed_compile_errors(
    changes: Sequence[Change],
    base: ProtoTree,
    base_errors: Iterable[CompileError],
    head_errors: Iterable[CompileError],
) -> list[Change]:
    """The changes, less those on an element whose base declaration had a compile error
    the head no longer has (a duplicate number renumbered): no client could build the base
    from that declaration, so changing it is the fix, not a break."""
    still = {(e.repo_path, e.message) for e in head_errors}
    fixed = [e for e in base_errors if (e.repo_path, e.message) not in still and e.line > 0]
    if not fixed:
        return list(changes)

    def was_broken(change: Change) -> bool:
        element = base.find(change.element) if change.element else None
        # Leaf declarations only (numbers live there); a message spans its fields' errors.
        if element is None or element.kind not in (ElementKind.FIELD, ElementKind.ENUM_VALUE):
            return False
        loc = element.location
        return any(
            loc.file in (e.module_path, e.repo_path)
            and loc.line <= e.line <= (loc.end_line or loc.line)
            for e in fixed
        )

    return [change for change in changes if not was_broken(change)]
