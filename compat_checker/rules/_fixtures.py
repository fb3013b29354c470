"""Fixture files shared by the validation, google.api, behaviour and semantic rules."""

from __future__ import annotations

PGV = "validate/validate.proto"
PROTOVALIDATE = "buf/validate/validate.proto"
FIELD_BEHAVIOR = "google/api/field_behavior.proto"
ANNOTATIONS = "google/api/annotations.proto"
RESOURCE = "google/api/resource.proto"

# A request message reachable from an RPC, so that request-side judgements apply.
SERVICE = """
service TaskService {
  rpc CreateTask(CreateTaskRequest) returns (Task);
}
"""


def proto3_file(body: str, *imports: str, package: str = "acme.v1") -> str:
    """A complete proto3 file: syntax, package, the imports it needs, then ``body``."""
    lines = ['syntax = "proto3";', "", f"package {package};", ""]
    if imports:
        lines.extend(f'import "{path}";' for path in imports)
        lines.append("")
    lines.append(body.strip())
    return "\n".join(lines) + "\n"


def with_service(body: str, *imports: str) -> str:
    """``body`` behind a TaskService whose CreateTask takes CreateTaskRequest."""
    return proto3_file(SERVICE + "\n" + body.strip(), *imports)
