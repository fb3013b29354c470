"""buf: images, build errors, breaking findings mapped to repo paths (the real buf binary)."""

from __future__ import annotations

import json
import shutil
import subprocess
import textwrap
import time
from pathlib import Path

import pytest
from google.protobuf import descriptor_pb2

from compat_checker.buf import BufBuild, BufFinding, BufRunner, BufUnavailable
from compat_checker.config import BufBreakingConfig
from compat_checker.errors import GateError
from compat_checker.gitsource import load_change
from compat_checker.modules import discover_layouts

from .conftest import GitRepo, proto

pytestmark = pytest.mark.skipif(not BufRunner().available, reason="buf binary not installed")

TODO = """syntax = "proto3";

package acme.todo.v1;

import "acme/todo/v1/types.proto";

// A thing to do.
message Todo {
  string id = 1;
  string title = 2;
  Priority priority = 3;
  repeated string tags = 4;
}

service TodoService {
  rpc GetTodo(GetTodoRequest) returns (Todo);
  rpc DeleteTodo(GetTodoRequest) returns (Todo);
}

message GetTodoRequest {
  string id = 1;
}
"""
TYPES = """syntax = "proto3";

package acme.todo.v1;

enum Priority {
  PRIORITY_UNSPECIFIED = 0;
  PRIORITY_LOW = 1;
  PRIORITY_HIGH = 2;
}
"""
LEGACY = proto("acme.legacy.v1", "message Old {\n  string a = 1;\n  string b = 2;\n}")


@pytest.fixture(scope="module")
def runner() -> BufRunner:
    return BufRunner(timeout=60)


def _tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text).lstrip("\n") if rel.endswith(".yaml") else text)
    return root


def _base_files(
    buf_yaml: str | None = "version: v2\nmodules:\n  - path: proto\n",
) -> dict[str, str]:
    files = {
        "proto/acme/todo/v1/todo.proto": TODO,
        "proto/acme/todo/v1/types.proto": TYPES,
        "proto/acme/legacy/v1/legacy.proto": LEGACY,
    }
    if buf_yaml is not None:
        files["buf.yaml"] = buf_yaml
    return files


def _builds(runner: BufRunner, base: Path, head: Path) -> tuple[BufBuild, BufBuild]:
    base_layout, head_layout = discover_layouts(base, head)
    base_build, head_build = runner.build_pair(base, base_layout, head, head_layout)
    assert base_build.ok, base_build.error
    assert head_build.ok, head_build.error
    return base_build, head_build


def _line_of(text: str, needle: str) -> int:
    return next(i for i, line in enumerate(text.splitlines(), 1) if needle in line)


def test_build_image_has_source_info_and_imports(runner: BufRunner, tmp_path: Path) -> None:
    files = _base_files()
    files["proto/acme/todo/v1/http.proto"] = proto(
        "acme.todo.v1",
        'service Http {\n  rpc Get(google.protobuf.Empty) returns (google.protobuf.Empty) {\n    option (google.api.http) = {get: "/v1/x"};\n  }\n}',
        ("google/api/annotations.proto", "google/protobuf/empty.proto"),
    )
    root = _tree(tmp_path / "snap", files)
    build = runner.build(root)
    assert build.ok and build.error is None and build.duration > 0
    image = descriptor_pb2.FileDescriptorSet.FromString(build.image or b"")
    names = {f.name for f in image.file}
    # Module paths (import paths), imports included: googleapis from the package, WKT from buf.
    assert {
        "acme/todo/v1/todo.proto",
        "acme/todo/v1/types.proto",
        "acme/todo/v1/http.proto",
    } <= names
    assert {
        "google/api/annotations.proto",
        "google/api/http.proto",
        "google/protobuf/empty.proto",
    } <= names
    todo = next(f for f in image.file if f.name == "acme/todo/v1/todo.proto")
    assert todo.source_code_info.location, "source info is kept"
    assert any("A thing to do." in loc.leading_comments for loc in todo.source_code_info.location)
    assert build.layout is not None and build.layout.roots == ["proto"]


def test_build_of_an_empty_snapshot_is_an_empty_image(runner: BufRunner, tmp_path: Path) -> None:
    build = runner.build(_tree(tmp_path / "empty", {"README.md": "x"}))
    assert build.ok and build.image == b""


def test_compile_error_is_reported_with_repo_path_and_line(
    runner: BufRunner, tmp_path: Path
) -> None:
    files = _base_files()
    files["proto/acme/todo/v1/todo.proto"] = TODO.replace("string title = 2;", "strin title = 2;")
    build = runner.build(_tree(tmp_path / "snap", files))
    line = _line_of(files["proto/acme/todo/v1/todo.proto"], "strin title")
    assert build.diagnostics[0].repo_path == "proto/acme/todo/v1/todo.proto"
    assert build.diagnostics[0].line == line
    # The broken file is left out; the rest of the snapshot still builds.
    assert build.ok and build.left_out == ("proto/acme/todo/v1/todo.proto",)
    assert build.note is not None and f"proto/acme/todo/v1/todo.proto:{line}:" in build.note


@pytest.mark.parametrize("lock_dir", [".", "proto"])
def test_remote_deps_offline_fail_fast_without_network(
    runner: BufRunner, tmp_path: Path, lock_dir: str
) -> None:
    # A buf.lock makes buf contact the BSR when it sees it; protoguard's workspace has none,
    # so the build fails at once on the missing import instead of hanging on the network.
    files = {
        "buf.yaml": "version: v2\nmodules:\n  - path: proto\ndeps:\n  - buf.build/bufbuild/protovalidate\n",
        "proto/acme/v1/a.proto": proto(
            "acme.v1",
            "message A {\n  string id = 1 [(buf.validate.field).string.min_len = 1];\n}",
            ("buf/validate/validate.proto",),
        ),
        f"{lock_dir}/buf.lock": textwrap.dedent(
            """\
            # Generated by buf. DO NOT EDIT.
            version: v2
            deps:
              - name: buf.build/bufbuild/protovalidate
                commit: 6c6e0d3c608e4549802254a2eee81bc8
                digest: b5:a7ca081f38656fc0f5aaa685cc111d3342876723851b47ca6b80cbb810cbb2380f8c444115c495ada58fa1f85eff44e68dc54a445761c195acdb5e8d9af675b6
            """
        ),
    }
    root = _tree(tmp_path / "snap", files)
    quick = BufRunner(timeout=20)
    started = time.monotonic()
    build = quick.build(root)
    assert time.monotonic() - started < 10
    assert not build.ok
    assert build.error is not None
    assert 'import "buf/validate/validate.proto" not found' in build.error
    assert "buf.build/bufbuild/protovalidate" in build.error and "offline" in build.error


def test_breaking_findings_have_repo_paths_and_head_lines(
    runner: BufRunner, tmp_path: Path
) -> None:
    base = _tree(tmp_path / "base", _base_files())
    head_todo = TODO.replace("string title = 2;", "int64 title = 2;").replace(
        "  rpc DeleteTodo(GetTodoRequest) returns (Todo);\n", ""
    )
    head_files = _base_files()
    head_files["proto/acme/todo/v1/todo.proto"] = head_todo
    del head_files["proto/acme/legacy/v1/legacy.proto"]
    head = _tree(tmp_path / "head", head_files)
    base_build, head_build = _builds(runner, base, head)
    findings = runner.breaking(head_build, base_build, head_build.layout, None)
    by_rule = {f.rule: f for f in findings}
    assert set(by_rule) == {"FIELD_SAME_TYPE", "RPC_NO_DELETE", "FILE_NO_DELETE"}
    same_type = by_rule["FIELD_SAME_TYPE"]
    assert same_type.repo_path == "proto/acme/todo/v1/todo.proto"
    assert same_type.module_path == "acme/todo/v1/todo.proto"
    assert same_type.line == _line_of(head_todo, "int64 title") and same_type.column == 3
    assert by_rule["RPC_NO_DELETE"].repo_path == "proto/acme/todo/v1/todo.proto"
    assert by_rule["RPC_NO_DELETE"].line == _line_of(head_todo, "service TodoService")
    deleted = by_rule["FILE_NO_DELETE"]
    assert deleted.repo_path == "proto/acme/legacy/v1/legacy.proto" and deleted.line == 0


def _dir_breaking(base: Path, head: Path, buf_yaml: str) -> set[tuple[str, str, int, int, str]]:
    """`buf breaking DIR --against DIR` on copies with the given buf.yaml: the reference."""
    copies = []
    for side in (base, head):
        copy = side.parent / f"{side.name}-dir"
        shutil.copytree(side, copy)
        (copy / "buf.yaml").write_text(buf_yaml)
        copies.append(copy)
    binary = str(BufRunner().binary)
    proc = subprocess.run(
        [binary, "breaking", ".", "--against", str(copies[0]), "--error-format", "json"],
        cwd=copies[1],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode in (0, 100), proc.stderr
    result = set()
    for line in proc.stdout.splitlines():
        item = json.loads(line)
        path = item.get("path", "")
        start = item.get("start_line", 0) if path else 0
        column = item.get("start_column", 0) if path else 0
        result.add((path, item["type"], start, column, item["message"]))
    return result


def _as_set(findings: list[BufFinding]) -> set[tuple[str, str, int, int, str]]:
    # buf names no path for deleted files in either mode; compare on the message then.
    return {(f.repo_path if f.line else "", f.rule, f.line, f.column, f.message) for f in findings}


EQUIVALENCE_CASES = {
    "field type and rpc removed": lambda files: files.update(
        {
            "proto/acme/todo/v1/todo.proto": TODO.replace(
                "string title = 2;", "bytes title = 2;"
            ).replace("  rpc DeleteTodo(GetTodoRequest) returns (Todo);\n", "")
        }
    ),
    "enum value and field removed, number reused": lambda files: files.update(
        {
            "proto/acme/todo/v1/types.proto": TYPES.replace("  PRIORITY_HIGH = 2;\n", ""),
            "proto/acme/todo/v1/todo.proto": TODO.replace(
                "repeated string tags = 4;", "string owner = 4;"
            ),
        }
    ),
    "file deleted and message renamed": lambda files: (
        files.pop("proto/acme/legacy/v1/legacy.proto"),
        files.update(
            {"proto/acme/todo/v1/todo.proto": TODO.replace("GetTodoRequest", "FetchTodoRequest")}
        ),
    ),
}


@pytest.mark.parametrize("case", sorted(EQUIVALENCE_CASES))
@pytest.mark.parametrize(
    "buf_yaml",
    [
        "version: v2\nmodules:\n  - path: proto\n",
        "version: v2\nmodules:\n  - path: proto\nbreaking:\n  use: [WIRE_JSON]\n",
        "version: v2\nmodules:\n  - path: proto\nbreaking:\n  use: [FILE]\n  except: [FIELD_SAME_TYPE, FIELD_SAME_CARDINALITY]\n  ignore: [proto/acme/legacy]\n",
    ],
    ids=["FILE", "WIRE_JSON", "except+ignore"],
)
def test_breaking_on_images_equals_breaking_on_directories(
    runner: BufRunner, tmp_path: Path, case: str, buf_yaml: str
) -> None:
    base_files = _base_files(buf_yaml)
    head_files = dict(base_files)
    EQUIVALENCE_CASES[case](head_files)
    base = _tree(tmp_path / "base", base_files)
    head = _tree(tmp_path / "head", head_files)
    base_build, head_build = _builds(runner, base, head)
    ours = runner.breaking(head_build, base_build, head_build.layout, None)
    assert ours, "every case breaks something"
    assert _as_set(ours) == _dir_breaking(base, head, buf_yaml)


def test_v1_buf_yaml_in_subdirectory_matches_directory_mode(
    runner: BufRunner, tmp_path: Path
) -> None:
    buf_yaml = "version: v1\nbreaking:\n  use: [FILE]\n  except: [FIELD_SAME_TYPE]\n  ignore: [acme/legacy]\n"
    base_files = _base_files(None)
    base_files["proto/buf.yaml"] = buf_yaml
    head_files = dict(base_files)
    head_files["proto/acme/todo/v1/todo.proto"] = TODO.replace(
        "string title = 2;", "bytes title = 2;"
    ).replace("repeated string tags = 4;", "")
    head_files["proto/acme/legacy/v1/legacy.proto"] = LEGACY.replace("  string b = 2;\n", "")
    base = _tree(tmp_path / "base", base_files)
    head = _tree(tmp_path / "head", head_files)
    base_build, head_build = _builds(runner, base, head)
    assert head_build.layout is not None and head_build.layout.source == "buf.yaml v1"
    ours = {
        (f.repo_path, f.rule, f.line) for f in runner.breaking(head_build, base_build, None, None)
    }
    proc = subprocess.run(
        [
            str(runner.binary),
            "breaking",
            "proto",
            "--against",
            str(base / "proto"),
            "--error-format",
            "json",
        ],
        cwd=head,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    reference = {
        (item["path"], item["type"], item["start_line"])
        for item in map(json.loads, proc.stdout.splitlines())
    }
    expected = {
        ("proto/acme/todo/v1/todo.proto", "FIELD_NO_DELETE", _line_of(TODO, "message Todo"))
    }
    assert ours == reference == expected


def test_vendored_imports_build(runner: BufRunner, tmp_path: Path) -> None:
    import google.api.annotations_pb2 as annotations

    files = {
        "buf.yaml": "version: v1\n",
        "acme/v1/a.proto": proto(
            "acme.v1",
            "message A {\n  string id = 1 [(validate.rules).string.min_len = 1];\n"
            "  string name = 2 [(buf.validate.field).string.min_len = 1];\n}",
            (
                "validate/validate.proto",
                "buf/validate/validate.proto",
                "google/api/annotations.proto",
            ),
        ),
        "third_party/validate/validate.proto": proto(
            "validate",
            "extend google.protobuf.FieldOptions { FieldRules rules = 1071; }\n"
            "message FieldRules { StringRules string = 14; }\n"
            "message StringRules { uint64 min_len = 2; }",
            ("google/protobuf/descriptor.proto",),
        ),
        "third_party/buf/validate/validate.proto": proto(
            "buf.validate",
            "extend google.protobuf.FieldOptions { FieldRules field = 1159; }\n"
            "message FieldRules { StringRules string = 14; }\n"
            "message StringRules { uint64 min_len = 2; }",
            ("google/protobuf/descriptor.proto",),
        ),
        # Vendored but incomplete: its own import google/api/http.proto comes from the package.
        "third_party/google/api/annotations.proto": (
            Path(annotations.__file__).parent / "annotations.proto"
        ).read_text(),
    }
    build = runner.build(_tree(tmp_path / "snap", files))
    assert build.ok, build.error
    assert build.layout is not None and build.layout.roots == [".", "third_party"]
    assert set(build.layout.extra_files) == {"google/api/http.proto"}
    image = descriptor_pb2.FileDescriptorSet.FromString(build.image or b"")
    assert "google/api/http.proto" in {f.name for f in image.file}


def test_ignore_and_except_from_buf_yaml_and_protoguard_config(
    runner: BufRunner, tmp_path: Path
) -> None:
    base = _tree(tmp_path / "base", _base_files())
    head_files = _base_files()
    head_files["proto/acme/todo/v1/todo.proto"] = TODO.replace(
        "string title = 2;", "int64 title = 2;"
    )
    head_files["proto/acme/legacy/v1/legacy.proto"] = LEGACY.replace("  string b = 2;\n", "")
    head = _tree(tmp_path / "head", head_files)
    base_build, head_build = _builds(runner, base, head)

    def rules(config: BufBreakingConfig | None) -> set[tuple[str, str]]:
        return {
            (f.repo_path, f.rule) for f in runner.breaking(head_build, base_build, None, config)
        }

    everything = {
        ("proto/acme/todo/v1/todo.proto", "FIELD_SAME_TYPE"),
        ("proto/acme/legacy/v1/legacy.proto", "FIELD_NO_DELETE"),
    }
    assert rules(None) == everything
    # protoguard.yaml buf.breaking: repo-relative ignore paths, file or directory, and except.
    assert rules(BufBreakingConfig(ignore=["proto/acme/legacy"])) == {
        ("proto/acme/todo/v1/todo.proto", "FIELD_SAME_TYPE")
    }
    assert rules(BufBreakingConfig(ignore=["proto/acme/legacy/v1/legacy.proto"])) == {
        ("proto/acme/todo/v1/todo.proto", "FIELD_SAME_TYPE")
    }
    assert rules(BufBreakingConfig(except_=["FIELD_SAME_TYPE"])) == {
        ("proto/acme/legacy/v1/legacy.proto", "FIELD_NO_DELETE")
    }
    assert rules(BufBreakingConfig(ignore=["proto"])) == set()  # the whole module
    assert rules(BufBreakingConfig(ignore=["."])) == set()


def test_per_module_breaking_config_of_buf_yaml_v2(runner: BufRunner, tmp_path: Path) -> None:
    buf_yaml = textwrap.dedent(
        """\
        version: v2
        modules:
          - path: proto
          - path: legacy
            breaking:
              use: [FILE]
              ignore: [legacy/acme/legacy/v1/legacy.proto]
        breaking:
          use: [FILE]
          ignore_only:
            FIELD_SAME_TYPE: [proto/acme/todo/v1/todo.proto]
        """
    )
    files = {
        "buf.yaml": buf_yaml,
        "proto/acme/todo/v1/todo.proto": TODO,
        "proto/acme/todo/v1/types.proto": TYPES,
        "legacy/acme/legacy/v1/legacy.proto": LEGACY,
        "legacy/acme/legacy/v1/other.proto": proto(
            "acme.legacy.v1", "message Other {\n  string a = 1;\n}"
        ),
    }
    base = _tree(tmp_path / "base", files)
    head_files = dict(files)
    head_files["proto/acme/todo/v1/todo.proto"] = TODO.replace(
        "string title = 2;", "int64 title = 2;"
    ).replace("repeated string tags = 4;", "")
    head_files["legacy/acme/legacy/v1/legacy.proto"] = LEGACY.replace("  string b = 2;\n", "")
    head_files["legacy/acme/legacy/v1/other.proto"] = proto("acme.legacy.v1", "message Other {\n}")
    head = _tree(tmp_path / "head", head_files)
    base_build, head_build = _builds(runner, base, head)
    found = {(f.repo_path, f.rule) for f in runner.breaking(head_build, base_build, None, None)}
    assert found == {
        # FIELD_SAME_TYPE ignored for todo.proto by the top-level ignore_only
        ("proto/acme/todo/v1/todo.proto", "FIELD_NO_DELETE"),
        # legacy module: its own config ignores legacy.proto, other.proto still checked
        ("legacy/acme/legacy/v1/other.proto", "FIELD_NO_DELETE"),
    }
    assert found == _dir_reference_rules(base, head)


def _dir_reference_rules(base: Path, head: Path) -> set[tuple[str, str]]:
    binary = str(BufRunner().binary)
    proc = subprocess.run(
        [binary, "breaking", ".", "--against", str(base), "--error-format", "json"],
        cwd=head,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode in (0, 100), proc.stderr
    return {
        (json.loads(line)["path"], json.loads(line)["type"]) for line in proc.stdout.splitlines()
    }


def test_everything_deleted_and_nothing_before(runner: BufRunner, tmp_path: Path) -> None:
    base = _tree(tmp_path / "base", _base_files())
    head = _tree(tmp_path / "head", {"buf.yaml": "version: v2\nmodules:\n  - path: proto\n"})
    base_build, head_build = _builds(runner, base, head)
    assert head_build.image == b""
    deleted = runner.breaking(head_build, base_build, None, None)
    assert {(f.repo_path, f.rule) for f in deleted} == {
        ("proto/acme/todo/v1/todo.proto", "FILE_NO_DELETE"),
        ("proto/acme/todo/v1/types.proto", "FILE_NO_DELETE"),
        ("proto/acme/legacy/v1/legacy.proto", "FILE_NO_DELETE"),
    }
    assert runner.breaking(base_build, head_build, None, None) == []  # nothing existed before


def test_breaking_raises_when_buf_fails(runner: BufRunner, tmp_path: Path) -> None:
    root = _tree(tmp_path / "snap", _base_files())
    good = runner.build(root)
    corrupt = BufBuild(image=b"\xff\xff\xff not an image", layout=good.layout)
    with pytest.raises(GateError, match="buf breaking failed"):
        runner.breaking(good, corrupt, None, None)
    with pytest.raises(GateError, match="the base build failed"):
        runner.breaking(good, BufBuild(error="boom"), None, None)


def test_missing_binary_is_buf_unavailable(tmp_path: Path) -> None:
    missing = BufRunner(binary=tmp_path / "no-buf")
    assert not missing.available and missing.version is None
    with pytest.raises(BufUnavailable):
        missing.build(tmp_path)
    assert issubclass(BufUnavailable, GateError)


def test_runner_reports_version(runner: BufRunner) -> None:
    assert runner.version is not None and runner.version[0].isdigit()


def test_end_to_end_from_git_with_buf_work_yaml(runner: BufRunner, repo: GitRepo) -> None:
    repo.write("buf.work.yaml", "version: v1\ndirectories:\n  - proto\n  - vendor\n")
    repo.write("proto/buf.yaml", "version: v1\n")
    repo.write("proto/acme/todo/v1/todo.proto", TODO)
    repo.write("vendor/acme/todo/v1/types.proto", TYPES)
    repo.commit("base")
    repo.write(
        "vendor/acme/todo/v1/types.proto", TYPES.replace("PRIORITY_LOW = 1", "PRIORITY_MINOR = 1")
    )
    with load_change(repo.path, against="HEAD") as change:
        assert [f.path for f in change.files] == ["vendor/acme/todo/v1/types.proto"]
        base_layout, head_layout = discover_layouts(change.base.root, change.head.root)
        assert head_layout.source == "buf.work.yaml"
        base_build, head_build = runner.build_pair(
            change.base.root, base_layout, change.head.root, head_layout
        )
        findings = runner.breaking(head_build, base_build, head_layout, None)
    assert [(f.repo_path, f.rule, f.line) for f in findings] == [
        ("vendor/acme/todo/v1/types.proto", "ENUM_VALUE_SAME_NAME", _line_of(TYPES, "PRIORITY_LOW"))
    ]


def test_a_hanging_buf_is_killed_with_its_children(tmp_path: Path) -> None:
    fake = tmp_path / "buf"
    # Stands in for buf stuck on the network; the background child holds our pipes too.
    fake.write_text("#!/bin/sh\nsleep 60 &\nsleep 60\n")
    fake.chmod(0o755)
    root = _tree(tmp_path / "snap", _base_files())
    hanging = BufRunner(timeout=1, binary=fake)
    started = time.monotonic()
    build = hanging.build(root)
    assert build.error == "buf build timed out after 1s"
    with pytest.raises(GateError, match="buf breaking timed out after 1s"):
        hanging.breaking(
            BufBuild(image=b"x", layout=build.layout), BufBuild(image=b"y", layout=build.layout)
        )
    assert time.monotonic() - started < 15
