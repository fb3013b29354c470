"""The installed pre-push hook on real pushes to a local bare remote."""

from __future__ import annotations

import json

from hook.support import Clone, run


def test_breaking_push_is_refused_and_the_remote_is_unchanged(hooked: Clone) -> None:
    before = hooked.remote_sha("main")
    hooked.edit_task("  string description = 3;\n", "")
    hooked.commit("drop description")
    result = hooked.push("main")
    assert result.returncode != 0
    output = result.stdout + result.stderr
    assert "FIELD_REMOVED" in output and "acme.todo.v1.Task.description" in output
    assert "push refused" in output and "git push --no-verify" in output
    assert hooked.remote_sha("main") == before


def test_safe_push_goes_through(hooked: Clone) -> None:
    hooked.edit_task("  string description = 3;\n", "  string description = 3;\n  bool done = 4;\n")
    sha = hooked.commit("add done")
    result = hooked.push("main")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "checking refs/heads/main" in result.stdout + result.stderr
    assert hooked.remote_sha("main") == sha


def test_push_without_proto_changes_is_not_checked(hooked: Clone) -> None:
    hooked.write("README.md", "todo API, now with docs\n")
    sha = hooked.commit("docs")
    result = hooked.push("main")
    assert result.returncode == 0, result.stderr
    assert "no .proto changes" in result.stdout + result.stderr
    assert hooked.remote_sha("main") == sha


def test_new_branch_is_checked_against_the_remote_default_branch(hooked: Clone) -> None:
    hooked.git("switch", "--quiet", "-c", "feature")
    hooked.write("README.md", "unrelated\n")
    hooked.commit("docs first")
    hooked.edit_task("  string title = 2;\n", "")
    hooked.commit("drop title")
    result = hooked.push("feature")
    assert result.returncode != 0
    assert "acme.todo.v1.Task.title" in result.stdout + result.stderr
    assert hooked.remote_sha("feature") is None


def test_allow_breaking_trailer_lets_the_push_through(hooked: Clone) -> None:
    hooked.edit_task("  string description = 3;\n", "")
    hooked.git("add", "--all")
    hooked.git(
        "commit",
        "--quiet",
        "-m",
        "drop description",
        "-m",
        "Protoguard-Allow-Breaking: no client ever set it (API-123)",
    )
    result = hooked.push("main")
    assert result.returncode == 0, result.stdout + result.stderr


def test_deleting_a_remote_branch_does_not_crash(hooked: Clone) -> None:
    hooked.git("switch", "--quiet", "-c", "topic")
    hooked.write("README.md", "topic\n")
    hooked.commit("topic work")
    assert hooked.push("topic").returncode == 0
    result = hooked.push("--delete", "topic")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "deleting refs/heads/topic" in result.stdout + result.stderr
    assert hooked.remote_sha("topic") is None


def test_several_refs_in_one_push_refuse_it_whole(hooked: Clone) -> None:
    hooked.git("switch", "--quiet", "-c", "safe")
    hooked.write("README.md", "safe\n")
    hooked.commit("safe")
    hooked.git("switch", "--quiet", "-c", "unsafe", "main")
    hooked.edit_task("  string id = 1;\n", "")
    hooked.commit("drop id")
    result = hooked.push("safe", "unsafe")
    assert result.returncode != 0
    assert "push refused: blocking findings in refs/heads/unsafe" in result.stderr
    assert hooked.remote_sha("safe") is None  # git refuses the whole push


def test_run_pre_push_reads_the_range_from_pre_commit(clone: Clone) -> None:
    base = clone.git("rev-parse", "HEAD").strip()
    clone.edit_task("  string description = 3;\n", "")
    head = clone.commit("drop description")
    env = {
        "PRE_COMMIT_FROM_REF": base,
        "PRE_COMMIT_TO_REF": head,
        "PRE_COMMIT_REMOTE_NAME": "origin",
        "PRE_COMMIT_REMOTE_BRANCH": "refs/heads/main",
        "PRE_COMMIT_LOCAL_BRANCH": "refs/heads/main",
    }
    result = clone.protoguard("hook", "run-pre-push", env=env)
    assert result.returncode == 1
    assert "acme.todo.v1.Task.description" in result.stderr


def test_run_pre_push_with_nothing_pushed_or_unknown_remote(clone: Clone) -> None:
    assert clone.protoguard("hook", "run-pre-push", "origin", "url", stdin="").returncode == 0
    head = clone.git("rev-parse", "HEAD").strip()
    line = f"refs/heads/x {head} refs/heads/x {'0' * 40}\n"
    result = clone.protoguard("hook", "run-pre-push", "/some/url", "/some/url", stdin=line)
    assert result.returncode == 0, result.stderr
    assert "no default branch of /some/url known" in result.stderr
    bad = clone.protoguard("hook", "run-pre-push", stdin="garbage\n")
    assert bad.returncode == 2 and "unexpected pre-push input line" in bad.stderr


def test_no_verify_still_bypasses(hooked: Clone) -> None:
    hooked.edit_task("  string description = 3;\n", "")
    sha = hooked.commit("drop description")
    result = run(hooked.path, "git", "push", "--no-verify", "origin", "main")
    assert result.returncode == 0
    assert hooked.remote_sha("main") == sha


def test_the_hook_and_check_read_the_pii_override_alike(hooked: Clone) -> None:
    """A breaking-change trailer never lets personal data through, in the hook or in
    `check`; the PII trailer does, in both; the refusal names the override that fits."""
    hooked.edit_task("  string description = 3;\n", "  string ssn = 4;\n")
    hooked.git("add", "--all")
    hooked.git(
        "commit", "--quiet", "-m", "drop description, add ssn",
        "-m", "Protoguard-Allow-Breaking: no client ever set it (API-123)",
    )  # fmt: skip
    refused = hooked.push("main")
    assert refused.returncode != 0, refused.stdout + refused.stderr
    # One line per line when git's stderr is not a terminal (an IDE, a CI log).
    hint = (
        "to ship personal data: annotate the fields as each fix says, or a "
        "`Protoguard-Allow-PII: <reason>` commit trailer, --allow-pii REASON or the allow-pii label"
    )
    assert hint in refused.stderr.splitlines()
    assert "to ship an intended breaking change" not in refused.stderr  # already allowed
    for head in ((), ("--head", "HEAD")):
        gate = hooked.protoguard("check", "--against", "origin/main", *head, "--format", "json")
        assert gate.returncode == 1, gate.stdout + gate.stderr
        by_rule = {c["rule"]: c["suppressed"] for c in json.loads(gate.stdout)["changes"]}
        assert by_rule["FIELD_REMOVED"].startswith("allowed: no client ever set it")
        assert by_rule["PII_UNANNOTATED"] is None

    hooked.git(
        "commit", "--quiet", "--amend", "-m", "drop description, add ssn",
        "-m", "Protoguard-Allow-Breaking: no client ever set it (API-123)\n"
        "Protoguard-Allow-PII: annotated in PRIV-7",
    )  # fmt: skip
    for head in ((), ("--head", "HEAD")):
        gate = hooked.protoguard("check", "--against", "origin/main", *head, "--format", "json")
        assert gate.returncode == 0, gate.stdout + gate.stderr
        assert json.loads(gate.stdout)["allow_pii"] == "annotated in PRIV-7 (commit trailer)"
    pushed = hooked.push("main")
    assert pushed.returncode == 0, pushed.stdout + pushed.stderr
    assert hooked.remote_sha("main") == hooked.git("rev-parse", "HEAD").strip()
