"""Pruning identical declarations keeps `buf breaking`'s findings (the real buf binary)."""

from __future__ import annotations

import json
import re
import subprocess
import textwrap
from pathlib import Path

import pytest
from google.protobuf import descriptor_pb2

from compat_checker.buf import BufRunner
from compat_checker.buf_images import without_unchanged_declarations

pytestmark = pytest.mark.skipif(not BufRunner().available, reason="buf binary not installed")

COMMON = """
message Address {
  string street = 1;
  message Geo {
    double lat = 1;
    double lng = 2;
  }
}

message Unrelated {
  int64 count = 1;
}

enum Tier {
  TIER_UNSPECIFIED = 0;
  TIER_GOLD = 1;
}

message Request {
  string id = 1;
}
"""


def _file(body: str, *, syntax: str = "proto3") -> str:
    return f'syntax = "{syntax}";\n\npackage acme.shop.v1;\n{COMMON}\n{textwrap.dedent(body)}'


def _proto2(body: str) -> str:
    text = _file(body, syntax="proto2")
    return re.sub(r"^(\s+)(string|int64|int32|double) ", r"\1optional \2 ", text, flags=re.M)


CASES = {
    "field type of a message that refers to unchanged ones": (
        _file("message Customer {\n  Address home = 1;\n  Tier tier = 2;\n}\n"),
        _file("message Customer {\n  Address.Geo home = 1;\n  int32 tier = 2;\n}\n"),
    ),
    "message deleted, another one renamed": (
        _file("message Customer {\n  string id = 1;\n}\nmessage Gone {\n  Address a = 1;\n}\n"),
        _file("message Client {\n  string id = 1;\n}\n"),
    ),
    "service whose request types did not change": (
        _file("service Shop {\n  rpc Get(Request) returns (Address);\n}\n"),
        _file("service Shop {\n  rpc Get(Request) returns (Address.Geo);\n}\n"),
    ),
    "enum value renamed and a field renumbered": (
        _file(
            "enum Size {\n  SIZE_UNSPECIFIED = 0;\n  SIZE_S = 1;\n}\nmessage Box {\n"
            "  Size size = 1;\n  Unrelated u = 2;\n}\n"
        ),
        _file(
            "enum Size {\n  SIZE_UNSPECIFIED = 0;\n  SIZE_SMALL = 1;\n}\nmessage Box {\n"
            "  Size size = 1;\n  Unrelated u = 3;\n}\n"
        ),
    ),
    "proto2 extension of an unchanged message": (
        _proto2(
            "message Holder {\n  extensions 100 to 200;\n}\n"
            "extend Holder {\n  optional string note = 100;\n}\n"
        ),
        _proto2(
            "message Holder {\n  extensions 100 to 200;\n}\n"
            "extend Holder {\n  optional int32 note = 100;\n}\n"
        ),
    ),
    "nothing changed": (_file(""), _file("")),
}


def _image(tmp_path: Path, name: str, text: str) -> bytes:
    root = tmp_path / name
    (root / "acme/shop/v1").mkdir(parents=True)
    (root / "acme/shop/v1/shop.proto").write_text(text)
    (root / "buf.yaml").write_text("version: v2\n")
    output = tmp_path / f"{name}.binpb"
    subprocess.run(
        [str(BufRunner().binary), "build", "-o", str(output)],
        cwd=root,
        check=True,
        capture_output=True,
    )
    return output.read_bytes()


def _breaking(tmp_path: Path, head: bytes, base: bytes) -> list[dict[str, object]]:
    head_file, base_file = tmp_path / "h.binpb", tmp_path / "b.binpb"
    head_file.write_bytes(head)
    base_file.write_bytes(base)
    proc = subprocess.run(
        [
            str(BufRunner().binary),
            "breaking",
            str(head_file),
            "--against",
            str(base_file),
            "--error-format",
            "json",
            "--exclude-imports",
            "--config",
            '{"version":"v2","breaking":{"use":["FILE","WIRE_JSON"]}}',
        ],
        capture_output=True,
        text=True,
    )
    assert proc.returncode in (0, 100), proc.stderr
    return sorted(
        (json.loads(line) for line in proc.stdout.splitlines()), key=lambda f: json.dumps(f)
    )


def _declaration_count(image: bytes) -> int:
    files = descriptor_pb2.FileDescriptorSet.FromString(image).file
    return sum(len(f.message_type) + len(f.enum_type) + len(f.service) for f in files)


@pytest.mark.parametrize("case", sorted(CASES))
def test_buf_finds_the_same_on_pruned_images(tmp_path: Path, case: str) -> None:
    base_text, head_text = CASES[case]
    base = _image(tmp_path, "base", base_text)
    head = _image(tmp_path, "head", head_text)

    pruned_head, pruned_base = without_unchanged_declarations(head, base)

    assert _breaking(tmp_path, pruned_head, pruned_base) == _breaking(tmp_path, head, base)
    assert _declaration_count(pruned_head) < _declaration_count(head)


def test_declarations_a_changed_one_refers_to_are_kept(tmp_path: Path) -> None:
    base = _image(
        tmp_path, "base", CASES["field type of a message that refers to unchanged ones"][0]
    )
    head = _image(
        tmp_path, "head", CASES["field type of a message that refers to unchanged ones"][1]
    )

    pruned_head, _ = without_unchanged_declarations(head, base)

    file = descriptor_pb2.FileDescriptorSet.FromString(pruned_head).file[0]
    assert sorted(m.name for m in file.message_type) == ["Address", "Customer"]
    assert [e.name for e in file.enum_type] == ["Tier"]  # the base's Customer used it
    paths = {tuple(location.path[:2]) for location in file.source_code_info.location}
    assert (4, 1) in paths and (4, 2) not in paths  # locations renumbered, none left over


def test_undecodable_images_are_passed_through() -> None:
    assert without_unchanged_declarations(b"\xff\xff", b"") == (b"\xff\xff", b"")
