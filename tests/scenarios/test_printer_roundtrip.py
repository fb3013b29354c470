"""protomodel.printer: printed source compiles (real buf) back to the same descriptor."""

from __future__ import annotations

import importlib
from collections.abc import Iterable
from pathlib import Path

import pytest
from google.protobuf import descriptor_pb2, message_factory, text_format
from scenario_support import DATA, PROTO, build_descriptors, copy_proto

from protomodel.model import to_json_name
from protomodel.printer import (
    PrintError,
    build_pool,
    descriptor_from_generated_module,
    load_descriptor,
    print_file,
)

PROTOVALIDATE = DATA / "protovalidate-2.1.0-validate.binpb"


def _same(
    expected: descriptor_pb2.FileDescriptorProto,
    actual: descriptor_pb2.FileDescriptorProto,
    deps: list[descriptor_pb2.FileDescriptorProto] = (),  # type: ignore[assignment]
) -> None:
    """Equal as messages once custom options are decoded (their byte order may differ).

    protoc's Python plugin strips the default `json_name` from the descriptors it embeds
    while compilers always fill it in: a missing one counts as the default.
    """
    pool = build_pool(expected, deps)
    expected, actual = _with_json_names(expected), _with_json_names(actual)
    cls = message_factory.GetMessageClass(
        pool.FindMessageTypeByName("google.protobuf.FileDescriptorProto")
    )
    left, right = (cls.FromString(d.SerializeToString()) for d in (expected, actual))
    left.ClearField("source_code_info")
    right.ClearField("source_code_info")
    # Compared as text so that a failure shows the differing lines.
    assert text_format.MessageToString(right, descriptor_pool=pool) == text_format.MessageToString(
        left, descriptor_pool=pool
    )


def _with_json_names(
    file: descriptor_pb2.FileDescriptorProto,
) -> descriptor_pb2.FileDescriptorProto:
    copy = descriptor_pb2.FileDescriptorProto()
    copy.CopyFrom(file)

    def fill(fields: Iterable[descriptor_pb2.FieldDescriptorProto]) -> None:
        for field in fields:
            if not field.HasField("json_name"):
                field.json_name = to_json_name(field.name)

    def walk(messages: Iterable[descriptor_pb2.DescriptorProto]) -> None:
        for message in messages:
            fill(message.field)
            fill(message.extension)
            walk(message.nested_type)

    fill(copy.extension)
    walk(copy.message_type)
    return copy


def _compile(
    tmp_path: Path, sources: dict[str, str], source_info: bool = False
) -> dict[str, descriptor_pb2.FileDescriptorProto]:
    module = tmp_path / "module"
    for name, text in sources.items():
        (module / name).parent.mkdir(parents=True, exist_ok=True)
        (module / name).write_text(text, encoding="utf-8")
    (module / "buf.yaml").write_text("version: v2\n", encoding="utf-8")
    return build_descriptors(module, source_info=source_info)


def test_protovalidate_round_trip(tmp_path: Path) -> None:
    original = descriptor_pb2.FileDescriptorProto.FromString(PROTOVALIDATE.read_bytes())
    text = print_file(original)
    compiled = _compile(tmp_path, {original.name: text})[original.name]
    _same(original, compiled)
    # Not just equal after decoding: buf writes the very same bytes.
    assert compiled.SerializeToString() == original.SerializeToString()


def test_vendored_protovalidate_is_the_printed_descriptor(tmp_path: Path) -> None:
    """proto/buf/validate/validate.proto is the printer's output, unedited, and compiles
    to the descriptor shipped in the protovalidate wheel."""
    original = descriptor_pb2.FileDescriptorProto.FromString(PROTOVALIDATE.read_bytes())
    vendored = (PROTO / "buf/validate/validate.proto").read_text(encoding="utf-8")
    header_end = vendored.index('syntax = "proto2";')
    assert vendored[header_end:] == print_file(original)
    assert "Apache License, Version 2.0" in vendored[:header_end]
    built = build_descriptors(copy_proto(tmp_path), "buf/validate/validate.proto")
    _same(original, built["buf/validate/validate.proto"])


GOOGLE_API = ("http", "annotations", "field_behavior", "resource", "launch_stage", "client")


def test_googleapis_round_trip(tmp_path: Path) -> None:
    """The option protos of googleapis-common-protos, printed and compiled together."""
    originals: dict[str, descriptor_pb2.FileDescriptorProto] = {}
    for name in GOOGLE_API:
        module = importlib.import_module(f"google.api.{name}_pb2")
        proto = descriptor_pb2.FileDescriptorProto()
        module.DESCRIPTOR.CopyToProto(proto)
        originals[proto.name] = proto
    printed = {name: print_file(proto) for name, proto in originals.items()}
    compiled = _compile(tmp_path, printed)
    for name, proto in originals.items():
        _same(proto, compiled[name], list(originals.values()))


def test_descriptor_from_generated_module_reads_without_importing() -> None:
    module = importlib.import_module("google.api.http_pb2")
    source = Path(module.__file__).read_text(encoding="utf-8")
    expected = descriptor_pb2.FileDescriptorProto()
    module.DESCRIPTOR.CopyToProto(expected)
    assert descriptor_from_generated_module(source) == expected
    with pytest.raises(PrintError):
        descriptor_from_generated_module("x = b'not a descriptor'\n")


OPTIONS = """\
syntax = "proto3";
package kitchen.opts;
import "google/protobuf/descriptor.proto";
message Rule { string id = 1; repeated string tags = 2; Rule nested = 3; }
extend google.protobuf.FileOptions { string file_tag = 50000; }
extend google.protobuf.MessageOptions { Rule msg_rule = 50000; }
extend google.protobuf.FieldOptions {
  Rule rule = 50000;
  repeated Level levels = 50001;
  bytes blob = 50002;
  double weight = 50003;
}
extend google.protobuf.OneofOptions { bool one_required = 50000; }
extend google.protobuf.EnumOptions { string enum_tag = 50000; }
extend google.protobuf.EnumValueOptions { string label = 50000; }
extend google.protobuf.ServiceOptions { string host = 50000; }
extend google.protobuf.MethodOptions { Rule route = 50000; }
extend google.protobuf.ExtensionRangeOptions { int32 range_tag = 50000; }
enum Level { LEVEL_UNSPECIFIED = 0; LEVEL_HIGH = 1; }
"""

PROTO2 = """\
// Leading detached comment of the file.

syntax = "proto2";

package kitchen.v1;

import public "kitchen/opts.proto";

option (kitchen.opts.file_tag) = "f\\"ile'";
option java_package = "com.kitchen";
option optimize_for = LITE_RUNTIME;

// A message with everything.
message Everything {
  option (kitchen.opts.msg_rule) = { id: "m" tags: ["a", "b"] nested { id: "n" } };
  optional string s = 1 [default = "a\\"b\\\\c\\n\\u00e9", (kitchen.opts.levels) = LEVEL_HIGH, (kitchen.opts.levels) = LEVEL_UNSPECIFIED];
  required bytes b = 2 [default = "\\000\\377x"];
  optional double d = 3 [default = -inf, (kitchen.opts.weight) = 0.25];
  optional float f = 4 [default = nan, (kitchen.opts.blob) = "\\001\\002"];
  optional Kind k = 5 [default = KIND_B];  // trailing comment of k
  repeated int32 packed = 6 [packed = true, json_name = "packedValues", deprecated = true];
  map<string, Everything> children = 7;
  optional group Result = 8 {
    optional string url = 1;
    repeated group Inner = 2 { optional int64 n = 1; }
  }
  oneof choice {
    option (kitchen.opts.one_required) = true;
    string name = 9;
    Nested nested = 10;
  }
  optional .kitchen.v1.Everything.Nested shadowed = 11;
  optional sint64 big = 12 [default = -9223372036854775808];
  enum Kind {
    option allow_alias = true;
    option (kitchen.opts.enum_tag) = "k";
    KIND_A = 0;
    KIND_B = 1 [(kitchen.opts.label) = "b", deprecated = true];
    KIND_ALIAS = 1;
    reserved 5, 10 to 20, 100 to max;
    reserved "KIND_OLD";
  }
  message Nested {
    optional int32 x = 1;
    extend Everything { optional int32 nested_ext = 1001; }
  }
  extensions 1000 to 1999 [(kitchen.opts.range_tag) = 7];
  extensions 5000 to max;
  reserved 13, 20 to 30, 40;
  reserved "gone", "old";
}

message Nested { optional string shadow = 1; }

extend Everything {
  optional string file_ext = 1500;
  repeated Everything.Kind kinds = 1501;
}

// The service.
service Kitchen {
  option (kitchen.opts.host) = "kitchen.example";
  option deprecated = true;
  // Cooks.
  rpc Cook(Everything) returns (stream Everything.Nested) {
    option (kitchen.opts.route) = { id: "cook" };
    option idempotency_level = NO_SIDE_EFFECTS;
  }
  rpc Eat(stream Everything) returns (Everything);
}
"""

EDITIONS = """\
edition = "2023";

package kitchen.ed;

option features.field_presence = IMPLICIT;

message Item {
  string name = 1;
  int32 count = 2 [features.field_presence = EXPLICIT, default = 3];
  Item child = 3 [features.message_encoding = DELIMITED];
  int32 legacy = 4 [features.field_presence = LEGACY_REQUIRED];
  repeated int32 numbers = 5 [features.repeated_field_encoding = EXPANDED];
  reserved reserved_name, other;
}

enum Closed {
  option features.enum_type = CLOSED;
  CLOSED_A = 1;
}
"""

PROTO3 = """\
syntax = "proto3";

package kitchen.three;

import "google/protobuf/timestamp.proto";

message Three {
  optional string maybe = 1;
  repeated google.protobuf.Timestamp times = 2;
  map<int64, Three> by_id = 3;
  oneof pick { string a = 4; int32 b = 5; }
  Three.Sub sub = 6;
  message Sub { enum Sub { SUB_UNSPECIFIED = 0; } Sub sub = 1; }
}
"""


def test_kitchen_sink_round_trip(tmp_path: Path) -> None:
    """Every construct the printer knows, with comments from source info."""
    sources = {
        "kitchen/opts.proto": OPTIONS,
        "kitchen/v1/everything.proto": PROTO2,
        "kitchen/ed/item.proto": EDITIONS,
        "kitchen/three/three.proto": PROTO3,
    }
    first = tmp_path / "first"
    first.mkdir()
    with_info = _compile(first, sources, source_info=True)
    printed = {name: print_file(with_info[name], list(with_info.values())) for name in sources}
    second = tmp_path / "second"
    second.mkdir()
    compiled = _compile(second, printed)
    for name in sources:
        _same(with_info[name], compiled[name], list(with_info.values()))
    everything = printed["kitchen/v1/everything.proto"]
    assert "// A message with everything." in everything
    assert "// trailing comment of k" in everything
    assert "optional group Result = 8 {" in everything
    assert "map<string, Everything> children = 7;" in everything
    assert "optional .kitchen.v1.Everything.Nested shadowed = 11;" not in everything
    assert "optional Nested shadowed = 11;" in everything  # the nested one is closer
    assert 'import public "kitchen/opts.proto";' in everything
    assert everything.startswith("// Leading detached comment of the file.\n\nsyntax")
    item = printed["kitchen/ed/item.proto"]
    assert "reserved reserved_name, other;" in item
    assert "int32 count = 2 [default = 3, features.field_presence = EXPLICIT];" in item


def test_unknown_import_is_an_error() -> None:
    file = descriptor_pb2.FileDescriptorProto(
        name="a.proto", package="a", dependency=["nowhere/x.proto"], syntax="proto3"
    )
    with pytest.raises(PrintError, match=r"nowhere/x\.proto"):
        print_file(file)


def test_cli_prints_a_descriptor_set(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from protomodel.printer import main

    original = descriptor_pb2.FileDescriptorProto.FromString(PROTOVALIDATE.read_bytes())
    descriptor_set = tmp_path / "set.binpb"
    descriptor_set.write_bytes(
        descriptor_pb2.FileDescriptorSet(file=[original]).SerializeToString()
    )
    result = CliRunner().invoke(main, [str(descriptor_set), "--header", "hello"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("// hello\n\nsyntax")
    assert load_descriptor(descriptor_set, "buf/validate/validate.proto") == original
