"""`pii scan`'s trees from a buf image when buf compiles the input, else from the parser.

The parser-based builder (`protomodel.parse.build_tree`) runs ANTLR's Python runtime at
about 7.6 s per MB: on a 30,000-message file it took a minute before any analysis. buf
compiles the same file in a few seconds, and `protomodel.descriptors.tree_from_image`
builds the same model from its image (the two builders agree element for element,
DEVELOPERS.md; `tests/pii/test_scan_trees.py` checks the PII reports are equal).

The image holds exactly the files the parser would read: the files under review, and
every file they import, found the way the parser finds it (the scan's resolver, then the
bundled googleapis and PII options); the well-known types are buf's own. When anything is
missing (an import nobody provides, where the parser carries on with unresolved types),
buf is absent, or buf refuses the input (a syntax error, which the parser then reports at
its line), the caller falls back to the parser: this is a shortcut, never a new way to fail.
"""

from __future__ import annotations

import tempfile
from collections import deque
from collections.abc import Callable, Mapping
from pathlib import Path, PurePosixPath

from compat_checker.buf import BufRunner, BufUnavailable
from compat_checker.gitsource import scratch_parent
from compat_checker.modules import scan_proto
from protomodel.bundled import bundled_import
from protomodel.construct import construct
from protomodel.descriptors import tree_from_image
from protomodel.model import ProtoTree

_WELL_KNOWN = "google/protobuf/"
_SOURCES = "src"


def image_tree(
    sources: Mapping[str, str],
    repo_paths: Mapping[str, str],
    resolve_import: Callable[[str], str | None],
    buf: BufRunner | None = None,
) -> ProtoTree | None:
    """The tree of ``sources`` (module path → text, all under review) built from a buf
    image, or None when the parser must build it (see the module docstring)."""
    buf = buf or BufRunner()
    if not buf.available:
        return None
    files = _with_imports(sources, resolve_import)
    if files is None:
        return None
    try:
        with tempfile.TemporaryDirectory(prefix="protoguard-pii-", dir=scratch_parent()) as tmp:
            work = Path(tmp)
            for module_path, text in files.items():
                if text is None:
                    continue
                target = work / _SOURCES / module_path
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(text, encoding="utf-8", newline="")
            config = {"version": "v2", "modules": [{"path": _SOURCES}]}
            _, image = buf._build_once(work, config, exclude_paths=())
    except (OSError, BufUnavailable):  # no room for the workspace, buf would not start
        return None
    if image is None:
        return None
    tree = tree_from_image(
        image, repo_paths=repo_paths, reviewed=set(sources), full_dependencies=True
    )
    # The parser's order (sources, then imports breadth first): results list files and
    # messages in the tree's order, so both builders must give the same one.
    order = [path for path in files if path in tree.files]
    order += [path for path in tree.files if path not in files]
    return construct(
        ProtoTree,
        files={path: tree.files[path] for path in order},
        source=tree.source,
        dependency_files=tree.dependency_files,
    )


def _with_imports(
    sources: Mapping[str, str], resolve_import: Callable[[str], str | None]
) -> dict[str, str | None] | None:
    """The sources and every file they import, breadth first as the parser reads them
    (the well-known types in place, with no text: buf has its own); None when an import
    is unresolved or a path would leave the workspace."""
    files: dict[str, str | None] = dict(sources)
    if not all(_safe(path) for path in files):
        return None
    queue = deque(imported for text in sources.values() for imported in scan_proto(text)[1])
    while queue:
        imported = queue.popleft()
        if imported in files:
            continue
        if imported.startswith(_WELL_KNOWN):
            files[imported] = None
            continue
        if not _safe(imported):
            return None
        text = resolve_import(imported)
        if text is None:
            text = bundled_import(imported)
        if text is None:
            return None
        files[imported] = text
        queue.extend(scan_proto(text)[1])
    return files


def _safe(module_path: str) -> bool:
    """A relative path that stays inside the workspace (paths come from pull requests)."""
    path = PurePosixPath(module_path)
    return (
        bool(module_path)
        and not path.is_absolute()
        and ".." not in path.parts
        and "\\" not in module_path
        and module_path.endswith(".proto")
    )
