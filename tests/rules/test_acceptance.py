"""The acceptance table of issue 2, end to end on .proto text, with our engine alone.

Each blocking change must produce exactly the named findings (rule and element) from the
wire/JSON/source families, and each harmless change none at all.
"""

from __future__ import annotations

import pytest

from compat_checker.rules.registry import all_rules

from ._harness import diff, fired

OUR_MODULES = {f"compat_checker.rules.{name}" for name in ("wire", "json", "source")}
OURS = [r for r in all_rules().values() if r.check.__module__ in OUR_MODULES]

PKG = "acme.todo.v1"
TASK = f"{PKG}.Task"
STATUS = f"{PKG}.Status"
SVC = f"{PKG}.TaskService"

API = f"""\
// file: acme/todo/v1/todo.proto
syntax = "proto3";

package {PKG};

import "acme/todo/v1/label.proto";

// A task on someone's list.
message Task {{
  string id = 1;
  // What to do.
  string title = 2;
  int32 priority = 3;
  repeated string labels = 4;
  Status status = 5;
  oneof assignee {{
    string user_id = 6;
    string team_id = 7;
  }}
  string note = 8;
  string due_date = 9 [json_name = "due"];
  Label label = 10;
  reserved 15, 20 to 25;
  reserved "legacy";
}}

enum Status {{
  STATUS_UNSPECIFIED = 0;
  STATUS_OPEN = 1;
  STATUS_DONE = 2;
  reserved 9;
  reserved "STATUS_GONE";
}}

enum Priority {{
  PRIORITY_UNSPECIFIED = 0;
}}

message Comment {{
  string text = 1;
}}

message GetTaskRequest {{
  string id = 1;
}}

message WatchTasksRequest {{
  string filter = 1;
}}

service TaskService {{
  rpc GetTask(GetTaskRequest) returns (Task);
  rpc WatchTasks(WatchTasksRequest) returns (stream Task);
}}

service AuditService {{
  rpc GetTask(GetTaskRequest) returns (Task);
}}
// file: acme/todo/v1/label.proto
syntax = "proto3";

package {PKG};

message Label {{
  string name = 1;
}}
"""

PROTO2 = """\
syntax = "proto2";

package acme.legacy.v1;

message Record {
  required string id = 1;
  optional string note = 2;
  extensions 100 to 199;
}
"""
RECORD = "acme.legacy.v1.Record"


def edit(old: str, new: str, text: str = API) -> str:
    assert old in text, old
    return text.replace(old, new, 1)


BLOCKS = [
    ("field removed", API, edit("  string note = 8;\n", ""), {("FIELD_REMOVED", f"{TASK}.note")}),
    (
        "field removed, number reserved",
        API,
        edit("  string note = 8;\n", "  reserved 8;\n"),
        {("FIELD_REMOVED_NUMBER_RESERVED", f"{TASK}.note")},
    ),
    (
        "field removed, number and name reserved",
        API,
        edit("  string note = 8;\n", '  reserved 8;\n  reserved "note";\n'),
        {("FIELD_REMOVED_RESERVED", f"{TASK}.note")},
    ),
    (
        "type int32 to string",
        API,
        edit("int32 priority", "string priority"),
        {("FIELD_TYPE_CHANGED", f"{TASK}.priority")},
    ),
    (
        "type int32 to int64",
        API,
        edit("int32 priority", "int64 priority"),
        {("FIELD_TYPE_CHANGED_JSON", f"{TASK}.priority")},
    ),
    (
        "type string to bytes",
        API,
        edit("string title", "bytes title"),
        {("FIELD_TYPE_CHANGED_JSON", f"{TASK}.title")},
    ),
    (
        "type message to another message",
        API,
        edit("Label label = 10", "Comment label = 10"),
        {("FIELD_TYPE_CHANGED", f"{TASK}.label")},
    ),
    (
        "type enum to int32",
        API,
        edit("Status status = 5", "int32 status = 5"),
        {("FIELD_TYPE_CHANGED_JSON", f"{TASK}.status")},
    ),
    (
        "field number changed",
        API,
        edit("string note = 8", "string note = 11"),
        {("FIELD_NUMBER_CHANGED", f"{TASK}.note")},
    ),
    (
        "field renamed",
        API,
        edit("string note = 8", "string remark = 8"),
        {("FIELD_RENAMED", f"{TASK}.remark")},
    ),
    (
        "field renamed keeping its JSON name",
        API,
        edit("string note = 8", 'string remark = 8 [json_name = "note"]'),
        {("FIELD_RENAMED_SOURCE", f"{TASK}.remark")},
    ),
    (
        "json_name changed",
        API,
        edit('json_name = "due"', 'json_name = "dueDate2"'),
        {("FIELD_JSON_NAME_CHANGED", f"{TASK}.due_date")},
    ),
    (
        "json_name removed",
        API,
        edit(' [json_name = "due"]', ""),
        {("FIELD_JSON_NAME_CHANGED", f"{TASK}.due_date")},
    ),
    (
        "enum value removed",
        API,
        edit("  STATUS_DONE = 2;\n", ""),
        {("ENUM_VALUE_REMOVED", f"{STATUS}.STATUS_DONE")},
    ),
    (
        "enum value renamed",
        API,
        edit("STATUS_DONE = 2", "STATUS_FINISHED = 2"),
        {("ENUM_VALUE_RENAMED", f"{STATUS}.STATUS_FINISHED")},
    ),
    (
        "enum value number changed",
        API,
        edit("STATUS_DONE = 2", "STATUS_DONE = 3"),
        {("ENUM_VALUE_NUMBER_CHANGED", f"{STATUS}.STATUS_DONE")},
    ),
    (
        "rpc removed",
        API,
        edit("  rpc WatchTasks(WatchTasksRequest) returns (stream Task);\n", ""),
        {("RPC_REMOVED", f"{SVC}.WatchTasks")},
    ),
    (
        "rpc request type changed",
        API,
        edit(
            "GetTask(GetTaskRequest) returns (Task);\n  rpc Watch",
            "GetTask(WatchTasksRequest) returns (Task);\n  rpc Watch",
        ),
        {("RPC_REQUEST_TYPE_CHANGED", f"{SVC}.GetTask")},
    ),
    (
        "rpc response type changed",
        API,
        edit("returns (Task);\n  rpc Watch", "returns (Comment);\n  rpc Watch"),
        {("RPC_RESPONSE_TYPE_CHANGED", f"{SVC}.GetTask")},
    ),
    (
        "rpc made client streaming",
        API,
        edit(
            "rpc GetTask(GetTaskRequest) returns (Task);\n  rpc Watch",
            "rpc GetTask(stream GetTaskRequest) returns (Task);\n  rpc Watch",
        ),
        {("RPC_CLIENT_STREAMING_CHANGED", f"{SVC}.GetTask")},
    ),
    (
        "rpc made server streaming",
        API,
        edit("returns (Task);\n  rpc Watch", "returns (stream Task);\n  rpc Watch"),
        {("RPC_SERVER_STREAMING_CHANGED", f"{SVC}.GetTask")},
    ),
    (
        "rpc streaming removed",
        API,
        edit("returns (stream Task)", "returns (Task)"),
        {("RPC_SERVER_STREAMING_CHANGED", f"{SVC}.WatchTasks")},
    ),
    (
        "singular string to repeated",
        API,
        edit("string note = 8", "repeated string note = 8"),
        {("FIELD_CARDINALITY_CHANGED_JSON", f"{TASK}.note")},
    ),
    (
        "singular int32 to repeated (packed)",
        API,
        edit("int32 priority", "repeated int32 priority"),
        {("FIELD_CARDINALITY_CHANGED", f"{TASK}.priority")},
    ),
    (
        "repeated to singular",
        API,
        edit("repeated string labels", "string labels"),
        {("FIELD_CARDINALITY_CHANGED_JSON", f"{TASK}.labels")},
    ),
    (
        "field moved into an existing oneof",
        API,
        edit(
            "    string team_id = 7;\n  }\n  string note = 8;\n",
            "    string team_id = 7;\n    string note = 8;\n  }\n",
        ),
        {("FIELD_ONEOF_CHANGED", f"{TASK}.note")},
    ),
    (
        "field moved out of a oneof",
        API,
        edit("    string team_id = 7;\n  }\n", "  }\n  string team_id = 7;\n"),
        {("FIELD_ONEOF_CHANGED", f"{TASK}.team_id")},
    ),
    (
        "package renamed",
        API,
        API.replace("package acme.todo.v1;", "package acme.todo.v2;"),
        {
            ("FILE_PACKAGE_CHANGED", "acme/todo/v1/todo.proto"),
            ("FILE_PACKAGE_CHANGED", "acme/todo/v1/label.proto"),
        },
    ),
    (
        "message removed",
        API,
        edit("message Comment {\n  string text = 1;\n}\n\n", ""),
        {("MESSAGE_REMOVED", f"{PKG}.Comment")},
    ),
    (
        "enum removed",
        API,
        edit("enum Priority {\n  PRIORITY_UNSPECIFIED = 0;\n}\n\n", ""),
        {("ENUM_REMOVED", f"{PKG}.Priority")},
    ),
    (
        "service removed",
        API,
        edit("service AuditService {\n  rpc GetTask(GetTaskRequest) returns (Task);\n}\n", ""),
        {("SERVICE_REMOVED", f"{PKG}.AuditService")},
    ),
    (
        "file deleted",
        API.replace("  Label label = 10;\n", '  reserved 10;\n  reserved "label";\n').replace(
            'import "acme/todo/v1/label.proto";\n\n', ""
        ),
        API.replace("  Label label = 10;\n", '  reserved 10;\n  reserved "label";\n')
        .replace('import "acme/todo/v1/label.proto";\n\n', "")
        .split("// file: acme/todo/v1/label.proto")[0],
        {("FILE_REMOVED", "acme/todo/v1/label.proto")},
    ),
    (
        "proto3 optional added (presence)",
        API,
        edit("int32 priority", "optional int32 priority"),
        {("FIELD_PRESENCE_CHANGED", f"{TASK}.priority")},
    ),
    (
        "proto3 optional removed (presence)",
        edit("int32 priority", "optional int32 priority"),
        API,
        {("FIELD_PRESENCE_CHANGED", f"{TASK}.priority")},
    ),
    (
        "proto2 required added",
        PROTO2,
        edit(
            "  optional string note = 2;\n",
            "  optional string note = 2;\n  required string owner = 3;\n",
            PROTO2,
        ),
        {("FIELD_REQUIRED_CHANGED", f"{RECORD}.owner")},
    ),
    (
        "proto2 required removed (made optional)",
        PROTO2,
        edit("required string id", "optional string id", PROTO2),
        {("FIELD_REQUIRED_CHANGED", f"{RECORD}.id")},
    ),
    (
        "proto2 field made required",
        PROTO2,
        edit("optional string note", "required string note", PROTO2),
        {("FIELD_REQUIRED_CHANGED", f"{RECORD}.note")},
    ),
    (
        "reserved range removed",
        API,
        edit("reserved 15, 20 to 25;", "reserved 15, 20 to 22;"),
        {("MESSAGE_RESERVED_REMOVED", TASK)},
    ),
    (
        "reserved name removed",
        API,
        edit('  reserved "legacy";\n', ""),
        {("MESSAGE_RESERVED_REMOVED", TASK)},
    ),
    (
        "enum reserved number removed",
        API,
        edit("  reserved 9;\n", ""),
        {("ENUM_RESERVED_REMOVED", STATUS)},
    ),
    (
        "extension range shrunk",
        PROTO2,
        edit("extensions 100 to 199", "extensions 100 to 150", PROTO2),
        {("MESSAGE_EXTENSION_RANGE_REMOVED", RECORD)},
    ),
]

PASSES = [
    ("field added", edit("  string note = 8;\n", "  string note = 8;\n  string summary = 11;\n")),
    (
        "enum value added",
        edit("  STATUS_DONE = 2;\n", "  STATUS_DONE = 2;\n  STATUS_BLOCKED = 3;\n"),
    ),
    (
        "rpc added",
        edit(
            "  rpc WatchTasks", "  rpc DeleteTask(GetTaskRequest) returns (Task);\n  rpc WatchTasks"
        ),
    ),
    (
        "message added",
        API.replace(
            "message Comment {", "message Attachment {\n  string url = 1;\n}\n\nmessage Comment {"
        ),
    ),
    (
        "service added",
        API + "\nservice LabelService {\n  rpc GetLabel(Label) returns (Label);\n}\n",
    ),
    (
        "file added",
        API
        + '// file: acme/todo/v1/extra.proto\nsyntax = "proto3";\n\npackage acme.todo.v1;\n\nmessage Extra {\n  string x = 1;\n}\n',
    ),
    (
        "comment edited",
        edit("// What to do.", "// What to do, in one line.").replace(
            "// A task on someone's list.", "// A task."
        ),
    ),
    (
        "declarations reordered",
        edit(
            "message Comment {\n  string text = 1;\n}\n\nmessage GetTaskRequest {\n  string id = 1;\n}\n",
            "message GetTaskRequest {\n  string id = 1;\n}\n\nmessage Comment {\n  string text = 1;\n}\n",
        ).replace(
            "  string id = 1;\n  // What to do.\n  string title = 2;\n",
            "  // What to do.\n  string title = 2;\n  string id = 1;\n",
        ),
    ),
    ("reserved range added", edit("reserved 15, 20 to 25;", "reserved 15, 16, 20 to 30;")),
    ("reserved name added", edit('reserved "legacy";', 'reserved "legacy", "older";')),
    (
        "reformatted",
        API.replace("  string id = 1;\n", "  string   id   =   1 ;\n\n\n").replace(
            "{\n  STATUS_UNSPECIFIED", "{ STATUS_UNSPECIFIED"
        ),
    ),
    ("field deprecated", edit("string note = 8;", "string note = 8 [deprecated = true];")),
    (
        "default json_name made explicit",
        edit("string note = 8;", 'string note = 8 [json_name = "note"];'),
    ),
    (
        "oneof gains a member",
        edit("    string team_id = 7;\n", "    string team_id = 7;\n    string group_id = 12;\n"),
    ),
]


@pytest.mark.parametrize(
    ("name", "before", "after", "expected"), BLOCKS, ids=[b[0] for b in BLOCKS]
)
def test_blocks(name: str, before: str, after: str, expected: set[tuple[str, str]]) -> None:
    assert fired(before, after, rules=OURS) == expected


@pytest.mark.parametrize(("name", "after"), PASSES, ids=[p[0] for p in PASSES])
def test_passes(name: str, after: str) -> None:
    assert fired(API, after, rules=OURS) == set()


def test_every_block_is_breaking() -> None:
    for name, before, after, _ in BLOCKS:
        changes = diff(before, after, rules=OURS)
        assert changes and all(c.is_breaking for c in changes), name
