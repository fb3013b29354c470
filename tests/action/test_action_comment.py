"""The sticky PR comment against a fake GitHub REST API on 127.0.0.1."""

from __future__ import annotations

from action.support import TOKEN, FakeGitHub
from compat_checker.github.comment import (
    MARKER,
    MAX_BODY_CHARS,
    GitHubApi,
    comment_body,
    upsert_sticky_comment,
)

REPO = "acme/api"


def api(fake: FakeGitHub, token: str = TOKEN) -> GitHubApi:
    return GitHubApi(token, fake.url, timeout=5)


def test_creates_then_updates_its_own_comment(fake_github: FakeGitHub) -> None:
    fake_github.add_comment(7, "LGTM")
    first = upsert_sticky_comment(api(fake_github), REPO, 7, comment_body("## blocked"))
    assert first.action == "created" and first.warning is None
    second = upsert_sticky_comment(api(fake_github), REPO, 7, comment_body("## safe"))
    assert second.action == "updated" and second.url == first.url
    bodies = [c["body"] for c in fake_github.comments.values()]
    assert bodies == ["LGTM", f"{MARKER}\n## safe"]
    assert [m[0] for m in fake_github.mutations()] == ["POST", "PATCH"]


def test_finds_its_comment_on_a_later_page(fake_github: FakeGitHub) -> None:
    fake_github.page_size = 2
    for i in range(5):
        fake_github.add_comment(7, f"comment {i}")
    ours = fake_github.add_comment(7, f"{MARKER}\nold report")
    outcome = upsert_sticky_comment(api(fake_github), REPO, 7, comment_body("new report"))
    assert outcome.action == "updated"
    assert fake_github.comments[ours]["body"] == f"{MARKER}\nnew report"
    assert sum(r[0] == "GET" for r in fake_github.requests) == 3


def test_no_permission_is_a_warning_not_a_failure(fake_github: FakeGitHub) -> None:
    for status in (403, 404):
        fake_github.status = status
        outcome = upsert_sticky_comment(api(fake_github), REPO, 7, "body")
        assert outcome.action == "failed"
        assert "pull-requests: write" in outcome.warning and f"HTTP {status}" in outcome.warning
    assert fake_github.comments == {}


def test_bad_token_and_server_errors_are_warnings(fake_github: FakeGitHub) -> None:
    outcome = upsert_sticky_comment(api(fake_github, token="wrong"), REPO, 7, "body")
    assert outcome.action == "failed" and "HTTP 401" in outcome.warning
    fake_github.status = 502
    outcome = upsert_sticky_comment(api(fake_github), REPO, 7, "body")
    assert outcome.action == "failed" and "could not post the PR comment" in outcome.warning


def test_unreachable_api_is_a_warning() -> None:
    dead = GitHubApi(TOKEN, "http://127.0.0.1:9", timeout=2)
    outcome = upsert_sticky_comment(dead, REPO, 7, "body")
    assert outcome.action == "failed" and "could not post" in outcome.warning


def test_does_not_create_when_asked_to_only_update(fake_github: FakeGitHub) -> None:
    outcome = upsert_sticky_comment(api(fake_github), REPO, 7, "body", create=False)
    assert outcome.action == "skipped" and fake_github.mutations() == []


def test_never_follows_pagination_off_the_api_host(fake_github: FakeGitHub) -> None:
    fake_github.page_size = 1
    fake_github.add_comment(7, "a")
    fake_github.add_comment(7, "b")
    fake_github.link_base = "http://evil.example"  # a crafted Link header
    outcome = upsert_sticky_comment(api(fake_github), REPO, 7, "x")
    assert outcome.action == "failed" and "off the API host" in outcome.warning
    assert len(fake_github.requests) == 1


def test_rejects_a_malformed_repository_name(fake_github: FakeGitHub) -> None:
    outcome = upsert_sticky_comment(api(fake_github), "acme/api/../../x", 7, "body")
    assert outcome.action == "failed" and fake_github.requests == []


def test_long_bodies_are_cut_to_fit_with_a_pointer() -> None:
    body = comment_body("| row |\n" * 20_000, details_url="https://github.test/run/1")
    assert len(body) <= MAX_BODY_CHARS
    assert body.startswith(MARKER)
    assert body.endswith("the full report is in the [job summary](https://github.test/run/1).\n")
