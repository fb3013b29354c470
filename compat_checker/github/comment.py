"""The sticky pull-request comment: one protoguard comment per PR, updated on every run.

Our comment is recognised by a hidden marker at the start of its body. It goes through the
REST API with the workflow's `GITHUB_TOKEN` and plain urllib (no client library). A comment
is a convenience: when it cannot be written (no `pull-requests: write`, a fork's read-only
token, the API down) the caller gets a warning to print and the gate's result stands.
"""

from __future__ import annotations

import json
import re
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from typing import Any

MARKER = "<!-- protoguard -->"
DEFAULT_API_URL = "https://api.github.com"
# GitHub rejects comment bodies over 65,536 characters.
MAX_BODY_CHARS = 65_536
_REPOSITORY_RE = re.compile(r"^[A-Za-z0-9_.-]+/[A-Za-z0-9_.-]+$")
_NEXT_LINK_RE = re.compile(r'<([^>]+)>;\s*rel="next"')


class GitHubApiError(Exception):
    def __init__(self, status: int | None, message: str) -> None:
        self.status = status
        super().__init__(message)


@dataclass(frozen=True)
class CommentOutcome:
    action: str  # "created" | "updated" | "skipped" | "failed"
    url: str | None = None
    warning: str | None = None


class GitHubApi:
    """The few REST calls the comment needs; JSON in, JSON out."""

    def __init__(self, token: str, api_url: str = DEFAULT_API_URL, timeout: float = 30.0) -> None:
        self.token = token
        self.api_url = api_url.rstrip("/")
        self.timeout = timeout

    def request(self, method: str, url: str, payload: Any = None) -> tuple[Any, str]:
        """Call `url` (a path under the API, or a full URL on the API's host); return the
        decoded JSON body and the `Link` header."""
        if not url.startswith(("http://", "https://")):
            url = self.api_url + url
        elif not url.startswith(self.api_url + "/"):
            # Never send the token to another host (a crafted pagination link, say).
            raise GitHubApiError(None, f"refusing to follow a link off the API host: {url}")
        data = json.dumps(payload).encode() if payload is not None else None
        req = urllib.request.Request(url, data=data, method=method)
        req.add_header("Authorization", f"Bearer {self.token}")
        req.add_header("Accept", "application/vnd.github+json")
        req.add_header("X-GitHub-Api-Version", "2022-11-28")
        req.add_header("User-Agent", "protoguard")
        if data is not None:
            req.add_header("Content-Type", "application/json")
        try:
            with urllib.request.urlopen(req, timeout=self.timeout) as response:
                body = response.read()
                link = response.headers.get("Link", "")
        except urllib.error.HTTPError as exc:
            detail = _error_message(exc)
            raise GitHubApiError(exc.code, f"HTTP {exc.code} on {method} {url}: {detail}") from exc
        except (urllib.error.URLError, TimeoutError, OSError) as exc:
            reason = getattr(exc, "reason", exc)
            raise GitHubApiError(None, f"{method} {url} failed: {reason}") from exc
        return (json.loads(body) if body else None), link


def _error_message(exc: urllib.error.HTTPError) -> str:
    try:
        return str(json.loads(exc.read()).get("message", exc.reason))
    except (ValueError, AttributeError, OSError):
        return str(exc.reason)


def comment_body(markdown: str, *, details_url: str | None = None) -> str:
    """The marker, then the Markdown, cut to fit GitHub's limit with a pointer to the rest."""
    body = f"{MARKER}\n{markdown}"
    if len(body) <= MAX_BODY_CHARS:
        return body
    where = f"the [job summary]({details_url})" if details_url else "the job summary"
    tail = f"\n\n… cut to fit a comment; the full report is in {where}.\n"
    cut = body[: MAX_BODY_CHARS - len(tail)]
    # Do not leave half a table row behind.
    return cut[: cut.rfind("\n")] + tail


def find_sticky_comment(api: GitHubApi, repository: str, number: int) -> dict[str, Any] | None:
    """Our earlier comment on the PR, if any (the oldest one carrying the marker)."""
    url: str | None = f"/repos/{repository}/issues/{number}/comments?per_page=100"
    while url:
        comments, link = api.request("GET", url)
        for comment in comments or []:
            if str(comment.get("body") or "").startswith(MARKER):
                return comment
        match = _NEXT_LINK_RE.search(link)
        url = match.group(1) if match else None
    return None


def upsert_sticky_comment(
    api: GitHubApi, repository: str, number: int, body: str, *, create: bool = True
) -> CommentOutcome:
    """Update our previous comment on PR `number`, or create it (unless `create` is false);
    never raises for API errors."""
    if not _REPOSITORY_RE.match(repository):
        return CommentOutcome("failed", warning=f"not a repository name: {repository!r}")
    if not body.startswith(MARKER):
        body = f"{MARKER}\n{body}"
    try:
        existing = find_sticky_comment(api, repository, number)
        if existing is not None:
            updated, _ = api.request(
                "PATCH",
                f"/repos/{repository}/issues/comments/{int(existing['id'])}",
                {"body": body},
            )
            return CommentOutcome("updated", url=(updated or {}).get("html_url"))
        if not create:
            return CommentOutcome("skipped")
        created, _ = api.request(
            "POST", f"/repos/{repository}/issues/{number}/comments", {"body": body}
        )
        return CommentOutcome("created", url=(created or {}).get("html_url"))
    except GitHubApiError as exc:
        if exc.status in (401, 403, 404):
            hint = (
                "the token cannot comment on this pull request; give the workflow "
                "`permissions: pull-requests: write` (tokens of pull requests from forks are "
                "read-only, so no comment is posted there)"
            )
            return CommentOutcome("failed", warning=f"protoguard: {hint} ({exc})")
        return CommentOutcome("failed", warning=f"protoguard: could not post the PR comment: {exc}")
