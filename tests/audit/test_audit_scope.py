"""What `protoguard audit` covers and how it points back at it: vendored dependencies left
out, shallow clones called partial, `file:line` links, the `./merge` spelling."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

from compat_checker.audit.cli import resolve_link_base
from compat_checker.audit.model import AuditReport
from compat_checker.cli import main

from .conftest import GIT_ENV, GITHUB_VARS, audit, by_rule, commit, git, proto

# ---------------------------------------------------------------------------- gitignore


def test_files_git_ignores_are_not_audited_unless_tracked(repo: Path, tmp_path: Path):
    user = proto("acme.v1", "message User {\n  string email = 1;\n}")
    commit(repo, {".gitignore": "build/\n", "api/acme/v1/user.proto": user}, "api")
    # A build copy on disk only, and a tracked file under an ignored path (force-added).
    (repo / "build").mkdir()
    (repo / "build" / "copy.proto").write_text(user)
    (repo / "build" / "kept.proto").write_text(user)
    git(repo, "add", "-f", "build/kept.proto")
    out = tmp_path / "a.json"
    code, report, _ = audit(str(repo), "--json", str(out), "--fail-on", "never", "--no-history")
    assert code == 0 and report is not None
    assert report.files == ["api/acme/v1/user.proto", "build/kept.proto"]


# ---------------------------------------------------------------------------- vendored

USER = proto(
    "acme.v1",
    'import "google/api/field_behavior.proto";\nimport "validate/validate.proto";\n\n'
    "message User {\n  string id = 1 [(google.api.field_behavior) = REQUIRED];\n"
    "  string email = 2;\n}",
)
FIELD_BEHAVIOR = proto(
    "google.api",
    'import "google/protobuf/descriptor.proto";\n\n'
    "extend google.protobuf.FieldOptions {\n  repeated FieldBehavior field_behavior = 1052;\n}\n"
    "enum FieldBehavior {\n  FIELD_BEHAVIOR_UNSPECIFIED = 0;\n  REQUIRED = 2;\n}",
)
PGV = proto("validate", "message FieldRules {\n  string email_pattern = 1;\n  string name = 2;\n}")
# The team's own `validate/` directory: same import prefix as PGV, another package.
OWN_VALIDATE = proto("acme.validate", "message Check {\n  string owner_email = 1;\n}")
DATE = proto("google.type", "message Date {\n  int32 year = 1;\n  int32 month = 2;\n}")
LEGACY = proto("legacy.v1", "message OldUser {\n  string home_address = 1;\n}")


def _vendoring_repo(repo: Path) -> None:
    commit(
        repo,
        {
            "protoguard.yaml": 'ignore_paths: ["api/legacy/**"]\n',
            "api/acme/v1/user.proto": USER,
            "api/google/api/field_behavior.proto": FIELD_BEHAVIOR,
            "api/validate/validate.proto": PGV,
            "api/validate/checks.proto": OWN_VALIDATE,
            "api/legacy/v1/old.proto": LEGACY,
            "third_party/googleapis/google/type/date.proto": DATE,
        },
        "api with vendored protos",
    )


def test_vendored_protos_are_left_out_and_said_so(repo: Path, tmp_path: Path):
    _vendoring_repo(repo)
    out = tmp_path / "a.json"
    code, report, stderr = audit(str(repo), "--json", str(out), "--fail-on", "never")
    assert code == 0 and report is not None
    assert report.files == ["api/acme/v1/user.proto", "api/validate/checks.proto"]
    assert {i.file for i in report.inventory} == set(report.files)
    assert {p.package for p in report.packages} == {"acme.v1", "acme.validate"}
    # One line says what was left out and why, in the words of the setting or layout.
    [line] = [x for x in stderr.splitlines() if x.startswith("left out")]
    assert line.startswith("left out 4 vendored files: ")
    for reason in (
        "copy of googleapis / well-known types (1)",
        "copy of protoc-gen-validate (1)",
        "protoguard.yaml ignore_paths api/legacy/** (1)",
        "third_party/ directory (1)",
        "--include-vendored",
    ):
        assert reason in line

    out_all = tmp_path / "all.json"
    _, everything, stderr = audit(str(repo), "--include-vendored", "--json", str(out_all))
    assert everything is not None and "left out" not in stderr
    assert len(everything.files) == 6
    assert "legacy.v1.OldUser.home_address" in {i.element for i in everything.inventory}


def test_a_module_the_repository_publishes_is_its_own_api(repo: Path, tmp_path: Path):
    """protovalidate's own `buf/validate` module is not "a copy of protovalidate"."""
    validate = proto("buf.validate", "message FieldRules {\n  string email_pattern = 1;\n}")
    commit(
        repo,
        {
            "buf.yaml": "version: v2\nmodules:\n  - path: proto\n"
            "    name: buf.build/bufbuild/protovalidate\n",
            "proto/buf/validate/validate.proto": validate,
        },
        "the protovalidate module",
    )
    _, report, stderr = audit(str(repo), "--json", str(tmp_path / "a.json"), "--no-history")
    assert report is not None and report.files == ["proto/buf/validate/validate.proto"]
    assert "left out" not in stderr


def test_a_repository_of_google_protos_only_is_that_project(repo: Path, tmp_path: Path):
    """api-common-protos is googleapis' common protos: auditing it audits them."""
    commit(
        repo,
        {
            "google/api/field_behavior.proto": FIELD_BEHAVIOR,
            "google/type/date.proto": DATE,
        },
        "common protos",
    )
    _, report, stderr = audit(str(repo), "--json", str(tmp_path / "a.json"), "--no-history")
    assert report is not None
    assert report.files == ["google/api/field_behavior.proto", "google/type/date.proto"]
    assert "left out" not in stderr


def test_the_zero_value_check_skips_not_set_names(repo: Path, tmp_path: Path):
    body = (
        "enum StatusCode {\n  STATUS_CODE_UNSET = 0;\n  STATUS_CODE_OK = 1;\n}\n"
        "enum LogRecordFlags {\n  LOG_RECORD_FLAGS_DO_NOT_USE = 0;\n  LOG_RECORD_FLAGS_TRACE = 255;\n}\n"
        "enum Kind {\n  KIND_INTERNAL = 0;\n  KIND_SERVER = 1;\n}\n"
        "message Span {\n  StatusCode code = 1;\n  Kind kind = 2;\n  fixed32 flags = 3;\n}"
    )
    commit(repo, {"api/trace.proto": proto("acme.v1", body)}, "trace")
    _, report, _ = audit(str(repo), "--json", str(tmp_path / "a.json"), "--no-history")
    assert report is not None
    assert [f.element for f in by_rule(report, "AUDIT_ENUM_ZERO_VALUE_MEANINGFUL")] == [
        "acme.v1.Kind.KIND_INTERNAL"
    ]


def test_repository_config_applies_to_a_subdirectory_audit(repo: Path, tmp_path: Path):
    """`protoguard.yaml` at the repository root (the one `check` reads) holds for `audit api`,
    and its `ignore_paths` globs are repository-relative, as in `check`."""
    _vendoring_repo(repo)
    _, report, _ = audit(
        str(repo / "api"), "--json", str(tmp_path / "a.json"), "--fail-on", "never"
    )
    assert report is not None
    assert report.files == ["api/acme/v1/user.proto", "api/validate/checks.proto"]


def test_buf_excludes_and_vendored_import_roots(repo: Path, tmp_path: Path):
    commit(
        repo,
        {
            "buf.yaml": "version: v2\nmodules:\n  - path: proto\n    excludes: [proto/scratch]\n",
            "proto/acme/v1/order.proto": proto(
                "acme.v1",
                'import "money/v1/money.proto";\n\n'
                "message Order {\n  string id = 1;\n  money.v1.Money total = 2;\n}",
            ),
            # Resolves `money/v1/money.proto`: the layout makes `libs` an import root of its own.
            "libs/money/v1/money.proto": proto(
                "money.v1", "message Money {\n  int64 units = 1;\n  string currency = 2;\n}"
            ),
            "proto/scratch/try.proto": proto("scratch", "message Try {\n  string email = 1;\n}"),
        },
        "buf module",
    )
    _, report, stderr = audit(str(repo), "--json", str(tmp_path / "a.json"), "--fail-on", "never")
    assert report is not None and report.errors == []
    assert report.files == ["proto/acme/v1/order.proto"]
    assert "excluded from buf module proto (1)" in stderr
    assert "vendored import root libs (1)" in stderr


def test_shards_leave_out_the_same_vendored_files(repo: Path, tmp_path: Path):
    _vendoring_repo(repo)
    files = []
    for index in (1, 2):
        out = tmp_path / f"s{index}.json"
        _, report, _ = audit(str(repo), "--shard", f"{index}/2", "--json", str(out))
        assert report is not None
        files += report.files
    assert sorted(files) == ["api/acme/v1/user.proto", "api/validate/checks.proto"]


# ---------------------------------------------------------------------------- shallow history

ORDER = "message Order {\n  string id = 1;\n%s}"


def test_a_shallow_clone_has_partial_history_and_says_so(repo: Path, tmp_path: Path):
    commit(repo, {"shop/v1/order.proto": proto("shop.v1", ORDER % "  string coupon = 2;\n")}, "a")
    commit(repo, {"shop/v1/order.proto": proto("shop.v1", ORDER % "")}, "drop coupon")
    commit(repo, {"shop/v1/order.proto": proto("shop.v1", ORDER % "  bool gift = 2;\n")}, "gift")
    clone = tmp_path / "clone"
    subprocess.run(
        ["git", "clone", "-q", "--depth", "1", f"file://{repo}", str(clone)],
        env=GIT_ENV,
        check=True,
        capture_output=True,
    )
    assert git(clone, "rev-parse", "--is-shallow-repository").strip() == "true"

    md = tmp_path / "a.md"
    code, report, stderr = audit(
        str(clone), "--json", str(tmp_path / "a.json"), "--markdown", str(md)
    )
    assert report is not None and report.history == "partial"
    # The reuse happened before the clone's boundary: this is what the warning is about.
    assert by_rule(report, "AUDIT_FIELD_NUMBER_REUSED") == [] and code == 0
    [warning] = [x for x in stderr.splitlines() if x.startswith("warning: shallow clone")]
    assert "fetch-depth: 0" in warning
    assert "history partial" in stderr
    assert "git history: partial" in md.read_text() and "Shallow clone" in md.read_text()

    # The full history finds the reuse, and is not called partial.
    code, full, stderr = audit(str(repo), "--json", str(tmp_path / "b.json"))
    assert full is not None and full.history == "ran" and code == 1
    assert len(by_rule(full, "AUDIT_FIELD_NUMBER_REUSED")) == 1
    assert "shallow" not in stderr


# ---------------------------------------------------------------------------- links

PEOPLE = proto(
    "people.v1",
    "message Person {\n  string id = 1;\n  string ssn = 2;\n}\n"
    "message ListPeopleRequest { string filter = 1; }\n"
    "message ListPeopleResponse { repeated Person people = 1; }\n"
    "service PeopleService {\n"
    "  rpc ListPeople(ListPeopleRequest) returns (ListPeopleResponse);\n}",
)
PEOPLE_PATH = "api/people v1/people.proto"  # a space: links must encode it


def _hrefs(html: str) -> set[str]:
    return set(re.findall(r'class="loc" href="([^"]+)"', html))


def _md_links(markdown: str) -> set[str]:
    return set(re.findall(r"\]\(([^)]+)\)", markdown))


def _outputs(repo: Path, tmp_path: Path, *args: str, env: dict | None = None) -> tuple[str, str]:
    html, md = tmp_path / "a.html", tmp_path / "a.md"
    result = CliRunner().invoke(
        main,
        [
            "audit",
            str(repo),
            "--html",
            str(html),
            "--markdown",
            str(md),
            "--fail-on",
            "never",
            *args,
        ],
        env={**dict.fromkeys(GITHUB_VARS), **(env or {})},
    )
    assert result.exit_code == 0, result.output
    return html.read_text(), md.read_text()


def test_links_are_relative_by_default(repo: Path, tmp_path: Path):
    commit(repo, {PEOPLE_PATH: PEOPLE}, "people")
    html, md = _outputs(repo, tmp_path)
    assert "./api/people%20v1/people.proto#L6" in _hrefs(html)
    assert _md_links(md) == set()
    assert "`api/people v1/people.proto:6`" in md


def test_link_base_prefixes_html_and_markdown_links(repo: Path, tmp_path: Path):
    commit(repo, {PEOPLE_PATH: PEOPLE}, "people")
    base = "https://git.example.test/acme/api/blob/main"  # the missing / is added
    html, md = _outputs(repo, tmp_path, "--html-link-base", base)
    expected = base + "/api/people%20v1/people.proto#L6"
    assert expected in _hrefs(html)
    assert expected in _md_links(md)
    # --link-base is the same option.
    html, _ = _outputs(repo, tmp_path, "--link-base", base + "/")
    assert expected in _hrefs(html)


def test_github_actions_links_to_the_audited_commit(repo: Path, tmp_path: Path):
    sha = commit(repo, {PEOPLE_PATH: PEOPLE}, "people")
    env = {
        "GITHUB_SERVER_URL": "https://github.example.test",
        "GITHUB_REPOSITORY": "acme/api",
        "GITHUB_SHA": "f" * 40,
    }
    html, md = _outputs(repo, tmp_path, env=env)
    expected = f"https://github.example.test/acme/api/blob/{sha}/api/people%20v1/people.proto#L6"
    assert expected in _hrefs(html) and expected in _md_links(md)
    # An empty base keeps the links relative, in Actions too.
    html, md = _outputs(repo, tmp_path, "--link-base", "", env=env)
    assert "./api/people%20v1/people.proto#L6" in _hrefs(html) and _md_links(md) == set()


def test_merge_takes_the_link_base_too(repo: Path, tmp_path: Path):
    commit(repo, {PEOPLE_PATH: PEOPLE}, "people")
    shards = [tmp_path / "s1.json", tmp_path / "s2.json"]
    for index, out in enumerate(shards, start=1):
        audit(str(repo), "--shard", f"{index}/2", "--json", str(out), "--fail-on", "never")
    html = tmp_path / "m.html"
    result = CliRunner().invoke(
        main,
        [
            "audit",
            "merge",
            *map(str, shards),
            "--html",
            str(html),
            "--link-base",
            "../src",
            "--fail-on",
            "never",
        ],
        env=dict.fromkeys(GITHUB_VARS),
    )
    assert result.exit_code == 0, result.output
    assert "../src/api/people%20v1/people.proto#L6" in _hrefs(html.read_text())


def test_a_link_base_with_another_scheme_is_refused(repo: Path):
    commit(repo, {PEOPLE_PATH: PEOPLE}, "people")
    code, _, stderr = audit(str(repo), "--html-link-base", "javascript:alert(1)//")
    assert code == 2 and "--link-base" in stderr and "Traceback" not in stderr


@pytest.mark.parametrize(
    ("given", "commit_sha", "env", "expected"),
    [
        (None, None, {}, None),
        (None, None, {"GITHUB_SERVER_URL": "https://gh", "GITHUB_REPOSITORY": "o/r"}, None),
        (
            None,
            None,
            {"GITHUB_SERVER_URL": "https://gh/", "GITHUB_REPOSITORY": "o/r", "GITHUB_SHA": "s"},
            "https://gh/o/r/blob/s/",
        ),
        (
            None,
            "abc",
            {"GITHUB_SERVER_URL": "https://gh", "GITHUB_REPOSITORY": "o/r", "GITHUB_SHA": "s"},
            "https://gh/o/r/blob/abc/",
        ),
        ("https://x/y", "abc", {"GITHUB_SERVER_URL": "https://gh"}, "https://x/y/"),
        ("./", None, {}, None),
        ("../", None, {}, "../"),
    ],
)
def test_resolve_link_base(given, commit_sha, env, expected):
    assert resolve_link_base(given, commit_sha, env) == expected


# ---------------------------------------------------------------------------- ./merge


def test_a_directory_named_merge_is_audited_as_dot_slash_merge(
    repo: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    help_text = CliRunner().invoke(main, ["audit", "--help"]).output
    assert "./merge" in help_text
    commit(repo, {"merge/shop/v1/order.proto": proto("shop.v1", ORDER % "")}, "merge dir")
    monkeypatch.chdir(repo)
    code, report, _ = audit("./merge", "--json", str(tmp_path / "a.json"))
    assert code == 0 and report is not None
    assert report.files == ["merge/shop/v1/order.proto"]
    assert AuditReport.model_validate_json((tmp_path / "a.json").read_text()).files
