"""Walks proto-schema-parser's parse tree of one file into the proto model.

The walker records what the text says (types as written, labels, the elements whose
options may carry editions features) next to the model it builds, so that
``protomodel.parse`` can resolve references across files and apply the language rules
afterwards. Positions and comments come from the token stream (``protomodel.lexer``,
``protomodel.comments``), measured like buf does.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from antlr4.Token import Token
from antlr4.tree.Tree import TerminalNodeImpl
from proto_schema_parser.antlr.ProtobufParser import ProtobufParser as Grammar

from protomodel.comments import TokenComments, attribute_comments, element_comments
from protomodel.construct import construct, location, no_comments, place_option
from protomodel.errors import ProtoParseError
from protomodel.lexer import ProtoToken, TokenizedFile
from protomodel.literals import c_escape, decode_text, format_float_default, parse_int, unescape
from protomodel.model import (
    SCALAR_TYPES,
    Comments,
    Element,
    ElementKind,
    EnumModel,
    EnumValueModel,
    FieldModel,
    FileModel,
    Import,
    Label,
    Location,
    MessageModel,
    MethodModel,
    OneofModel,
    OptionValue,
    Presence,
    ReservedRange,
    ServiceModel,
    TypeKind,
)
from protomodel.options import add_option, add_value, extension_key
from protomodel.semantics import EDITIONS, MAX_ENUM_NUMBER, MAX_FIELD_NUMBER, PROTO2, PROTO3

_TYPE_NAME_CONTEXTS = (
    Grammar.TypeNameContext,
    Grammar.FieldDeclTypeNameContext,
    Grammar.MessageFieldDeclTypeNameContext,
    Grammar.ExtensionFieldDeclTypeNameContext,
    Grammar.OneofFieldDeclTypeNameContext,
    Grammar.MethodDeclTypeNameContext,
)
_LABELS = {
    Grammar.OPTIONAL: Label.OPTIONAL,
    Grammar.REQUIRED: Label.REQUIRED,
    Grammar.REPEATED: Label.REPEATED,
}
_OPTIONS_TYPES = {
    "file": "google.protobuf.FileOptions",
    "message": "google.protobuf.MessageOptions",
    "field": "google.protobuf.FieldOptions",
    "oneof": "google.protobuf.OneofOptions",
    "enum": "google.protobuf.EnumOptions",
    "enum_value": "google.protobuf.EnumValueOptions",
    "service": "google.protobuf.ServiceOptions",
    "method": "google.protobuf.MethodOptions",
}


@dataclass(slots=True)
class FieldFacts:
    """What the text says about a field, kept until references are resolved."""

    field: FieldModel
    scope: str
    written_type: str
    written_label: Label
    explicit_optional: bool
    in_oneof: bool
    # Elements whose options may set editions features for this field, innermost first.
    feature_owners: tuple[Element, ...]
    written_map_value: str | None = None
    written_extendee: str | None = None


@dataclass(slots=True)
class MethodFacts:
    """The request and response types of a method, as written."""

    method: MethodModel
    scope: str
    written_input: str
    written_output: str


@dataclass(slots=True)
class OptionOwner:
    """An element whose options (still as written) need resolving and normalising."""

    element: Element
    options_type: str
    scope: str


@dataclass(slots=True)
class ParsedFile:
    """A file's model and what its text says that only the whole tree can settle."""

    model: FileModel
    fields: list[FieldFacts] = field(default_factory=list)
    methods: list[MethodFacts] = field(default_factory=list)
    enums: list[tuple[EnumModel, tuple[Element, ...]]] = field(default_factory=list)
    option_owners: list[OptionOwner] = field(default_factory=list)


@dataclass(slots=True)
class _Scope:
    """Where declarations land: their FQN prefix and the lists they are appended to."""

    fqn: str
    messages: list[MessageModel]
    enums: list[EnumModel]
    extensions: list[FieldModel]
    feature_owners: tuple[Element, ...]

    def child_fqn(self, name: str) -> str:
        return f"{self.fqn}.{name}" if self.fqn else name


class FileWalker:
    """Builds the FileModel from the parse tree, recording what still needs resolving."""

    def __init__(self, tokenized: TokenizedFile, path: str, repo_path: str, sha256: str) -> None:
        self._tokenized = tokenized
        self._tokens = tokenized.tokens
        self._path = path
        self._repo_path = repo_path
        self._sha256 = sha256
        self._comments: dict[int, TokenComments] = attribute_comments(tokenized)
        self._syntax = PROTO2
        self._parsed: ParsedFile

    # ---- file level

    def walk(self, declarations: Iterator[Any]) -> ParsedFile:
        package, package_location = self._package()
        file = construct(
            FileModel,
            name=self._path,
            fqn=self._path,
            location=self._file_location(),
            comments=no_comments(),
            options={},
            option_locations={},
            kind=ElementKind.FILE,
            repo_path=self._repo_path,
            package=package,
            package_location=package_location,
            syntax=PROTO2,
            edition=None,
            imports=[],
            messages=[],
            enums=[],
            services=[],
            extensions=[],
            sha256=self._sha256,
        )
        self._parsed = ParsedFile(model=file)
        self._own_options(file, "file", file.package)
        scope = _Scope(file.package, file.messages, file.enums, file.extensions, (file,))
        for declaration in declarations:
            if isinstance(declaration, Grammar.FileElementContext):
                self._file_element(declaration.getChild(0), file, scope)
            else:
                self._syntax_declaration(declaration, file)
        return self._parsed

    def _package(self) -> tuple[str, Location | None]:
        """The package and its statement, read ahead from the tokens: it scopes declarations
        written before it."""
        depth = 0
        tokens = self._tokens
        for index, token in enumerate(tokens):
            if token.type in (Grammar.L_BRACE, Grammar.R_BRACE):
                depth += 1 if token.type == Grammar.L_BRACE else -1
            elif token.type == Grammar.PACKAGE and depth == 0 and _starts_statement(tokens, index):
                end = next(
                    i
                    for i in range(index, len(tokens))
                    if tokens[i].type in (Grammar.SEMICOLON, Token.EOF)
                )
                name = "".join(t.text for t in tokens[index + 1 : end])
                return name, self._location(token, tokens[end]) if name else None
        return "", None

    def _syntax_declaration(self, ctx: Any, file: FileModel) -> None:
        level = decode_text(unescape(ctx.getChild(2).start.text))
        if isinstance(ctx, Grammar.EditionDeclContext):
            file.syntax, file.edition = EDITIONS, level
        elif level in (PROTO2, PROTO3):
            file.syntax = level
        else:
            token = ctx.getChild(2).start
            raise ProtoParseError(
                self._path, token.line, self._column(token), f"unknown syntax {level!r}"
            )
        self._syntax = file.syntax
        file.comments = self._element_comments(ctx.start, ctx.stop)

    def _file_element(self, ctx: Any, file: FileModel, scope: _Scope) -> None:
        if isinstance(ctx, Grammar.ImportDeclContext):
            file.imports.append(self._import(ctx))
        elif isinstance(ctx, Grammar.OptionDeclContext):
            self._option_statement(ctx, file)
        elif isinstance(ctx, Grammar.MessageDeclContext):
            file.messages.append(self._message(ctx, scope))
        elif isinstance(ctx, Grammar.EnumDeclContext):
            file.enums.append(self._enum(ctx, scope))
        elif isinstance(ctx, Grammar.ExtensionDeclContext):
            self._extend(ctx, scope)
        elif isinstance(ctx, Grammar.ServiceDeclContext):
            file.services.append(self._service(ctx, scope))

    def _import(self, ctx: Grammar.ImportDeclContext) -> Import:
        modifier = ctx.getChild(1)
        kind = modifier.symbol.type if isinstance(modifier, TerminalNodeImpl) else None
        path_ctx = ctx.getChild(2 if kind is not None else 1)
        return construct(
            Import,
            path=self._string(path_ctx),
            public=kind == Grammar.PUBLIC,
            weak=kind == Grammar.WEAK,
        )

    # ---- messages

    def _message(self, ctx: Grammar.MessageDeclContext, scope: _Scope) -> MessageModel:
        name = ctx.getChild(1).start.text
        message = self._new_message(
            name, scope.child_fqn(name), ctx.start, ctx.stop, ctx.getChild(2)
        )
        self._message_body(ctx.children[3:-1], message, scope)
        return message

    def _new_message(
        self, name: str, fqn: str, first: ProtoToken, last: ProtoToken, open_brace: Any
    ) -> MessageModel:
        message = construct(
            MessageModel,
            name=name,
            fqn=fqn,
            location=self._location(first, last),
            comments=self._element_comments(first, open_brace.symbol),
            options={},
            option_locations={},
            kind=ElementKind.MESSAGE,
            fields=[],
            oneofs=[],
            messages=[],
            enums=[],
            extensions=[],
            reserved_ranges=[],
            reserved_names=[],
            extension_ranges=[],
            is_map_entry=False,
        )
        self._own_options(message, "message", fqn)
        return message

    def _message_body(self, elements: Sequence[Any], message: MessageModel, outer: _Scope) -> None:
        scope = _Scope(
            message.fqn,
            message.messages,
            message.enums,
            message.extensions,
            (message, *outer.feature_owners),
        )
        for element in elements:
            self._message_element(element.getChild(0), message, scope)

    def _message_element(self, ctx: Any, message: MessageModel, scope: _Scope) -> None:
        if isinstance(ctx, Grammar.MessageFieldDeclContext):
            message.fields.append(self._field(ctx, scope))
        elif isinstance(ctx, Grammar.MapFieldDeclContext):
            message.fields.append(self._map_field(ctx, scope))
        elif isinstance(ctx, Grammar.GroupDeclContext):
            message.fields.append(self._group(ctx, scope))
        elif isinstance(ctx, Grammar.OneofDeclContext):
            self._oneof(ctx, message, scope)
        elif isinstance(ctx, Grammar.OptionDeclContext):
            self._option_statement(ctx, message)
        elif isinstance(ctx, Grammar.MessageDeclContext):
            message.messages.append(self._message(ctx, scope))
        elif isinstance(ctx, Grammar.EnumDeclContext):
            message.enums.append(self._enum(ctx, scope))
        elif isinstance(ctx, Grammar.ExtensionDeclContext):
            self._extend(ctx, scope)
        elif isinstance(ctx, Grammar.ExtensionRangeDeclContext):
            message.extension_ranges.extend(self._tag_ranges(ctx.getChild(1)))
        elif isinstance(ctx, Grammar.MessageReservedDeclContext):
            self._reserved(ctx, message.reserved_ranges, message.reserved_names, MAX_FIELD_NUMBER)

    def _oneof(self, ctx: Grammar.OneofDeclContext, message: MessageModel, scope: _Scope) -> None:
        name = ctx.getChild(1).start.text
        oneof = construct(
            OneofModel,
            name=name,
            fqn=f"{message.fqn}.{name}",
            location=self._location(ctx.start, ctx.stop),
            comments=self._element_comments(ctx.start, ctx.getChild(2).symbol),
            options={},
            option_locations={},
            kind=ElementKind.ONEOF,
            field_names=[],
        )
        self._own_options(oneof, "oneof", oneof.fqn)
        message.oneofs.append(oneof)
        inner = _Scope(
            scope.fqn, scope.messages, scope.enums, scope.extensions, (oneof, *scope.feature_owners)
        )
        for element in ctx.children[3:-1]:
            declaration = element.getChild(0)
            if isinstance(declaration, Grammar.OptionDeclContext):
                self._option_statement(declaration, oneof)
                continue
            if isinstance(declaration, Grammar.OneofGroupDeclContext):
                member = self._group(declaration, inner, oneof=oneof)
            else:
                member = self._field(declaration, inner, oneof=oneof)
            message.fields.append(member)
            oneof.field_names.append(member.name)

    # ---- fields

    def _field(
        self,
        ctx: Any,
        scope: _Scope,
        *,
        oneof: OneofModel | None = None,
        extendee: str | None = None,
    ) -> FieldModel:
        if isinstance(ctx.getChild(0), Grammar.FieldDeclWithCardinalityContext):
            ctx = ctx.getChild(0)
        parts = _FieldParts.of(ctx)
        written_label = _LABELS[parts.label.start.type] if parts.label else Label.OPTIONAL
        written_type = self._text(parts.type_name)
        name = parts.name.start.text
        is_scalar = written_type in SCALAR_TYPES
        field = self._new_field(
            ctx,
            name=name,
            fqn=scope.child_fqn(name),
            number=parts.number,
            type=written_type,
            type_kind=TypeKind.SCALAR if is_scalar else TypeKind.UNKNOWN,
            label=written_label,
            comments=self._element_comments(ctx.start, ctx.stop),
            oneof=oneof.name if oneof else None,
        )
        field.proto3_optional = self._syntax == PROTO3 and parts.label_is(Grammar.OPTIONAL)
        self._field_options(parts.options, field, written_type)
        self._parsed.fields.append(
            FieldFacts(
                field=field,
                scope=scope.fqn,
                written_type=written_type,
                written_label=written_label,
                explicit_optional=parts.label_is(Grammar.OPTIONAL),
                in_oneof=oneof is not None,
                feature_owners=(field, *scope.feature_owners),
                written_extendee=extendee,
            )
        )
        return field

    def _map_field(self, ctx: Grammar.MapFieldDeclContext, scope: _Scope) -> FieldModel:
        parts = _FieldParts.of(ctx)
        map_type = ctx.getChild(0)
        key_type = map_type.getChild(2).start.text
        value_type = self._text(map_type.getChild(4))
        name = parts.name.start.text
        value_is_scalar = value_type in SCALAR_TYPES
        field = self._new_field(
            ctx,
            name=name,
            fqn=scope.child_fqn(name),
            number=parts.number,
            type="map",
            type_kind=TypeKind.MAP,
            label=Label.REPEATED,
            comments=self._element_comments(ctx.start, ctx.stop),
            oneof=None,
        )
        field.map_key_type = key_type
        field.map_value_type = value_type
        field.map_value_kind = TypeKind.SCALAR if value_is_scalar else TypeKind.UNKNOWN
        field.type_resolved = value_is_scalar
        self._field_options(parts.options, field, "map")
        self._parsed.fields.append(
            FieldFacts(
                field=field,
                scope=scope.fqn,
                written_type="map",
                written_label=Label.REPEATED,
                explicit_optional=False,
                in_oneof=False,
                feature_owners=(field, *scope.feature_owners),
                written_map_value=value_type,
            )
        )
        return field

    def _group(
        self,
        ctx: Grammar.GroupDeclContext | Grammar.OneofGroupDeclContext,
        scope: _Scope,
        *,
        oneof: OneofModel | None = None,
        extendee: str | None = None,
    ) -> FieldModel:
        """A group is a field plus a nested message; buf gives the comments to the message."""
        parts = _FieldParts.of(ctx)
        group_name = parts.name.start.text
        open_brace = next(c for c in ctx.children if _is_token(c, Grammar.L_BRACE))
        body_start = ctx.children.index(open_brace) + 1
        message = self._new_message(
            group_name, scope.child_fqn(group_name), ctx.start, ctx.stop, open_brace
        )
        scope.messages.append(message)
        self._message_body(ctx.children[body_start:-1], message, scope)
        written_label = _LABELS[parts.label.start.type] if parts.label else Label.OPTIONAL
        name = group_name.lower()
        field = self._new_field(
            ctx,
            name=name,
            fqn=scope.child_fqn(name),
            number=parts.number,
            type=message.fqn,
            type_kind=TypeKind.GROUP,
            label=written_label,
            comments=no_comments(),
            oneof=oneof.name if oneof else None,
        )
        self._field_options(parts.options, field, message.fqn)
        self._parsed.fields.append(
            FieldFacts(
                field=field,
                scope=scope.fqn,
                written_type=message.fqn,
                written_label=written_label,
                explicit_optional=parts.label_is(Grammar.OPTIONAL),
                in_oneof=oneof is not None,
                feature_owners=(field, *scope.feature_owners),
                written_extendee=extendee,
            )
        )
        return field

    def _new_field(
        self,
        ctx: Any,
        *,
        name: str,
        fqn: str,
        number: int,
        type: str,
        type_kind: TypeKind,
        label: Label,
        comments: Comments,
        oneof: str | None,
    ) -> FieldModel:
        field = construct(
            FieldModel,
            name=name,
            fqn=fqn,
            location=self._location(ctx.start, ctx.stop),
            comments=comments,
            options={},
            option_locations={},
            kind=ElementKind.FIELD,
            number=number,
            type=type,
            type_kind=type_kind,
            type_resolved=type_kind != TypeKind.UNKNOWN,
            label=label,
            presence=Presence.IMPLICIT,
            proto3_optional=False,
            map_key_type=None,
            map_value_type=None,
            map_value_kind=None,
            oneof=oneof,
            json_name=None,
            default=None,
            extendee=None,
        )
        self._own_options(field, "field", fqn)
        return field

    def _field_options(self, ctx: Any, field: FieldModel, written_type: str) -> None:
        """Compact options; ``json_name`` and ``default`` are field attributes."""
        if ctx is None:
            return
        for option in ctx.children:
            if not isinstance(option, Grammar.CompactOptionContext):
                continue
            path = self._option_name(option.getChild(0))
            value_ctx = option.getChild(2)
            if path == ["json_name"]:
                field.json_name = self._value(value_ctx)
            elif path == ["default"]:
                field.default = self._default(value_ctx, written_type)
            else:
                add_option(field.options, path, self._value(value_ctx))
            self._place_option(field, path, option)

    def _default(self, ctx: Any, written_type: str) -> str:
        """The default as buf stores it in ``default_value``."""
        value = self._value(ctx)
        if written_type == "bytes":
            return c_escape(self._string_bytes(ctx))
        if isinstance(value, bool):
            return "true" if value else "false"
        if written_type in ("float", "double") and isinstance(value, int | float):
            return format_float_default(float(value), single_precision=written_type == "float")
        return str(value)

    # ---- enums

    def _enum(self, ctx: Grammar.EnumDeclContext, scope: _Scope) -> EnumModel:
        name = ctx.getChild(1).start.text
        enum = construct(
            EnumModel,
            name=name,
            fqn=scope.child_fqn(name),
            location=self._location(ctx.start, ctx.stop),
            comments=self._element_comments(ctx.start, ctx.getChild(2).symbol),
            options={},
            option_locations={},
            kind=ElementKind.ENUM,
            values=[],
            reserved_ranges=[],
            reserved_names=[],
            closed=False,
        )
        self._own_options(enum, "enum", enum.fqn)
        self._parsed.enums.append((enum, (enum, *scope.feature_owners)))
        for element in ctx.children[3:-1]:
            declaration = element.getChild(0)
            if isinstance(declaration, Grammar.EnumValueDeclContext):
                enum.values.append(self._enum_value(declaration, enum))
            elif isinstance(declaration, Grammar.OptionDeclContext):
                self._option_statement(declaration, enum)
            elif isinstance(declaration, Grammar.EnumReservedDeclContext):
                self._reserved(
                    declaration, enum.reserved_ranges, enum.reserved_names, MAX_ENUM_NUMBER
                )
        return enum

    def _enum_value(self, ctx: Grammar.EnumValueDeclContext, enum: EnumModel) -> EnumValueModel:
        name = ctx.getChild(0).start.text
        value = construct(
            EnumValueModel,
            name=name,
            fqn=f"{enum.fqn}.{name}",
            location=self._location(ctx.start, ctx.stop),
            comments=self._element_comments(ctx.start, ctx.stop),
            options={},
            option_locations={},
            kind=ElementKind.ENUM_VALUE,
            number=parse_int(self._text(ctx.getChild(2))),
        )
        self._own_options(value, "enum_value", enum.fqn)
        options = ctx.getChild(3)
        if isinstance(options, Grammar.CompactOptionsContext):
            self._compact_options(options, value)
        return value

    # ---- extensions, ranges, reserved

    def _extend(self, ctx: Grammar.ExtensionDeclContext, scope: _Scope) -> None:
        extendee = self._text(ctx.getChild(1))
        for element in ctx.children[3:-1]:
            declaration = element.getChild(0)
            if isinstance(declaration, Grammar.GroupDeclContext):
                scope.extensions.append(self._group(declaration, scope, extendee=extendee))
            else:
                scope.extensions.append(self._field(declaration, scope, extendee=extendee))

    def _tag_ranges(self, ctx: Grammar.TagRangesContext) -> Iterator[ReservedRange]:
        for child in ctx.children:
            if isinstance(child, Grammar.TagRangeContext):
                yield self._range(child, MAX_FIELD_NUMBER)

    def _range(self, ctx: Any, maximum: int) -> ReservedRange:
        start = parse_int(self._text(ctx.getChild(0)))
        if ctx.getChildCount() == 1:
            return construct(ReservedRange, start=start, end=start)
        end_ctx = ctx.getChild(2)
        end_text = self._text(end_ctx)
        end = maximum if end_text == "max" else parse_int(end_text)
        return construct(ReservedRange, start=start, end=end)

    def _reserved(
        self, ctx: Any, ranges: list[ReservedRange], names: list[str], maximum: int
    ) -> None:
        body = ctx.getChild(1)
        if isinstance(body, Grammar.NamesContext):
            names.extend(self._string(child) for child in body.children if not _is_token(child))
            return
        for child in body.children:
            if not _is_token(child):
                ranges.append(self._range(child, maximum))

    # ---- services

    def _service(self, ctx: Grammar.ServiceDeclContext, scope: _Scope) -> ServiceModel:
        name = ctx.getChild(1).start.text
        service = construct(
            ServiceModel,
            name=name,
            fqn=scope.child_fqn(name),
            location=self._location(ctx.start, ctx.stop),
            comments=self._element_comments(ctx.start, ctx.getChild(2).symbol),
            options={},
            option_locations={},
            kind=ElementKind.SERVICE,
            methods=[],
        )
        self._own_options(service, "service", service.fqn)
        for element in ctx.children[3:-1]:
            declaration = element.getChild(0)
            if isinstance(declaration, Grammar.MethodDeclContext):
                service.methods.append(self._method(declaration, service))
            elif isinstance(declaration, Grammar.OptionDeclContext):
                self._option_statement(declaration, service)
        return service

    def _method(self, ctx: Grammar.MethodDeclContext, service: ServiceModel) -> MethodModel:
        name = ctx.getChild(1).start.text
        request, response = ctx.getChild(2).getChild(0), ctx.getChild(4).getChild(0)
        closing = ctx.getChild(5).symbol  # `;`, or the `{` of an options body
        # The grammar lets `rpc … { … };` end with the `;`; the declaration ends at `}`.
        last = next((c.symbol for c in ctx.children if _is_token(c, Grammar.R_BRACE)), ctx.stop)
        method = construct(
            MethodModel,
            name=name,
            fqn=f"{service.fqn}.{name}",
            location=self._location(ctx.start, last),
            comments=self._element_comments(ctx.start, closing),
            options={},
            option_locations={},
            kind=ElementKind.METHOD,
            input_type=self._text(request.getChild(request.getChildCount() - 2)),
            output_type=self._text(response.getChild(response.getChildCount() - 2)),
            input_resolved=False,
            output_resolved=False,
            client_streaming=request.getChildCount() == 4,
            server_streaming=response.getChildCount() == 4,
        )
        self._own_options(method, "method", method.fqn)
        self._parsed.methods.append(
            MethodFacts(method, service.fqn, method.input_type, method.output_type)
        )
        for element in ctx.children[6:]:
            if isinstance(element, Grammar.MethodElementContext):
                declaration = element.getChild(0)
                if isinstance(declaration, Grammar.OptionDeclContext):
                    self._option_statement(declaration, method)
        return method

    # ---- options and values

    def _own_options(self, element: Element, kind: str, scope: str) -> None:
        self._parsed.option_owners.append(OptionOwner(element, _OPTIONS_TYPES[kind], scope))

    def _option_statement(self, ctx: Grammar.OptionDeclContext, element: Element) -> None:
        path = self._option_name(ctx.getChild(1))
        add_option(element.options, path, self._value(ctx.getChild(3)))
        self._place_option(element, path, ctx)

    def _compact_options(self, ctx: Grammar.CompactOptionsContext, element: Element) -> None:
        for option in ctx.children:
            if isinstance(option, Grammar.CompactOptionContext):
                path = self._option_name(option.getChild(0))
                add_option(element.options, path, self._value(option.getChild(2)))
                self._place_option(element, path, option)

    def _place_option(self, element: Element, path: list[str], ctx: Any) -> None:
        if path:
            place_option(element.option_locations, path, self._location(ctx.start, ctx.stop))

    def _option_name(self, ctx: Grammar.OptionNameContext) -> list[str]:
        """``(validate.rules).string.min_len`` → ``["(validate.rules)", "string", "min_len"]``."""
        path: list[str] = []
        extension: list[str] | None = None
        for token in self._tokens[ctx.start.tokenIndex : ctx.stop.tokenIndex + 1]:
            if token.type == Grammar.L_PAREN:
                extension = []
            elif token.type == Grammar.R_PAREN and extension is not None:
                path.append(extension_key("".join(extension)))
                extension = None
            elif extension is not None:
                extension.append(token.text)
            elif token.type != Grammar.DOT:
                path.append(token.text)
        return path

    def _value(self, ctx: Any) -> OptionValue:
        if isinstance(ctx, Grammar.StringLiteralContext):
            return decode_text(self._string_bytes(ctx))
        if isinstance(ctx, Grammar.IntLiteralContext):
            return parse_int(self._text(ctx))
        if isinstance(ctx, Grammar.FloatLiteralContext):
            return float(self._text(ctx))
        if isinstance(ctx, Grammar.SpecialFloatLiteralContext):
            return float(self._text(ctx))
        if isinstance(ctx, Grammar.IdentifierContext):
            word = ctx.start.text
            return word == "true" if word in ("true", "false") else word
        if isinstance(ctx, Grammar.MessageTextFormatContext):
            return self._message_literal(ctx)
        if isinstance(ctx, Grammar.ListLiteralContext | Grammar.ListOfMessagesLiteralContext):
            return [self._value(child) for child in ctx.children if not _is_token(child)]
        # Wrappers (optionValue, scalarValue, value, messageLiteral, …): their one rule child.
        return self._value(next(child for child in ctx.children if not _is_token(child)))

    def _message_literal(self, ctx: Grammar.MessageTextFormatContext) -> dict[str, OptionValue]:
        literal: dict[str, OptionValue] = {}
        for child in ctx.children or ():
            if isinstance(child, Grammar.MessageLiteralFieldContext):
                key = self._literal_field_name(child.getChild(0))
                add_value(literal, key, self._value(child.children[-1]))
        return literal

    def _literal_field_name(self, ctx: Grammar.MessageLiteralFieldNameContext) -> str:
        if ctx.getChildCount() == 1:
            return ctx.start.text
        written = self._text(ctx.getChild(1))
        return extension_key(written) if "/" not in written else f"[{written}]"

    def _string(self, ctx: Any) -> str:
        return decode_text(self._string_bytes(ctx))

    def _string_bytes(self, ctx: Any) -> bytes:
        """Adjacent string literals concatenate, like in C."""
        tokens = self._tokens[ctx.start.tokenIndex : ctx.stop.tokenIndex + 1]
        return b"".join(unescape(token.text) for token in tokens)

    # ---- positions and comments

    def _text(self, ctx: Any) -> str:
        return "".join(t.text for t in self._tokens[ctx.start.tokenIndex : ctx.stop.tokenIndex + 1])

    def _column(self, token: ProtoToken) -> int:
        return self._tokenized.display_column(token)

    def _location(self, first: ProtoToken, last: ProtoToken) -> Location:
        return location(
            self._path,
            first.line,
            self._column(first),
            last.line,
            self._column(last) + len(last.text) - 1,
        )

    def _file_location(self) -> Location:
        if len(self._tokens) == 1:  # only EOF
            return location(self._path, 1, 1, 1, 0)
        return self._location(self._tokens[0], self._tokens[-2])

    def _element_comments(self, first: ProtoToken, closing: ProtoToken) -> Comments:
        return element_comments(self._comments, first.tokenIndex, closing.tokenIndex)


@dataclass(slots=True)
class _FieldParts:
    """The pieces of a field-like declaration, found by rule type."""

    label: Any = None
    type_name: Any = None
    name: Any = None
    number: int = 0
    options: Any = None

    @classmethod
    def of(cls, ctx: Any) -> _FieldParts:
        parts = cls()
        for child in ctx.children:
            if isinstance(child, Grammar.FieldCardinalityContext):
                parts.label = child
            elif isinstance(child, _TYPE_NAME_CONTEXTS):
                parts.type_name = child
            elif isinstance(child, Grammar.FieldNameContext):
                parts.name = child
            elif isinstance(child, Grammar.FieldNumberContext):
                parts.number = parse_int(child.start.text)
            elif isinstance(child, Grammar.CompactOptionsContext):
                parts.options = child
        return parts

    def label_is(self, token_type: int) -> bool:
        return self.label is not None and self.label.start.type == token_type


def _starts_statement(tokens: list[ProtoToken], index: int) -> bool:
    return index == 0 or tokens[index - 1].text in (";", "{", "}")


def _is_token(node: Any, token_type: int | None = None) -> bool:
    if not isinstance(node, TerminalNodeImpl):
        return False
    return token_type is None or node.symbol.type == token_type
