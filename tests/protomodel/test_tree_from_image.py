"""tree_from_image: the model from a real buf image."""

from __future__ import annotations

from pathlib import Path

import pytest
from protomodel_support import build_image, write_module

from protomodel.descriptors import tree_from_image
from protomodel.errors import ProtoParseError
from protomodel.model import BuildSource, FieldModel, Location, Presence, ProtoTree, TypeKind

API = "acme/api/v1/api.proto"
API_TEXT = """syntax = "proto3";
package acme.api.v1;

import "acme/api/v1/opts.proto";
import "google/api/annotations.proto";
import "google/api/field_behavior.proto";
import "validate/validate.proto";

// A user.
message User {
  string name = 1 [json_name = "name", (google.api.field_behavior) = REQUIRED];
  string email = 2 [json_name = "mail", (validate.rules).string.email = true];
  optional int64 age = 3 [(acme.api.v1.limit) = {max: 9007199254740993 kind: HARD blob: "\\001"}];
  map<string, User> friends = 4;
  oneof contact { string phone = 5; string fax = 6; }
  string display_name = 7;
}

service Users {
  rpc Get(User) returns (User) {
    option (google.api.http) = {get: "/v1/{name=users/*}"};
  }
}
"""
OPTS = "acme/api/v1/opts.proto"
OPTS_TEXT = """syntax = "proto2";
package acme.api.v1;
import "google/protobuf/descriptor.proto";
message Limit {
  optional int64 max = 1;
  optional Kind kind = 2;
  optional bytes blob = 3;
  enum Kind { SOFT = 0; HARD = 1; }
}
extend google.protobuf.FieldOptions { optional Limit limit = 51000; }
"""


@pytest.fixture(scope="module")
def image(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    root = write_module(tmp_path_factory.mktemp("api"), {API: API_TEXT, OPTS: OPTS_TEXT})
    return build_image(root)


def _field(tree: ProtoTree, fqn: str) -> FieldModel:
    element = tree.find(fqn)
    assert isinstance(element, FieldModel), fqn
    return element


def test_reviewed_files_and_dependencies(image: bytes) -> None:
    tree = tree_from_image(image, reviewed={API}, repo_paths={API: "proto/" + API})
    assert tree.source == BuildSource.DESCRIPTORS
    assert [f.name for f in tree.reviewed_files()] == [API]
    assert OPTS in tree.dependency_files
    assert "google/protobuf/descriptor.proto" in tree.dependency_files
    assert tree.files[API].repo_path == "proto/" + API
    assert len(tree.files[API].sha256) == 64


def test_without_reviewed_buf_import_flags_decide(image: bytes) -> None:
    tree = tree_from_image(image)
    # Every file of the module was built, not imported; only buf's own WKTs are imports.
    assert API not in tree.dependency_files and OPTS not in tree.dependency_files
    assert "google/protobuf/descriptor.proto" in tree.dependency_files


def test_custom_options_are_decoded_by_extension_full_name(image: bytes) -> None:
    tree = tree_from_image(image, reviewed={API})
    assert _field(tree, "acme.api.v1.User.email").options == {
        "validate.rules": {"string": {"email": True}}
    }
    assert _field(tree, "acme.api.v1.User.age").options == {
        # 64-bit ints stay ints, enums are names, bytes become text.
        "acme.api.v1.limit": {"max": 9007199254740993, "kind": "HARD", "blob": "\x01"}
    }
    assert _field(tree, "acme.api.v1.User.name").options == {
        "google.api.field_behavior": ["REQUIRED"]
    }
    method = tree.files[API].services[0].methods[0]
    assert method.options == {"google.api.http": {"get": "/v1/{name=users/*}"}}


def test_json_name_only_when_written(image: bytes) -> None:
    tree = tree_from_image(image, reviewed={API})
    # Written, even when equal to the default.
    assert _field(tree, "acme.api.v1.User.name").json_name == "name"
    assert _field(tree, "acme.api.v1.User.email").json_name == "mail"
    # buf fills in displayName; it was not written.
    display = _field(tree, "acme.api.v1.User.display_name")
    assert display.json_name is None and display.effective_json_name == "displayName"


def test_maps_synthetic_oneofs_and_presence(image: bytes) -> None:
    tree = tree_from_image(image, reviewed={API})
    user = tree.message("acme.api.v1.User")
    assert user is not None
    assert user.messages == []  # FriendsEntry is hidden
    friends = _field(tree, "acme.api.v1.User.friends")
    assert (friends.type_kind, friends.map_key_type, friends.map_value_type) == (
        TypeKind.MAP,
        "string",
        "acme.api.v1.User",
    )
    assert [o.name for o in user.oneofs] == ["contact"]  # not `_age`
    age = _field(tree, "acme.api.v1.User.age")
    assert age.proto3_optional and age.presence == Presence.EXPLICIT and age.oneof is None
    assert _field(tree, "acme.api.v1.User.phone").oneof == "contact"


def test_locations_and_comments_come_from_source_info(image: bytes) -> None:
    tree = tree_from_image(image, reviewed={API})
    user = tree.message("acme.api.v1.User")
    assert user is not None
    assert user.comments.leading == "A user."
    assert user.location == Location(file=API, line=10, column=1, end_line=17, end_column=1)


def test_dependencies_skip_source_info_unless_asked(image: bytes) -> None:
    light = tree_from_image(image, reviewed={API})
    full = tree_from_image(image, reviewed={API}, full_dependencies=True)
    assert light.message("acme.api.v1.Limit").location.line == 0
    assert full.message("acme.api.v1.Limit").location.line == 4


def test_image_without_custom_options(tmp_path: Path) -> None:
    text = 'syntax = "proto3"; package p; message A { int32 x = 1; }'
    root = tmp_path / "m"
    root.mkdir()
    (root / "buf.yaml").write_text("version: v2\n")
    (root / "a.proto").write_text(text)
    tree = tree_from_image(build_image(root))
    assert tree.message("p.A") is not None and tree.dependency_files == []


@pytest.mark.parametrize("data", [b"\xff\xff\xff", b"\x0a\x10abc", b"not an image"])
def test_corrupt_image_raises(data: bytes) -> None:
    with pytest.raises(ProtoParseError, match="not a buf image"):
        tree_from_image(data)


def test_options_defined_through_a_public_reexport_of_descriptor_proto(tmp_path: Path) -> None:
    files = {
        "x/reexport.proto": 'syntax = "proto3"; import public "google/protobuf/descriptor.proto";',
        "x/opts.proto": (
            'syntax = "proto3"; package x; import "x/reexport.proto";'
            " extend google.protobuf.FieldOptions { string note = 51234; }"
        ),
        "x/use.proto": (
            'syntax = "proto3"; package x; import "x/opts.proto";'
            ' message M { int32 a = 1 [(note) = "hi"]; }'
        ),
    }
    tree = tree_from_image(build_image(write_module(tmp_path / "m", files)))
    assert _field(tree, "x.M.a").options == {"x.note": "hi"}
