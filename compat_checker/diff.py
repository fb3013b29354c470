"""The structural diff: pair base and head elements once, then run the rules over the pairs.

Matching is by identity, not by position, so reordering, reformatting and comment edits
produce pairs whose rules stay quiet:

* files by repo path (a renamed file by `ChangedFile.old_path`);
* messages, enums and services by FQN, across all changed files, so an element that moved
  to another file is still one pair (its files differ: a SOURCE-level change). When a
  file's package changed, its elements are matched by their package-relative name (buf
  does the same), so a package rename is one file-level finding, not one per message;
* fields and enum values by name, then the leftovers by number: the same number under a
  new name is one pair with ``renamed=True`` (that is what a rename looks like on the
  wire), not a removal plus an addition;
* oneofs and methods by name, extensions by name within their scope.

Only changed files are walked: an unchanged file cannot hold a difference, and an element
cannot move without changing both files. Within them, a field, value, oneof or method that
is identical apart from its position is not paired: nothing changed there. An added or
removed element is paired once at its outermost level (a removed message, not also each of
its fields), and only where its parent exists on both sides: the elements of a deleted
file are covered by the file's own pair.
"""

from __future__ import annotations

import hashlib
import operator
from collections import defaultdict, deque
from collections.abc import Callable, Collection, Hashable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache, cached_property
from typing import Any, Protocol, TypeVar

from compat_checker.findings import Change, ChangedFile, FileStatus, Severity, Source
from compat_checker.rules.registry import Hit, Rule
from protomodel.model import (
    Element,
    ElementKind,
    EnumModel,
    EnumValueModel,
    FieldModel,
    FileModel,
    Location,
    MessageModel,
    MethodModel,
    ProtoTree,
    ServiceModel,
    TypeKind,
    iter_file_elements,
    iter_messages,
)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class ElementPair:
    """One element in base and/or head. ``base is None``: added; ``head is None``: removed.

    ``parent_base``/``parent_head`` are the enclosing elements (file, message, enum,
    service); for a removed element ``parent_head`` is where it used to live in head, which
    is where its finding is reported. ``base_file``/``head_file`` are the files on each
    side (for a removed element, ``head_file`` is its parent's file in head).
    """

    kind: ElementKind
    base: Element | None
    head: Element | None
    parent_base: Element | None = None
    parent_head: Element | None = None
    renamed: bool = False  # same number (fields, enum values) or old_path (files), new name
    base_file: FileModel | None = None
    head_file: FileModel | None = None
    moved: bool = False  # a top-level element now declared in another, surviving file

    @property
    def element(self) -> Element:
        """The element as it is now (head), or as it was when it was removed."""
        element = self.head if self.head is not None else self.base
        assert element is not None, "a pair has at least one side"
        return element


# ---------------------------------------------------------------------------------------
# Files


@dataclass(frozen=True, slots=True)
class _FilePair:
    base: FileModel | None
    head: FileModel | None
    renamed: bool


def _by_repo_path(tree: ProtoTree) -> dict[str, FileModel]:
    return {file.repo_path: file for file in tree.files.values()}


def _file_pairs(
    base: ProtoTree, head: ProtoTree, changed_files: Iterable[ChangedFile]
) -> list[_FilePair]:
    base_files, head_files = _by_repo_path(base), _by_repo_path(head)
    pairs: list[_FilePair] = []
    seen: set[tuple[str | None, str | None]] = set()
    for changed in changed_files:
        old_path = changed.old_path or changed.path
        base_file = None if changed.status == FileStatus.ADDED else base_files.get(old_path)
        head_file = None if changed.status == FileStatus.DELETED else head_files.get(changed.path)
        key = (
            base_file.repo_path if base_file else None,
            head_file.repo_path if head_file else None,
        )
        if key == (None, None) or key in seen:
            continue  # not a proto file of either tree, or listed twice
        seen.add(key)
        renamed = base_file is not None and head_file is not None and old_path != changed.path
        pairs.append(_FilePair(base_file, head_file, renamed))
    return pairs


def infer_changed_files(base: ProtoTree, head: ProtoTree) -> list[ChangedFile]:
    """Changed files between two trees by content, for inputs without a git diff (directories).

    Renames are not inferred: a moved file is a deletion plus an addition.
    """
    base_files, head_files = _by_repo_path(base), _by_repo_path(head)
    changed: list[ChangedFile] = []
    for path in sorted(base_files.keys() | head_files.keys()):
        before, after = base_files.get(path), head_files.get(path)
        if before is None:
            changed.append(ChangedFile(path=path, status=FileStatus.ADDED))
        elif after is None:
            changed.append(ChangedFile(path=path, status=FileStatus.DELETED))
        elif not _same_content(before, after):
            changed.append(ChangedFile(path=path, status=FileStatus.MODIFIED))
    return changed


def _same_content(before: FileModel, after: FileModel) -> bool:
    if before.sha256 and after.sha256:
        return before.sha256 == after.sha256
    return before == after


# ---------------------------------------------------------------------------------------
# Containers (messages, enums, services) keyed by FQN across the changed files


@dataclass(frozen=True, slots=True)
class _Placed:
    element: Element
    parent: Element  # the file or the enclosing message
    file: FileModel


def _containers(file: FileModel) -> Iterator[_Placed]:
    def in_message(message: MessageModel) -> Iterator[_Placed]:
        for nested in message.messages:
            # Map entries are synthesised by the compiler; the map field's type covers them.
            if not nested.is_map_entry:
                yield _Placed(nested, message, file)
                yield from in_message(nested)
        for enum in message.enums:
            yield _Placed(enum, message, file)

    for message in file.messages:
        if not message.is_map_entry:
            yield _Placed(message, file, file)
            yield from in_message(message)
    for enum in file.enums:
        yield _Placed(enum, file, file)
    for service in file.services:
        yield _Placed(service, file, file)


def _package_relative(fqn: str, package: str) -> str:
    return fqn[len(package) + 1 :] if package and fqn.startswith(package + ".") else fqn


def _translate(fqn: str, base_package: str, head_package: str) -> str:
    """A base FQN in head's terms when its file's package changed."""
    relative = _package_relative(fqn, base_package)
    return f"{head_package}.{relative}" if head_package else relative


# ---------------------------------------------------------------------------------------
# Children (fields, enum values, oneofs, methods, extensions)


def _pair_children(
    base_items: Sequence[Element], head_items: Sequence[Element], *, by_number: bool
) -> list[tuple[Element | None, Element | None, bool]]:
    """Pair by name; then, when ``by_number``, unmatched leftovers sharing one number.

    Only a one-to-one number match counts as a rename: enum aliases (several names on one
    number) stay unpaired rather than guessed.
    """
    head_by_name = {item.name: item for item in head_items}
    base_names = {item.name for item in base_items}
    result: list[tuple[Element | None, Element | None, bool]] = []
    removed: list[Element] = []
    for item in base_items:
        match = head_by_name.get(item.name)
        if match is None:
            removed.append(item)
        else:
            result.append((item, match, False))
    added = [item for item in head_items if item.name not in base_names]
    if by_number and removed and added:
        removed_by_number = _unique_by_number(removed)
        added_by_number = _unique_by_number(added)
        renamed = {
            number: (old, new)
            for number, old in removed_by_number.items()
            if (new := added_by_number.get(number)) is not None
        }
        for old, new in renamed.values():
            result.append((old, new, True))
        paired = {id(element) for both in renamed.values() for element in both}
        removed = [item for item in removed if id(item) not in paired]
        added = [item for item in added if id(item) not in paired]
    result.extend((item, None, False) for item in removed)
    result.extend((None, item, False) for item in added)
    return result


def _unique_by_number(items: Iterable[Element]) -> dict[int, Element]:
    groups: dict[int, list[Element]] = defaultdict(list)
    for item in items:
        if isinstance(item, FieldModel | EnumValueModel):
            groups[item.number].append(item)
    return {number: group[0] for number, group in groups.items() if len(group) == 1}


def _child_groups(
    base: Element, head: Element
) -> Iterator[tuple[ElementKind, Sequence[Element], Sequence[Element], bool]]:
    """(kind, base children, head children, match renames by number) of a container pair."""
    if isinstance(base, MessageModel) and isinstance(head, MessageModel):
        yield ElementKind.FIELD, base.fields, head.fields, True
        yield ElementKind.ONEOF, base.oneofs, head.oneofs, False
        yield ElementKind.FIELD, base.extensions, head.extensions, False
    elif isinstance(base, EnumModel) and isinstance(head, EnumModel):
        yield ElementKind.ENUM_VALUE, base.values, head.values, True
    elif isinstance(base, ServiceModel) and isinstance(head, ServiceModel):
        yield ElementKind.METHOD, base.methods, head.methods, False
    elif isinstance(base, FileModel) and isinstance(head, FileModel):
        yield ElementKind.FIELD, base.extensions, head.extensions, False


# ---------------------------------------------------------------------------------------
# Matching


def match_elements(
    base: ProtoTree, head: ProtoTree, changed_files: Iterable[ChangedFile]
) -> list[ElementPair]:
    """Every element pair of the changed files: files, then containers, then their children."""
    file_pairs = _file_pairs(base, head, changed_files)
    survivors = {p.base.repo_path: p.head for p in file_pairs if p.base and p.head}
    base_containers, head_containers = _keyed_containers(file_pairs, survivors)

    # Counterparts of matched elements and the file each element lives in, keyed by id()
    # (pydantic models are not hashable), so that an added or removed element can find
    # its parent on the other side.
    counterpart: dict[int, Element] = {}
    file_of: dict[int, FileModel] = {}
    pairs: list[ElementPair] = []

    for file_pair in file_pairs:
        for file in (file_pair.base, file_pair.head):
            if file is not None:
                file_of[id(file)] = file
        if file_pair.base is not None and file_pair.head is not None:
            counterpart[id(file_pair.base)] = file_pair.head
            counterpart[id(file_pair.head)] = file_pair.base
        pairs.append(
            ElementPair(
                kind=ElementKind.FILE,
                base=file_pair.base,
                head=file_pair.head,
                renamed=file_pair.renamed,
                base_file=file_pair.base,
                head_file=file_pair.head,
            )
        )
    for placed in (*base_containers.values(), *head_containers.values()):
        file_of[id(placed.element)] = placed.file

    # Containers are listed parents first, so a parent's counterpart is known before its
    # children look for it.
    for key, old in base_containers.items():
        new = head_containers.get(key)
        if new is not None and new.element.kind != old.element.kind:
            new = None  # a message that became an enum (or so) is gone as what it was
        if new is not None:
            counterpart[id(old.element)] = new.element
            counterpart[id(new.element)] = old.element
            successor = survivors.get(old.file.repo_path)
            moved = old.parent is old.file and successor is not None and successor is not new.file
            pairs.append(
                _pair(
                    old.element,
                    new.element,
                    old.parent,
                    new.parent,
                    old.file,
                    new.file,
                    moved=moved,
                )
            )
        elif (parent_head := counterpart.get(id(old.parent))) is not None:
            pairs.append(
                _pair(
                    old.element, None, old.parent, parent_head, old.file, file_of[id(parent_head)]
                )
            )
    for key, new in head_containers.items():
        if (
            key not in base_containers
            and (parent_base := counterpart.get(id(new.parent))) is not None
        ):
            pairs.append(
                _pair(
                    None, new.element, parent_base, new.parent, file_of[id(parent_base)], new.file
                )
            )

    for container in [p for p in pairs if p.base is not None and p.head is not None]:
        assert container.base is not None and container.head is not None
        same_context = _same_context(container)
        for kind, base_items, head_items, by_number in _child_groups(
            container.base, container.head
        ):
            for old_child, new_child, renamed in _pair_children(
                base_items, head_items, by_number=by_number
            ):
                if (
                    same_context
                    and old_child is not None
                    and new_child is not None
                    and _unchanged(old_child, new_child)
                ):
                    continue
                pairs.append(
                    ElementPair(
                        kind=kind,
                        base=old_child,
                        head=new_child,
                        parent_base=container.base,
                        parent_head=container.head,
                        renamed=renamed,
                        base_file=container.base_file,
                        head_file=container.head_file,
                    )
                )
    pairs.extend(_extensions_by_number(file_pairs, pairs))
    return pairs


_ExtensionKey = tuple[str, int]  # (extendee, number)
_PlacedExtension = tuple[FieldModel, Element, FileModel]  # (extension, scope, file)


def _extensions_by_number(
    file_pairs: Sequence[_FilePair], pairs: Sequence[ElementPair]
) -> list[ElementPair]:
    """Extensions paired as buf pairs them, by extendee and number across the changed
    files, where pairing by scope and name did not pair them: an extension renamed, declared
    in another scope, or moved to another file. Such a pair is `renamed` when the full
    name changed (what JSON and text formats write as the key)."""
    paired = {
        (id(pair.base), id(pair.head))
        for pair in pairs
        if pair.kind == ElementKind.FIELD and pair.base is not None and pair.head is not None
    }
    base_index = _extension_index(pair.base for pair in file_pairs)
    head_index = _extension_index(pair.head for pair in file_pairs)
    found: list[ElementPair] = []
    for key, (old, old_scope, old_file) in base_index.items():
        if key not in head_index:
            continue
        new, new_scope, new_file = head_index[key]
        if (id(old), id(new)) in paired:
            continue
        if old.fqn == new.fqn and old_file.repo_path == new_file.repo_path:
            continue  # the same extension, left unpaired because nothing changed
        found.append(
            ElementPair(
                kind=ElementKind.FIELD,
                base=old,
                head=new,
                parent_base=old_scope,
                parent_head=new_scope,
                renamed=old.fqn != new.fqn,
                base_file=old_file,
                head_file=new_file,
            )
        )
    return found


def _extension_index(files: Iterable[FileModel | None]) -> dict[_ExtensionKey, _PlacedExtension]:
    index: dict[_ExtensionKey, _PlacedExtension] = {}

    def add(scope: FileModel | MessageModel, file: FileModel) -> None:
        for extension in scope.extensions:
            if extension.extendee:
                index.setdefault((extension.extendee, extension.number), (extension, scope, file))
        for message in scope.messages:
            add(message, file)

    for file in files:
        if file is not None:
            add(file, file)
    return index


def _same_context(container: ElementPair) -> bool:
    """Whether what children inherit stayed: the files' syntax, edition and options (editions
    features, `java_string_check_utf8`) and the container's own options. When it changed,
    an unchanged child still changes meaning (proto3 → proto2 stops validating UTF-8)."""
    base_file, head_file = container.base_file, container.head_file
    if base_file is None or head_file is None or container.base is None or container.head is None:
        return False
    return (base_file.syntax, base_file.edition, base_file.options) == (
        head_file.syntax,
        head_file.edition,
        head_file.options,
    ) and container.base.options == container.head.options


def _unchanged(base: Element, head: Element) -> bool:
    """Equal apart from where it sits: reordering and reformatting only move locations.

    Such a child pair carries no change, and most fields of a changed file are like
    that, so they are not paired at all (comments and options still count as changes).
    """
    if type(base) is not type(head):
        return False
    content = _content_of(type(base))
    return content(base.__dict__) == content(head.__dict__)


_PLACEMENT = frozenset({"location", "option_locations"})


@cache
def _content_of(element_class: type[Element]) -> Callable[[dict[str, Any]], tuple[Any, ...]]:
    """The values of an element's fields apart from its placement, as one tuple: compared
    in one go, which is most of the matching time of a large file otherwise."""
    return operator.itemgetter(
        *(name for name in element_class.model_fields if name not in _PLACEMENT)
    )


def _keyed_containers(
    file_pairs: Sequence[_FilePair], survivors: Mapping[str, FileModel | None]
) -> tuple[dict[str, _Placed], dict[str, _Placed]]:
    """Containers of the changed files by FQN; base FQNs in head's package where it changed."""
    base_containers: dict[str, _Placed] = {}
    head_containers: dict[str, _Placed] = {}
    for pair in file_pairs:
        if pair.base is not None:
            successor = survivors.get(pair.base.repo_path)
            for placed in _containers(pair.base):
                key = placed.element.fqn
                if successor is not None and successor.package != pair.base.package:
                    key = _translate(key, pair.base.package, successor.package)
                base_containers.setdefault(key, placed)
        if pair.head is not None:
            for placed in _containers(pair.head):
                head_containers.setdefault(placed.element.fqn, placed)
    return base_containers, head_containers


def _pair(
    base: Element | None,
    head: Element | None,
    parent_base: Element,
    parent_head: Element,
    base_file: FileModel,
    head_file: FileModel,
    *,
    moved: bool = False,
) -> ElementPair:
    element = head if head is not None else base
    assert element is not None
    return ElementPair(
        kind=element.kind,
        base=base,
        head=head,
        parent_base=parent_base,
        parent_head=parent_head,
        base_file=base_file,
        head_file=head_file,
        moved=moved,
    )


# ---------------------------------------------------------------------------------------
# Context shared by the rules


@dataclass
class DiffContext:
    """Both trees, the changed files, and lazily computed facts the rules share."""

    base: ProtoTree
    head: ProtoTree
    changed_files: list[ChangedFile] = field(default_factory=list)
    # The packages every head file of the repository declares (the trees hold only the
    # files under review and their neighbours); None: unknown, so no package is known gone.
    list_head_packages: Callable[[], Collection[str]] | None = None
    _shared: dict[Hashable, object] = field(default_factory=dict, init=False, repr=False)

    def package_gone(self, package: str) -> bool:
        """Whether no head file of the repository declares `package` any more."""
        listed = self.list_head_packages
        if not package or listed is None:
            return False
        return package not in self.shared("head packages", lambda: frozenset(listed()))

    def shared(self, key: Hashable, compute: Callable[[], T]) -> T:
        """A fact several rules need about the same thing (``key``), computed once per run."""
        if key not in self._shared:
            self._shared[key] = compute()
        return self._shared[key]  # type: ignore[return-value]

    def used_in_requests(self, type_fqn: str) -> bool:
        """Whether a message or enum is reachable from an RPC request (in head or base)."""
        return type_fqn.lstrip(".") in self._request_types

    def used_in_responses(self, type_fqn: str) -> bool:
        """Whether a message or enum is reachable from an RPC response (in head or base)."""
        return type_fqn.lstrip(".") in self._response_types

    def type_is_used(self, type_fqn: str) -> bool:
        """Whether any field, extension or RPC (in head or base) has this message or enum
        as its type. An enum nothing uses exists only as generated constants (a bitmask
        helper next to a `fixed32 flags` field): no message on the wire or in JSON holds it."""
        return type_fqn.lstrip(".") in self._used_types

    @cached_property
    def _used_types(self) -> frozenset[str]:
        used: set[str] = set()
        for tree in (self.head, self.base):
            for file in tree.files.values():
                for element in iter_file_elements(file):
                    if isinstance(element, FieldModel):
                        used.add(element.element_type.lstrip("."))
                    elif isinstance(element, MethodModel):
                        used.add(element.input_type.lstrip("."))
                        used.add(element.output_type.lstrip("."))
        return frozenset(used)

    def head_fqn(self, base_fqn: str) -> str:
        """A base type FQN in head's terms: translated when its file's package changed.

        Without this, every field typed with a message of a renamed package would read as
        a type change, on top of the one package finding.
        """
        if not self._package_moves:
            return base_fqn
        file = self.base.file_of(base_fqn)
        packages = self._package_moves.get(file.repo_path) if file is not None else None
        return _translate(base_fqn, *packages) if packages else base_fqn

    @cached_property
    def _package_moves(self) -> dict[str, tuple[str, str]]:
        """Base repo path → (base package, head package) for files whose package changed."""
        return {
            pair.base.repo_path: (pair.base.package, pair.head.package)
            for pair in _file_pairs(self.base, self.head, self.changed_files)
            if pair.base and pair.head and pair.base.package != pair.head.package
        }

    @cached_property
    def _request_types(self) -> frozenset[str]:
        return self._reachable[0]

    @cached_property
    def _response_types(self) -> frozenset[str]:
        return self._reachable[1]

    @cached_property
    def _reachable(self) -> tuple[frozenset[str], frozenset[str]]:
        """(types reachable from RPC requests, from RPC responses), in head or base.

        Each tree is walked on its own: the same message may have different fields in
        base and head, and a type reachable in either counts.
        """
        requests: set[str] = set()
        responses: set[str] = set()
        for tree in (self.head, self.base):
            # Messages only, not `ProtoTree.index`, which also indexes every field and value.
            messages = {
                message.fqn: message
                for file in tree.files.values()
                for message in iter_messages(file.messages)
            }
            methods = [
                method
                for file in tree.files.values()
                for service in file.services
                for method in service.methods
            ]
            requests |= _reachable_types(messages, (m.input_type for m in methods))
            responses |= _reachable_types(messages, (m.output_type for m in methods))
        return frozenset(requests), frozenset(responses)


_NAMED_TYPE_KINDS = frozenset({TypeKind.MESSAGE, TypeKind.GROUP, TypeKind.ENUM})


def _reachable_types(messages: Mapping[str, MessageModel], roots: Iterable[str]) -> set[str]:
    """Type FQNs reachable from ``roots`` through message fields (map values included)."""
    seen: set[str] = set()
    queue = deque(roots)
    while queue:
        fqn = queue.popleft().lstrip(".")
        if fqn in seen:
            continue
        seen.add(fqn)
        message = messages.get(fqn)
        if message is not None:  # else an enum, or a type this tree cannot resolve
            queue.extend(
                f.element_type for f in message.fields if f.element_type_kind in _NAMED_TYPE_KINDS
            )
    return seen


# ---------------------------------------------------------------------------------------
# Running the rules


class RulesConfigLike(Protocol):
    """What the engine reads of `protoguard.yaml`'s `rules:` section (`RulesConfig`)."""

    @property
    def disable(self) -> Sequence[str]: ...  # rule IDs or categories

    @property
    def enable(self) -> Sequence[str]: ...  # rule IDs re-enabled within a disabled category

    @property
    def severity(self) -> Mapping[str, Severity]: ...  # rule ID → severity


def rule_enabled(rule: Rule, config: RulesConfigLike | None) -> bool:
    """Disabled by ID always wins; disabled by category unless enabled by ID."""
    if config is None:
        return True
    if rule.id in config.disable:
        return False
    return rule.category.value not in config.disable or rule.id in config.enable


def run_rules(
    ctx: DiffContext,
    pairs: Iterable[ElementPair],
    rules: Mapping[str, Rule] | Iterable[Rule],
    config: RulesConfigLike | None = None,
) -> list[Change]:
    """Run every enabled rule on the pairs of its kind; one `Change` per hit, sorted."""
    active = [
        rule
        for rule in (rules.values() if isinstance(rules, Mapping) else rules)
        if rule_enabled(rule, config)
    ]
    by_kind: dict[ElementKind, list[ElementPair]] = defaultdict(list)
    for pair in pairs:
        by_kind[pair.kind].append(pair)
    changes: dict[str, Change] = {}
    for rule in active:
        for pair in by_kind.get(rule.on, ()):
            for hit in rule.check(pair, ctx):
                change = _to_change(rule, hit, pair, config)
                # The id is the verdict's identity of a finding: one per rule, element, kind.
                changes.setdefault(change.id, change)
    return sorted(_joined(list(changes.values()), active), key=change_sort_key)


def _joined(changes: list[Change], rules: Iterable[Rule]) -> list[Change]:
    """Findings of `joins_element_findings` rules folded into another finding on the same
    element whose rule stands for the buf rules they name; kept alone otherwise."""
    by_id = {rule.id: rule for rule in rules}
    joining = {rule_id for rule_id, rule in by_id.items() if rule.joins_element_findings}
    if not joining:
        return changes
    kept: list[Change] = []
    folded: set[str] = set()
    for change in changes:
        if change.rule not in joining:
            continue
        named = set(change.buf_rules)
        target = next(
            (
                other
                for other in sorted(changes, key=lambda c: c.id)
                if other.rule not in joining
                and other.element == change.element
                and named & set(by_id[other.rule].buf_rules)
            ),
            None,
        )
        if target is not None:
            target.buf_rules = sorted({*target.buf_rules, *change.buf_rules})
            folded.add(change.id)
    kept = [change for change in changes if change.id not in folded]
    return kept


def change_id(rule_id: str, element: str, kind: str) -> str:
    """Stable 12-hex id of a finding, the same across runs and machines."""
    return hashlib.sha256(f"{rule_id}\0{element}\0{kind}".encode()).hexdigest()[:12]


def change_sort_key(change: Change) -> tuple[str, int, int, str, str, str]:
    # the id last: one rule may report an element more than once (one finding per range)
    return (change.file, change.line, change.column, change.rule, change.element, change.id)


def _element_name(pair: ElementPair) -> str:
    """What a finding names: the FQN, or the repo path for a file."""
    element = pair.element
    if isinstance(element, FileModel):
        return element.repo_path
    return element.fqn


def _report_place(pair: ElementPair) -> tuple[str, Location]:
    """Where a finding points: the head element, else (removed) its parent in head, as buf does.

    A deleted file has nothing in head, so it points at itself in base.
    """
    if pair.head is not None and pair.head_file is not None:
        return pair.head_file.repo_path, pair.head.location
    if pair.parent_head is not None and pair.head_file is not None:
        return pair.head_file.repo_path, pair.parent_head.location
    assert pair.base is not None and pair.base_file is not None
    return pair.base_file.repo_path, pair.base.location


def _to_change(rule: Rule, hit: Hit, pair: ElementPair, config: RulesConfigLike | None) -> Change:
    element = hit.element or _element_name(pair)
    kind = hit.kind or rule.id.lower()
    file, location = _report_place(pair)
    if hit.location is not None:
        location = hit.location
    if hit.repo_path is not None:
        file = hit.repo_path
    severity = hit.severity or rule.severity
    if config is not None and rule.id in config.severity:
        severity = config.severity[rule.id]  # the repository's word beats the rule's
    return Change(
        id=change_id(rule.id, element, kind),
        rule=rule.id,
        category=rule.category,
        is_breaking=rule.breaking if hit.is_breaking is None else hit.is_breaking,
        severity=severity,
        element=element,
        file=file,
        line=location.line,
        column=location.column,
        message=hit.message,
        recommendation=hit.recommendation or rule.fix,
        sources=[Source.RULES],
        kind=kind,
        before=hit.before,
        after=hit.after,
        potential=rule.potential if hit.potential is None else hit.potential,
        buf_rules=list(rule.buf_rules if hit.buf_rules is None else hit.buf_rules),
    )
