"""The fallback builder: the proto model from .proto text, without a compiler.

Parsing uses proto-schema-parser's ANTLR grammar (``ProtobufParser``) fed by our own
tokenizer (``protomodel.lexer``), and walks the parse tree directly: proto-schema-parser's
AST has no positions, and its default error handling prints instead of raising. Syntax and
lexical errors raise ``ProtoParseError`` at the first problem.

The result must equal what ``protomodel.descriptors`` builds from buf's descriptors for the
same source: positions are counted like buf (1-based, tabs to multiples of 4), comments are
attributed like buf (``protomodel.comments``), options are normalised against their
definitions when the tree has them (``protomodel.options``), and presence/labels follow
``protomodel.semantics``.

Known gaps: a reference may resolve to a file that the referencing file does not import
(buf would reject the file), and ``Any`` values written in option literals
(``[type.googleapis.com/…]``) stay as written.
"""

from __future__ import annotations

import hashlib
import posixpath
import threading
from collections.abc import Callable, Collection, Iterator, Mapping
from typing import Any

from antlr4 import CommonTokenStream
from antlr4.atn.Transition import RuleTransition
from antlr4.error.ErrorListener import ErrorListener
from antlr4.error.Errors import ParseCancellationException
from antlr4.error.ErrorStrategy import BailErrorStrategy
from antlr4.Token import Token
from proto_schema_parser.antlr.ProtobufParser import ProtobufParser as Grammar

from protomodel.bundled import bundled_import
from protomodel.construct import construct, gc_paused
from protomodel.errors import ProtoParseError
from protomodel.lexer import ProtoToken, TokenizedFile, tokenize
from protomodel.model import (
    BuildSource,
    EnumModel,
    FieldModel,
    FileModel,
    MessageModel,
    ProtoTree,
    TypeKind,
    iter_all_enums,
    iter_all_messages,
)
from protomodel.options import OptionSchema, normalize_options
from protomodel.resolve import SymbolTable
from protomodel.semantics import enum_is_closed, field_label, field_presence, resolved_feature
from protomodel.walker import FieldFacts, FileWalker, MethodFacts, ParsedFile

ImportResolver = Callable[[str], str | None]

_PARSER_LOCK = threading.Lock()

_MAX_ERROR_ALTERNATIVES = 4
# Tokens the grammar lists as expected but our tokenizer never produces.
_NOT_EXPECTED = frozenset({"LINE_COMMENT", "BLOCK_COMMENT", "'\\uFEFF'"})


# --------------------------------------------------------------------------- public API


def parse_file(text: str | bytes, path: str, *, repo_path: str | None = None) -> FileModel:
    """Parse one file; references to types of other files stay unresolved."""
    with gc_paused():
        parsed = _parse(text, path, repo_path or path)
        _finish([parsed])
    return parsed.model


def build_tree(
    sources: Mapping[str, str | bytes],
    *,
    repo_paths: Mapping[str, str] | None = None,
    import_resolver: ImportResolver | None = None,
    reviewed: Collection[str] | None = None,
) -> ProtoTree:
    """Parse ``sources`` (module path → text) and every file they import, then resolve.

    Imports are read through ``import_resolver`` and then from the bundled well-known and
    googleapis protos; an import nobody provides is skipped (its types stay unresolved).
    Files loaded only for imports, and sources outside ``reviewed`` (when given), are
    listed in ``dependency_files``.
    """
    repo_paths = repo_paths or {}
    parsed: dict[str, ParsedFile] = {}
    with gc_paused():
        for path, text in sources.items():
            parsed[path] = _parse(text, path, repo_paths.get(path, path))
        _load_imports(parsed, import_resolver, repo_paths)
        _finish(list(parsed.values()))
    under_review = set(sources) if reviewed is None else set(reviewed) & set(sources)
    return _tree(parsed, under_review)


def parse_unresolved(text: str | bytes, path: str, *, repo_path: str | None = None) -> ParsedFile:
    """Parse one file and keep what resolution needs; finish with ``resolve_parsed``.

    The split lets a caller parse files in worker processes (``ParsedFile`` pickles) and
    resolve the whole tree once, or drop a file that does not parse and go on.
    """
    with gc_paused():
        return _parse(text, path, repo_path or path)


def resolve_parsed(parsed: Mapping[str, ParsedFile], *, reviewed: Collection[str]) -> ProtoTree:
    """The tree of ``parsed`` (module path → ``parse_unresolved`` result), resolved together."""
    with gc_paused():
        _finish(list(parsed.values()))
    return _tree(parsed, set(reviewed) & set(parsed))


def _tree(parsed: Mapping[str, ParsedFile], under_review: set[str]) -> ProtoTree:
    return construct(
        ProtoTree,
        files={path: item.model for path, item in parsed.items()},
        source=BuildSource.PARSER,
        dependency_files=sorted(path for path in parsed if path not in under_review),
    )


# --------------------------------------------------------------------------- parsing


def _parse(text: str | bytes, path: str, repo_path: str) -> ParsedFile:
    source, data = _source_text(text, path)
    tokenized = tokenize(source, path)
    walker = FileWalker(tokenized, path, repo_path, hashlib.sha256(data).hexdigest())
    try:
        # ANTLR's Python runtime shares its prediction cache between parsers without locking.
        with _PARSER_LOCK:
            return walker.walk(_declarations(tokenized, path, report_errors=False))
    except ParseCancellationException:
        # The fast pass stops at the first error without a message; parse again to get it.
        with _PARSER_LOCK:
            for _ in _declarations(tokenized, path, report_errors=True):
                pass
        raise ProtoParseError(path, 0, 0, "syntax error") from None
    except RecursionError:
        raise ProtoParseError(path, 0, 0, "declarations are nested too deeply") from None


def _source_text(text: str | bytes, path: str) -> tuple[str, bytes]:
    """The text to tokenize and the file's bytes; binary or non-UTF-8 input is refused."""
    if isinstance(text, bytes):
        data = text
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ProtoParseError(path, 0, 0, f"not UTF-8 text (byte {exc.start})") from None
    else:
        try:
            data = text.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise ProtoParseError(path, 0, 0, f"not UTF-8 text (character {exc.start})") from None
    nul = text.find("\0")
    if nul >= 0:
        line = text.count("\n", 0, nul) + 1
        column = nul - text.rfind("\n", 0, nul)
        raise ProtoParseError(path, line, column, "binary file (NUL character)")
    return text.removeprefix("\ufeff"), data


class _RaisingErrorListener(ErrorListener):
    def __init__(self, tokenized: TokenizedFile, path: str) -> None:
        self._tokenized = tokenized
        self._path = path

    def syntaxError(  # ANTLR's interface and argument names
        self,
        recognizer: Any,
        offendingSymbol: Any,
        line: int,
        column: int,
        msg: str,
        e: Exception | None,
    ) -> None:
        if isinstance(offendingSymbol, ProtoToken):
            column = self._tokenized.display_column(offendingSymbol) - 1
        raise ProtoParseError(self._path, line, column + 1, f"syntax error: {_short(msg)}")


def _short(message: str) -> str:
    """ANTLR lists every expected token; keep the first few."""
    head, brace, rest = message.partition("expecting {")
    if not brace:
        return message
    alternatives = [a for a in rest.rstrip("}").split(", ") if a not in _NOT_EXPECTED]
    shown = ", ".join(alternatives[:_MAX_ERROR_ALTERNATIVES])
    if len(alternatives) <= _MAX_ERROR_ALTERNATIVES:
        return f"{head}expecting {{{shown}}}"
    return f"{head}expecting one of {shown}, …"


def _declarations(tokenized: TokenizedFile, path: str, *, report_errors: bool) -> Iterator[Any]:
    """The syntax declaration and each top-level declaration, parsed one at a time.

    Parsing the whole ``file`` rule at once keeps the parse tree of the entire file alive;
    parsing its parts in turn (inside a ``file`` context, so that prediction sees the same
    surroundings) keeps memory flat on very large files.

    Without ``report_errors`` the parser bails out (ParseCancellationException) at the
    first error: ANTLR's default error strategy re-checks the lookahead at every loop
    iteration, which costs about 15% on valid input.
    """
    stream = CommonTokenStream(None)
    # The tokens are complete: hand them over instead of pulling them one by one.
    stream.tokens = tokenized.tokens
    stream.fetchedEOF = True
    parser = Grammar(stream)
    parser.removeErrorListeners()
    if report_errors:
        parser.addErrorListener(_RaisingErrorListener(tokenized, path))
    else:
        parser._errHandler = BailErrorStrategy()
    file_context = Grammar.FileContext(parser, None, -1)
    parser._ctx = file_context
    if stream.LA(1) == Grammar.SYNTAX:
        parser.state = _FILE_RULE_CALLS[Grammar.RULE_syntaxDecl]
        yield parser.syntaxDecl()
    elif stream.LA(1) == Grammar.EDITION:
        parser.state = _FILE_RULE_CALLS[Grammar.RULE_editionDecl]
        yield parser.editionDecl()
    while stream.LA(1) != Token.EOF:
        parser.state = _FILE_RULE_CALLS[Grammar.RULE_fileElement]
        declaration = parser.fileElement()
        yield declaration
        file_context.children = None
        _discard(declaration)


def _discard(tree: Any) -> None:
    """Unlink a walked subtree so reference counting frees it.

    Contexts point to their parent and parents to their children; with the collector
    paused (``gc_paused``) such cycles would pile up until the end of the build.
    """
    stack = [tree]
    while stack:
        node = stack.pop()
        children = getattr(node, "children", None)
        if children:
            stack.extend(children)
            node.children = None


def _file_rule_calls() -> dict[int, int]:
    """Rule index → the ATN state from which the ``file`` rule calls that rule."""
    calls: dict[int, int] = {}
    for state in Grammar.atn.states:
        if state.ruleIndex == Grammar.RULE_file:
            for transition in state.transitions:
                if isinstance(transition, RuleTransition):
                    calls[transition.ruleIndex] = state.stateNumber
    return calls


_FILE_RULE_CALLS = _file_rule_calls()


# --------------------------------------------------------------------------- imports


def _load_imports(
    parsed: dict[str, ParsedFile],
    import_resolver: ImportResolver | None,
    repo_paths: Mapping[str, str],
) -> None:
    """Parse imported files (breadth first) until every reachable import is loaded."""
    pending = [imp.path for item in parsed.values() for imp in item.model.imports]
    while pending:
        path = pending.pop(0)
        if path in parsed or not _is_safe_import(path):
            continue
        text = import_resolver(path) if import_resolver is not None else None
        if text is None:
            text = bundled_import(path)
        if text is None:
            continue
        item = _parse(text, path, repo_paths.get(path, path))
        parsed[path] = item
        pending.extend(imp.path for imp in item.model.imports)


def _is_safe_import(path: str) -> bool:
    """Import paths come from untrusted text: relative, normalised, no parent steps."""
    return (
        path.endswith(".proto")
        and path.isprintable()
        and not path.startswith("/")
        and "\\" not in path
        and posixpath.normpath(path) == path
        and not path.startswith("../")
    )


# --------------------------------------------------------------------------- resolution


def _finish(files: list[ParsedFile]) -> None:
    """Resolve references across ``files``, then normalise options and apply the rules."""
    symbols = SymbolTable(item.model for item in files)
    for item in files:
        for facts in item.fields:
            _resolve_field(facts, symbols)
        for facts in item.methods:
            _resolve_method(facts, symbols)
    schema = _option_schema(files, symbols)
    for item in files:
        for owner in item.option_owners:
            owner.element.options = normalize_options(
                owner.element.options, owner.options_type, owner.scope, schema
            )
    for item in files:
        syntax = item.model.syntax
        for facts in item.fields:
            _apply_presence(facts, syntax)
        for enum, owners in item.enums:
            feature = resolved_feature("enum_type", (owner.options for owner in owners))
            enum.closed = enum_is_closed(syntax=syntax, enum_type_feature=feature)


def _resolve_field(facts: FieldFacts, symbols: SymbolTable) -> None:
    field = facts.field
    if facts.written_extendee is not None:
        found = symbols.resolve_type(facts.written_extendee, facts.scope)
        field.extendee = found[0] if found else facts.written_extendee
    if facts.written_map_value is not None:
        if field.map_value_kind != TypeKind.SCALAR:
            found = symbols.resolve_type(facts.written_map_value, facts.scope)
            if found is not None:
                field.map_value_type, field.map_value_kind = found
                field.type_resolved = True
        return
    if field.type_kind == TypeKind.UNKNOWN:
        found = symbols.resolve_type(facts.written_type, facts.scope)
        if found is not None:
            field.type, field.type_kind = found
            field.type_resolved = True


def _resolve_method(facts: MethodFacts, symbols: SymbolTable) -> None:
    method = facts.method
    found = symbols.resolve_type(facts.written_input, facts.scope)
    if found is not None:
        method.input_type, method.input_resolved = found[0], True
    found = symbols.resolve_type(facts.written_output, facts.scope)
    if found is not None:
        method.output_type, method.output_resolved = found[0], True


def _apply_presence(facts: FieldFacts, syntax: str) -> None:
    field = facts.field
    feature = resolved_feature("field_presence", (owner.options for owner in facts.feature_owners))
    field.label = field_label(facts.written_label, syntax=syntax, presence_feature=feature)
    field.presence = field_presence(
        syntax=syntax,
        label=field.label,
        type_kind=field.type_kind,
        explicit_optional=facts.explicit_optional,
        in_oneof=facts.in_oneof,
        is_extension=facts.written_extendee is not None,
        presence_feature=feature,
    )


def _option_schema(files: list[ParsedFile], symbols: SymbolTable) -> OptionSchema:
    messages: dict[str, MessageModel] = {}
    enums: dict[str, EnumModel] = {}
    extensions: dict[str, FieldModel] = {}
    for item in files:
        file = item.model
        messages.update((m.fqn, m) for m in iter_all_messages(file))
        enums.update((e.fqn, e) for e in iter_all_enums(file))
        extensions.update((e.fqn, e) for e in file.extensions)
        for message in iter_all_messages(file):
            extensions.update((e.fqn, e) for e in message.extensions)
    return OptionSchema(symbols=symbols, messages=messages, enums=enums, extensions=extensions)
