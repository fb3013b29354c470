"""Build the proto model of both versions: from buf images when they compile, else by parsing.

Compile once: the images built here are the ones `buf breaking` compares, and the model
is read from the same images.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from compat_checker.buf import BufBuild, BufRunner
from compat_checker.errors import GateError
from compat_checker.findings import ChangedFile, FileStatus, Layer, LayerStatus
from compat_checker.gitsource import ChangeSet, Snapshot
from compat_checker.modules import ModuleLayout, discover_layouts, scan_proto
from protomodel.descriptors import tree_from_image
from protomodel.errors import ProtoParseError
from protomodel.model import ProtoTree
from protomodel.parse import build_tree


@dataclass
class BuiltVersion:
    snapshot: Snapshot
    layout: ModuleLayout
    tree: ProtoTree
    build: BufBuild | None


def reviewed_paths(files: Collection[ChangedFile], *, side: str) -> list[str]:
    """Repo paths under review on one side of the change."""
    if side == "head":
        return sorted(f.path for f in files if f.status != FileStatus.DELETED)
    return sorted((f.old_path or f.path) for f in files if f.status != FileStatus.ADDED)


def build_versions(
    change: ChangeSet, runner: BufRunner | None
) -> tuple[BuiltVersion, BuiltVersion, list[Layer]]:
    """Return (base, head, layers) for the change."""
    # Both sides at once: inferred roots must agree, or buf sees files deleted and re-added.
    base_layout, head_layout = discover_layouts(change.base.root, change.head.root)
    layers: list[Layer] = []
    builds: tuple[BufBuild | None, BufBuild | None] = (None, None)
    if runner is not None:
        builds = runner.build_pair(change.base.root, base_layout, change.head.root, head_layout)
    versions = []
    for side, snapshot, layout, build in (
        ("base", change.base, base_layout, builds[0]),
        ("head", change.head, head_layout, builds[1]),
    ):
        # Read before trusting buf, which accepts some binary garbage silently: every file
        # under review must be proto text. The parser fallback reuses these texts.
        reviewed = {
            path: snapshot.read_text(path) for path in reviewed_paths(change.files, side=side)
        }
        tree, layer = _tree_for(side, snapshot, layout, build, reviewed)
        layers.append(layer)
        versions.append(BuiltVersion(snapshot=snapshot, layout=layout, tree=tree, build=build))
    return versions[0], versions[1], layers


def _tree_for(
    side: str,
    snapshot: Snapshot,
    layout: ModuleLayout,
    build: BufBuild | None,
    reviewed_texts: dict[str, str],
) -> tuple[ProtoTree, Layer]:
    """`reviewed_texts`: repo path → text of the files under review on this side."""
    module_paths = {}
    for repo_path in reviewed_texts:
        module_path = layout.to_module_path(repo_path)
        module_paths[module_path or repo_path] = repo_path
    if build is not None and build.image is not None:
        tree = tree_from_image(
            build.image, repo_paths=layout.module_files, reviewed=set(module_paths)
        )
        return tree, Layer(
            name=f"model:{side}",
            status=LayerStatus.RAN,
            detail=f"buf-compiled descriptors ({len(module_paths)} files under review)",
        )
    why = build.error if build is not None else "buf disabled"
    sources = {
        module_path: reviewed_texts[repo_path] for module_path, repo_path in module_paths.items()
    }
    tree = _parse_version(snapshot, layout, sources)
    return tree, Layer(
        name=f"model:{side}",
        status=LayerStatus.RAN,
        detail=f"parsed with proto-schema-parser ({len(module_paths)} files); no descriptors: {why}",
    )


def _parse_version(snapshot: Snapshot, layout: ModuleLayout, reviewed: dict[str, str]) -> ProtoTree:
    """Parse the files under review (module path → text), the files they import, and the
    files importing them: importers hold the services whose requests reach a changed message.
    """
    repo_paths = layout.module_files
    sources = dict(reviewed)
    for module_path, repo_path in repo_paths.items():
        if module_path in sources:
            continue
        text = snapshot.read_text(repo_path)
        if any(imported in reviewed for imported in scan_proto(text)[1]):
            sources[module_path] = text

    def resolve(module_path: str) -> str | None:
        repo_path = repo_paths.get(module_path)
        return snapshot.read_text(repo_path) if repo_path else None

    try:
        return build_tree(
            sources,
            repo_paths=repo_paths,
            import_resolver=resolve,
            reviewed=set(reviewed),
        )
    except ProtoParseError as exc:
        repo_path = repo_paths.get(exc.path, exc.path)
        raise GateError(
            f"{repo_path}:{exc.line}:{exc.column}: {exc.detail} ({snapshot.ref.ref})"
        ) from None
