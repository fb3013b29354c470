"""parse_file: the model of one file, built from text."""

from __future__ import annotations

import hashlib
import pickle

import pytest

from protomodel.errors import ProtoParseError
from protomodel.model import (
    FieldModel,
    FileModel,
    Label,
    Location,
    MessageModel,
    Presence,
    ReservedRange,
    TypeKind,
)
from protomodel.parse import parse_file

PATH = "acme/todo/v1/todo.proto"


def _message(model: FileModel, name: str) -> MessageModel:
    return next(m for m in model.messages if m.name == name)


def _field(message: MessageModel, name: str) -> FieldModel:
    found = message.field_by_name(name)
    assert found is not None, name
    return found


# ---------------------------------------------------------------- locations


def test_locations_span_from_the_first_token_to_the_closing_token() -> None:
    text = (
        'syntax = "proto3";\n'  # 1
        "package acme.todo.v1;\n"  # 2
        "message Task {\n"  # 3
        "  repeated string tags = 1;\n"  # 4
        "  map<string, int32> counts = 2;\n"  # 5
        "  oneof kind {\n"  # 6
        "    string a = 3;\n"  # 7
        "  }\n"  # 8
        "  enum State { STATE_UNSPECIFIED = 0; }\n"  # 9
        "}\n"  # 10
        "service Tasks {\n"  # 11
        "  rpc Get(Task) returns (Task);\n"  # 12
        "  rpc Put(Task) returns (Task) { option deprecated = true; };\n"  # 13
        "}\n"  # 14
    )
    model = parse_file(text, PATH)
    task = model.messages[0]

    assert model.location == Location(file=PATH, line=1, column=1, end_line=14, end_column=1)
    assert task.location == Location(file=PATH, line=3, column=1, end_line=10, end_column=1)
    assert _field(task, "tags").location == Location(
        file=PATH, line=4, column=3, end_line=4, end_column=27
    )
    assert _field(task, "counts").location.column == 3
    assert task.oneofs[0].location == Location(
        file=PATH, line=6, column=3, end_line=8, end_column=3
    )
    assert task.enums[0].location == Location(
        file=PATH, line=9, column=3, end_line=9, end_column=39
    )
    assert task.enums[0].values[0].location == Location(
        file=PATH, line=9, column=16, end_line=9, end_column=37
    )
    get, put = model.services[0].methods
    assert get.location == Location(file=PATH, line=12, column=3, end_line=12, end_column=31)
    # `rpc … { … };` ends at the brace, like buf reports it.
    assert put.location == Location(file=PATH, line=13, column=3, end_line=13, end_column=60)


def test_columns_count_tabs_to_multiples_of_four_and_wide_characters_twice() -> None:
    text = 'syntax = "proto3";\nmessage A {\n\tint32 a = 1;\n  /* 日本 */ int32 b = 2;\n}\n'
    fields = parse_file(text, PATH).messages[0].fields
    assert fields[0].location.column == 5
    assert fields[1].location.column == 14


# ---------------------------------------------------------------- labels and presence


def test_proto3_presence() -> None:
    text = """syntax = "proto3";
    message M {
      int32 plain = 1;
      optional int32 opt = 2;
      M child = 3;
      repeated int32 many = 4;
      map<string, M> by_key = 5;
      oneof choice { string a = 6; }
      E e = 7;
      enum E { E_UNSPECIFIED = 0; }
    }"""
    message = parse_file(text, PATH).messages[0]
    expected = {
        "plain": (Label.OPTIONAL, Presence.IMPLICIT, False),
        "opt": (Label.OPTIONAL, Presence.EXPLICIT, True),
        "child": (Label.OPTIONAL, Presence.EXPLICIT, False),
        "many": (Label.REPEATED, Presence.NONE, False),
        "by_key": (Label.REPEATED, Presence.NONE, False),
        "a": (Label.OPTIONAL, Presence.EXPLICIT, False),
        "e": (Label.OPTIONAL, Presence.IMPLICIT, False),
    }
    for name, (label, presence, proto3_optional) in expected.items():
        field = _field(message, name)
        assert (field.label, field.presence, field.proto3_optional) == (
            label,
            presence,
            proto3_optional,
        ), name
    assert message.oneofs[0].field_names == ["a"]  # no synthetic oneof for `optional`
    assert _field(message, "a").oneof == "choice"
    assert _field(message, "opt").oneof is None


def test_proto2_presence_and_required() -> None:
    text = """syntax = "proto2";
    message M {
      optional int32 opt = 1;
      required string id = 2;
      repeated bytes blobs = 3;
    }"""
    message = parse_file(text, PATH).messages[0]
    assert _field(message, "opt").presence == Presence.EXPLICIT
    assert not _field(message, "opt").proto3_optional
    assert (_field(message, "id").label, _field(message, "id").presence) == (
        Label.REQUIRED,
        Presence.REQUIRED,
    )
    assert _field(message, "blobs").presence == Presence.NONE


def test_editions_presence_follows_features_from_field_to_file() -> None:
    text = """edition = "2023";
    package acme.v1;
    option features.field_presence = IMPLICIT;
    message M {
      int32 implicit = 1;
      int32 explicit = 2 [features.field_presence = EXPLICIT];
      int32 legacy = 3 [features.field_presence = LEGACY_REQUIRED];
      M child = 4;
      enum Closed { option features.enum_type = CLOSED; C = 0; }
    }
    enum Open { O = 0; }"""
    model = parse_file(text, PATH)
    message = model.messages[0]
    assert (model.syntax, model.edition) == ("editions", "2023")
    assert _field(message, "implicit").presence == Presence.IMPLICIT
    assert _field(message, "explicit").presence == Presence.EXPLICIT
    assert (_field(message, "legacy").label, _field(message, "legacy").presence) == (
        Label.REQUIRED,
        Presence.REQUIRED,
    )
    assert _field(message, "child").presence == Presence.EXPLICIT
    assert message.enums[0].closed
    assert not model.enums[0].closed


def test_enum_openness_by_syntax() -> None:
    proto2 = parse_file('syntax = "proto2"; enum E { A = 0; }', PATH)
    proto3 = parse_file('syntax = "proto3"; enum E { A = 0; }', PATH)
    no_syntax = parse_file("enum E { A = 0; }", PATH)
    assert proto2.enums[0].closed and no_syntax.enums[0].closed
    assert not proto3.enums[0].closed
    assert no_syntax.syntax == "proto2"


# ---------------------------------------------------------------- types and declarations


def test_maps_groups_nested_types_and_local_references() -> None:
    text = """syntax = "proto2";
    package acme.v1;
    message Outer {
      message Inner { optional int32 x = 1; }
      map<string, Inner> inners = 1;
      map<int64, string> names = 2;
      optional group Result = 3 { optional string url = 4; }
      optional Inner inner = 5;
      optional .acme.v1.Outer.Inner absolute = 6;
      optional Missing missing = 7;
    }"""
    outer = parse_file(text, PATH).messages[0]

    inners = _field(outer, "inners")
    assert (inners.type, inners.type_kind, inners.label) == ("map", TypeKind.MAP, Label.REPEATED)
    assert (inners.map_key_type, inners.map_value_type, inners.map_value_kind) == (
        "string",
        "acme.v1.Outer.Inner",
        TypeKind.MESSAGE,
    )
    assert inners.element_type == "acme.v1.Outer.Inner"
    names = _field(outer, "names")
    assert (names.map_key_type, names.map_value_type, names.map_value_kind) == (
        "int64",
        "string",
        TypeKind.SCALAR,
    )
    result = _field(outer, "result")
    assert (result.type, result.type_kind, result.number) == (
        "acme.v1.Outer.Result",
        TypeKind.GROUP,
        3,
    )
    assert [m.name for m in outer.messages] == ["Inner", "Result"]  # no map entries
    assert outer.messages[1].fields[0].fqn == "acme.v1.Outer.Result.url"
    assert _field(outer, "inner").type == "acme.v1.Outer.Inner"
    assert _field(outer, "absolute").type == "acme.v1.Outer.Inner"
    missing = _field(outer, "missing")
    assert (missing.type, missing.type_kind, missing.type_resolved) == (
        "Missing",
        TypeKind.UNKNOWN,
        False,
    )


def test_reserved_ranges_names_and_extension_ranges() -> None:
    text = """syntax = "proto2";
    message M {
      reserved 2, 15, 9 to 11, 40 to max;
      reserved "foo", "bar";
      extensions 100 to 199, 1000 to max;
      enum E { A = 0; reserved -5 to -1, 10 to max; reserved "OLD"; }
    }"""
    message = parse_file(text, PATH).messages[0]
    assert message.reserved_ranges == [
        ReservedRange(start=2, end=2),
        ReservedRange(start=15, end=15),
        ReservedRange(start=9, end=11),
        ReservedRange(start=40, end=536870911),
    ]
    assert message.reserved_names == ["foo", "bar"]
    assert message.is_reserved_number(10) and not message.is_reserved_number(12)
    assert message.extension_ranges == [
        ReservedRange(start=100, end=199),
        ReservedRange(start=1000, end=536870911),
    ]
    enum = message.enums[0]
    assert enum.reserved_ranges == [
        ReservedRange(start=-5, end=-1),
        ReservedRange(start=10, end=2147483647),
    ]
    assert enum.reserved_names == ["OLD"]


def test_editions_reserved_names_are_identifiers() -> None:
    text = 'edition = "2023"; message M { reserved foo, bar; reserved 3; int32 x = 1; }'
    message = parse_file(text, PATH).messages[0]
    assert message.reserved_names == ["foo", "bar"]
    assert message.reserved_ranges == [ReservedRange(start=3, end=3)]


def test_extend_blocks_become_extension_fields() -> None:
    text = """syntax = "proto2";
    package acme.v1;
    message Base { extensions 100 to 200; }
    extend Base { optional int32 top = 100; repeated string tags = 101; }
    message Holder { extend Base { optional string nested = 150; } }"""
    model = parse_file(text, PATH)
    top, tags = model.extensions
    assert (top.fqn, top.extendee, top.presence) == (
        "acme.v1.top",
        "acme.v1.Base",
        Presence.EXPLICIT,
    )
    assert (tags.label, tags.presence) == (Label.REPEATED, Presence.NONE)
    nested = model.messages[1].extensions[0]
    assert (nested.fqn, nested.extendee) == ("acme.v1.Holder.nested", "acme.v1.Base")


def test_services_and_streaming() -> None:
    text = """syntax = "proto3";
    package acme.v1;
    message Req {}
    message Res {}
    service S {
      rpc Unary(Req) returns (Res);
      rpc Both(stream Req) returns (stream .acme.v1.Res);
      rpc Unknown(Req) returns (other.Thing);
    }"""
    unary, both, unknown = parse_file(text, PATH).services[0].methods
    assert (unary.fqn, unary.input_type, unary.output_type) == (
        "acme.v1.S.Unary",
        "acme.v1.Req",
        "acme.v1.Res",
    )
    assert not unary.client_streaming and not unary.server_streaming
    assert both.client_streaming and both.server_streaming and both.output_type == "acme.v1.Res"
    assert unknown.input_resolved and not unknown.output_resolved
    assert unknown.output_type == "other.Thing"


def test_imports_package_and_file_attributes() -> None:
    text = (
        '// File header.\n\nsyntax = "proto3"; // the syntax\n'
        'import public "a/b.proto";\nimport weak "c.proto";\nimport "d.proto";\n'
        "package acme.v1;\n"
    )
    model = parse_file(text.encode(), PATH, repo_path="proto/" + PATH)
    assert [(i.path, i.public, i.weak) for i in model.imports] == [
        ("a/b.proto", True, False),
        ("c.proto", False, True),
        ("d.proto", False, False),
    ]
    assert (model.name, model.fqn, model.repo_path, model.package) == (
        PATH,
        PATH,
        "proto/" + PATH,
        "acme.v1",
    )
    assert model.sha256 == hashlib.sha256(text.encode()).hexdigest()
    assert model.comments.detached == ["File header."]
    assert model.comments.trailing == "the syntax"


def test_package_written_after_declarations_still_scopes_them() -> None:
    model = parse_file('syntax = "proto3"; message A {} package late.pkg;', PATH)
    assert model.messages[0].fqn == "late.pkg.A"


def test_byte_order_mark_is_ignored() -> None:
    model = parse_file('\ufeffsyntax = "proto3"; message A {}', PATH)
    assert model.messages[0].location.column == 20


# ---------------------------------------------------------------- options


def test_options_become_nested_dicts_and_pseudo_options_become_attributes() -> None:
    text = """syntax = "proto3";
    package acme.v1;
    message M {
      option deprecated = true;
      string a = 1 [
        (validate.rules).string.min_len = 1,
        (validate.rules).string.max_len = 10,
        json_name = "alpha",
        deprecated = true
      ];
      string b = 2 [(google.api.field_behavior) = REQUIRED];
      repeated int32 c = 3 [packed = false, (acme.v1.note) = "x" "y"];
      string d = 4 [(.acme.v1.rule) = {
        words: ["a", "b"]
        nested { depth: -2 ratio: 1.5 flag: true mode: FAST }
        nested: { depth: 3 }
        [acme.v1.ext]: 7
      }];
    }"""
    message = parse_file(text, PATH).messages[0]

    assert message.options == {"deprecated": True}
    a = _field(message, "a")
    assert a.options == {
        "validate.rules": {"string": {"min_len": 1, "max_len": 10}},
        "deprecated": True,
    }
    assert a.json_name == "alpha" and a.effective_json_name == "alpha"
    assert a.deprecated
    # Listed in REPEATED_OPTIONS: a list even when written once and undefined here.
    assert _field(message, "b").options == {"google.api.field_behavior": ["REQUIRED"]}
    assert _field(message, "c").options == {"packed": False, "acme.v1.note": "xy"}
    assert _field(message, "d").options == {
        "acme.v1.rule": {
            "words": ["a", "b"],
            "nested": [
                {"depth": -2, "ratio": 1.5, "flag": True, "mode": "FAST"},
                {"depth": 3},
            ],
            "acme.v1.ext": 7,
        }
    }
    assert _field(message, "b").json_name is None
    assert _field(message, "b").effective_json_name == "b"


def test_http_option_with_additional_bindings() -> None:
    text = """syntax = "proto3";
    service S {
      rpc Get(Req) returns (Req) {
        option (google.api.http) = {
          get: "/v1/{name=tasks/*}"
          additional_bindings { get: "/v1/a" }
          additional_bindings { post: "/v1/b" body: "*" }
        };
      }
    }
    message Req {}"""
    method = parse_file(text, PATH).services[0].methods[0]
    assert method.options == {
        "google.api.http": {
            "get": "/v1/{name=tasks/*}",
            "additional_bindings": [{"get": "/v1/a"}, {"post": "/v1/b", "body": "*"}],
        }
    }


@pytest.mark.parametrize(
    ("declaration", "default"),
    [
        ('optional string s = 1 [default = "a\\"b\\n"];', 'a"b\n'),
        ('optional bytes b = 1 [default = "\\001x\\xff\\""];', '\\001x\\377\\"'),
        ("optional double d = 1 [default = 1e6];", "1e+06"),
        ("optional double d = 1 [default = 1234567];", "1.234567e+06"),
        ("optional double d = 1 [default = 0.00001];", "1e-05"),
        ("optional float f = 1 [default = 0.1];", "0.10000000149011612"),
        ("optional float f = 1 [default = -inf];", "-inf"),
        ("optional double d = 1 [default = nan];", "nan"),
        ("optional int32 i = 1 [default = -0x10];", "-16"),
        ("optional uint32 u = 1 [default = 017];", "15"),
        ("optional bool t = 1 [default = true];", "true"),
        ("optional E e = 1 [default = B];", "B"),
    ],
)
def test_defaults_are_written_like_descriptors(declaration: str, default: str) -> None:
    text = f'syntax = "proto2"; message M {{ {declaration} enum E {{ A = 0; B = 1; }} }}'
    field = parse_file(text, PATH).messages[0].fields[0]
    assert field.default == default
    assert field.options == {}


# ---------------------------------------------------------------- errors


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            'syntax = "proto3";\nmessage A {\n  int32 a = \n}\n',
            "acme/todo/v1/todo.proto:4:1: syntax error:",
        ),
        ('syntax = "proto3";\nmessage A { int32 a = 1 }', "acme/todo/v1/todo.proto:2:25:"),
        ('syntax = "proto3";\nmessage A {} $', "acme/todo/v1/todo.proto:2:14: invalid character"),
        ('syntax = "proto3";\n/* open', "acme/todo/v1/todo.proto:2:1: block comment never"),
        ('syntax = "proto3"; option x = "open;', "1:31: unterminated string literal"),
        ('syntax = "proto3"; option x = "\\q";', "invalid escape sequence"),
        ('syntax = "proto3"; message A { int32 a = 09; }', "invalid number '09'"),
        ('syntax = "proto4";', "acme/todo/v1/todo.proto:1:10: unknown syntax 'proto4'"),
        ("message A {" * 400 + "}" * 400, "nested too deeply"),
    ],
)
def test_errors_raise_proto_parse_error_with_a_position(text: str, expected: str) -> None:
    with pytest.raises(ProtoParseError) as caught:
        parse_file(text, PATH)
    assert expected in str(caught.value)
    assert caught.value.path == PATH
    assert "\n" not in str(caught.value)


def test_missing_semicolon_message() -> None:
    with pytest.raises(ProtoParseError) as caught:
        parse_file('syntax = "proto3";\nmessage A {\n  int32 a = 1\n}\n', PATH)
    error = caught.value
    assert (error.line, error.column) == (4, 1)
    assert error.detail == "syntax error: mismatched input '}' expecting {';', '['}"


@pytest.mark.parametrize(
    "content",
    [
        b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
        "syntax = 'proto3'; // café".encode("latin-1"),
        "message A {}\x00",
        "message A {} // \udcff",  # a str decoded with surrogateescape
    ],
)
def test_binary_or_non_utf8_input_is_refused(content: str | bytes) -> None:
    with pytest.raises(ProtoParseError, match=r"UTF-8|binary"):
        parse_file(content, PATH)


def test_proto_parse_error_format_and_pickling() -> None:
    error = ProtoParseError("api/todo.proto", 12, 5, "syntax error: missing ';' at '}'")
    assert str(error) == "api/todo.proto:12:5: syntax error: missing ';' at '}'"
    assert str(ProtoParseError("a.proto", 0, 0, "not UTF-8 text")) == "a.proto: not UTF-8 text"
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.path, copy.line, copy.column, copy.detail) == (
        "api/todo.proto",
        12,
        5,
        "syntax error: missing ';' at '}'",
    )


def test_empty_file() -> None:
    model = parse_file("", PATH)
    assert model.messages == [] and model.syntax == "proto2"


@pytest.mark.slow
def test_a_large_file_parses_in_bounded_memory() -> None:
    """About 1 MB of realistic declarations (figures for 5 MB are in the report/bench)."""
    block = """
// Message {n} describes a thing.
message Message{n} {{
  // The name.
  string name = 1 [(google.api.field_behavior) = REQUIRED];
  optional int64 count = 2 [json_name = "cnt"];
  map<string, int32> labels = 3;
  oneof target {{ string email = 4; Message{n} parent = 5; }}
  enum State {{ STATE_UNSPECIFIED = 0; STATE_ACTIVE = 1; }}
  reserved 20 to 30;
}}
"""
    text = 'syntax = "proto3";\npackage big.v1;\n' + "".join(block.format(n=n) for n in range(3500))
    assert len(text) > 1_000_000
    model = parse_file(text, "big/v1/big.proto")
    assert len(model.messages) == 3500
    last = model.messages[-1]
    assert last.fields[-1].type == "big.v1.Message3499"
    assert last.location.end_line == text.count("\n")
