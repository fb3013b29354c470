"""modules: buf.yaml v1/v2, buf.work.yaml, inferred roots, vendored and googleapis imports."""

from __future__ import annotations

import textwrap
from pathlib import Path

from compat_checker.modules import discover_layout, discover_layouts, scan_proto

from .conftest import proto


def _tree(root: Path, files: dict[str, str]) -> Path:
    for rel, text in files.items():
        target = root / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(textwrap.dedent(text).lstrip("\n") if rel.endswith(".yaml") else text)
    return root


TODO = proto("acme.todo.v1", "message Todo { string id = 1; }")
TYPES = proto("acme.types.v1", "message Money { int64 cents = 1; }")


def test_buf_yaml_v1_at_root_with_excludes_and_breaking(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "buf.yaml": """
                version: v1
                name: buf.build/acme/api
                build:
                  excludes: [acme/internal]
                breaking:
                  use: [WIRE_JSON]
                  except: [FIELD_SAME_JSON_NAME]
                  ignore: [acme/legacy]
                  ignore_only:
                    FIELD_NO_DELETE: [acme/todo/v1/todo.proto]
                  ignore_unstable_packages: true
            """,
            "acme/todo/v1/todo.proto": TODO,
            "acme/internal/x.proto": proto("acme.internal", "message X {}"),
        },
    )
    layout = discover_layout(root)
    assert layout.source == "buf.yaml v1"
    assert layout.roots == ["."]
    assert layout.modules[0].excludes == ("acme/internal",)
    assert layout.breaking is not None
    assert layout.breaking.use == ["WIRE_JSON"]
    assert layout.breaking.except_ == ["FIELD_SAME_JSON_NAME"]
    assert layout.breaking.ignore == ["acme/legacy"]
    assert layout.breaking.ignore_unstable_packages is True
    assert layout.breaking_ignore_only == {"FIELD_NO_DELETE": ("acme/todo/v1/todo.proto",)}
    assert layout.to_module_path("acme/todo/v1/todo.proto") == "acme/todo/v1/todo.proto"
    assert layout.to_module_path("acme/internal/x.proto") is None  # excluded
    assert layout.has_remote_deps is False


def test_buf_yaml_v1_in_subdirectory(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "proto/buf.yaml": "version: v1\nbreaking:\n  use: [FILE]\n  ignore: [acme/old]\n",
            "proto/acme/todo/v1/todo.proto": TODO,
        },
    )
    layout = discover_layout(root)
    assert layout.source == "buf.yaml v1"
    assert layout.roots == ["proto"]
    # v1 ignore paths are module-relative; the layout keeps them repo-relative.
    assert layout.breaking is not None and layout.breaking.ignore == ["proto/acme/old"]
    assert layout.to_module_path("proto/acme/todo/v1/todo.proto") == "acme/todo/v1/todo.proto"
    assert layout.to_repo_path("acme/todo/v1/todo.proto") == "proto/acme/todo/v1/todo.proto"
    assert layout.to_repo_path("acme/new.proto", root="proto") == "proto/acme/new.proto"


def test_buf_yaml_v2_modules_and_per_module_breaking(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "buf.yaml": """
                version: v2
                modules:
                  - path: proto
                    excludes: [proto/acme/scratch]
                  - path: vendor
                    breaking:
                      use: [WIRE]
                      ignore: [vendor/acme/types/v1/old.proto]
                deps:
                  - buf.build/googleapis/googleapis
                breaking:
                  use: [FILE]
                  except: [FILE_SAME_GO_PACKAGE]
            """,
            "proto/acme/todo/v1/todo.proto": proto(
                "acme.todo.v1",
                "message Todo { acme.types.v1.Money m = 1; }",
                ("acme/types/v1/types.proto",),
            ),
            "proto/acme/scratch/s.proto": proto("acme.scratch", "message S {}"),
            "vendor/acme/types/v1/types.proto": TYPES,
        },
    )
    layout = discover_layout(root)
    assert layout.source == "buf.yaml v2"
    assert layout.roots == ["proto", "vendor"]
    assert layout.breaking is not None and layout.breaking.except_ == ["FILE_SAME_GO_PACKAGE"]
    proto_module, vendor_module = layout.modules
    assert proto_module.excludes == ("proto/acme/scratch",)
    assert layout.effective_breaking(proto_module)[0] == layout.breaking
    vendor_breaking, _ = layout.effective_breaking(vendor_module)
    assert vendor_breaking is not None and vendor_breaking.use == ["WIRE"]
    assert vendor_breaking.ignore == ["vendor/acme/types/v1/old.proto"]  # v2: relative to buf.yaml
    assert layout.has_remote_deps and layout.remote_deps == ("buf.build/googleapis/googleapis",)
    assert layout.unresolved_imports == {}
    assert layout.module_files["acme/types/v1/types.proto"] == "vendor/acme/types/v1/types.proto"


def test_buf_work_yaml_directories(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "buf.work.yaml": "version: v1\ndirectories:\n  - proto\n  - third_party\n",
            "proto/buf.yaml": "version: v1\nbreaking:\n  use: [PACKAGE]\n",
            "proto/acme/todo/v1/todo.proto": TODO,
            "third_party/acme/types/v1/types.proto": TYPES,
            "third_party/buf.yaml": "version: v1\ndeps: [buf.build/bufbuild/protovalidate]\n",
            "third_party/buf.lock": "version: v1\ndeps:\n  - remote: buf.build\n    owner: bufbuild\n    repository: protovalidate\n    commit: abc\n",
        },
    )
    layout = discover_layout(root)
    assert layout.source == "buf.work.yaml"
    assert layout.roots == ["proto", "third_party"]
    proto_breaking, _ = layout.effective_breaking(
        layout.module_for("proto/acme/todo/v1/todo.proto")
    )
    assert proto_breaking is not None and proto_breaking.use == ["PACKAGE"]
    assert layout.effective_breaking(layout.modules[1])[0] is None
    assert layout.remote_deps == ("buf.build/bufbuild/protovalidate",)
    assert set(layout.config_files) == {"buf.work.yaml", "proto/buf.yaml", "third_party/buf.yaml"}


def test_inferred_root_from_package_and_imports(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "proto/acme/todo/v1/todo.proto": proto(
                "acme.todo.v1",
                "message Todo { acme.types.v1.Money m = 1; }",
                ("acme/types/v1/types.proto",),
            ),
            "proto/acme/types/v1/types.proto": TYPES,
        },
    )
    layout = discover_layout(root)
    assert layout.source == "inferred"
    assert layout.roots == ["proto"]
    assert layout.unresolved_imports == {}
    assert layout.to_module_path("proto/acme/todo/v1/todo.proto") == "acme/todo/v1/todo.proto"


def test_inferred_root_from_imports_when_package_does_not_match(tmp_path: Path) -> None:
    # Packages unrelated to directories; the imports say the root is `schemas`.
    root = _tree(
        tmp_path,
        {
            "schemas/service.proto": proto(
                "svc", "message Req { common.Id id = 1; }", ("common.proto",)
            ),
            "schemas/common.proto": proto("common", "message Id { string v = 1; }"),
        },
    )
    layout = discover_layout(root)
    assert layout.roots == ["schemas"]
    assert layout.unresolved_imports == {}


def test_inferred_falls_back_to_repo_root(tmp_path: Path) -> None:
    root = _tree(tmp_path, {"api.proto": proto("company.api", "message A {}")})
    layout = discover_layout(root)
    assert layout.roots == ["."]
    assert layout.module_files == {"api.proto": "api.proto"}


def test_vendored_imports_resolve(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "buf.yaml": "version: v1\n",
            "acme/v1/a.proto": proto(
                "acme.v1",
                "message A { string id = 1; }",
                (
                    "validate/validate.proto",
                    "buf/validate/validate.proto",
                    "google/api/annotations.proto",
                ),
            ),
            "third_party/validate/validate.proto": proto("validate", "message FieldRules {}"),
            "third_party/buf/validate/validate.proto": proto(
                "buf.validate", "message FieldRules {}"
            ),
            "third_party/google/api/annotations.proto": proto("google.api", "message Http {}"),
        },
    )
    layout = discover_layout(root)
    assert layout.roots == [".", "third_party"]
    assert layout.modules[0].excludes == ("third_party",)  # buf rejects overlapping modules
    assert layout.modules[1].origin == "vendored"
    assert layout.unresolved_imports == {}
    assert layout.extra_files == {}
    assert layout.module_files["validate/validate.proto"] == "third_party/validate/validate.proto"


def test_googleapis_from_the_installed_package(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "proto/acme/v1/svc.proto": proto(
                "acme.v1",
                "message A {}",
                ("google/api/annotations.proto", "google/api/field_behavior.proto"),
            )
        },
    )
    layout = discover_layout(root)
    assert layout.roots == ["proto"]
    assert layout.unresolved_imports == {}
    # annotations.proto imports http.proto; the closure comes along.
    assert {
        "google/api/annotations.proto",
        "google/api/http.proto",
        "google/api/field_behavior.proto",
    } <= set(layout.extra_files)
    assert all(Path(p).is_file() for p in layout.extra_files.values())


def test_unresolved_remote_dep_imports_are_reported(tmp_path: Path) -> None:
    root = _tree(
        tmp_path,
        {
            "buf.yaml": "version: v2\nmodules:\n  - path: proto\ndeps:\n  - buf.build/bufbuild/protovalidate\n",
            "buf.lock": "version: v2\ndeps:\n  - name: buf.build/bufbuild/protovalidate\n    commit: 0123\n    digest: b5:00\n",
            "proto/acme/v1/a.proto": proto(
                "acme.v1", "message A {}", ("buf/validate/validate.proto",)
            ),
        },
    )
    layout = discover_layout(root)
    assert layout.has_remote_deps
    assert layout.unresolved_imports == {"buf/validate/validate.proto": ("proto/acme/v1/a.proto",)}


def test_layouts_of_both_sides_agree_when_inferred(tmp_path: Path) -> None:
    # Alone, base infers the repo root (the file's package does not match its directory);
    # head adds a file whose import reveals `proto` as the root. Both sides must use it,
    # or buf would see proto/a.proto deleted and a.proto added.
    base = _tree(tmp_path / "base", {"proto/a.proto": proto("x", "message A {}")})
    head = _tree(
        tmp_path / "head",
        {
            "proto/a.proto": proto("x", "message A {}"),
            "proto/b.proto": proto("y", "message B { x.A a = 1; }", ("a.proto",)),
        },
    )
    assert discover_layout(base).roots == ["."]
    base_layout, head_layout = discover_layouts(base, head)
    assert base_layout.roots == head_layout.roots == ["proto"]
    assert base_layout.module_files == {"a.proto": "proto/a.proto"}


def test_broken_buf_yaml_falls_back_to_inference(tmp_path: Path) -> None:
    root = _tree(
        tmp_path, {"buf.yaml": "version: [unclosed\n", "proto/acme/todo/v1/todo.proto": TODO}
    )
    layout = discover_layout(root)
    assert layout.source == "inferred"
    assert layout.roots == ["proto"]
    assert any("buf.yaml" in w for w in layout.warnings)


def test_scan_proto_ignores_comments() -> None:
    text = textwrap.dedent(
        """
        // import "commented/out.proto";
        syntax = "proto3";
        /* package wrong;
           import "also/out.proto"; */
        package acme.v1; // trailing
        import public "a/b.proto";
        import 'c.proto';
        """
    )
    assert scan_proto(text) == ("acme.v1", ("a/b.proto", "c.proto"))
