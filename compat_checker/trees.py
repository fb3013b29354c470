"""Build the proto model of both versions: from buf images when they compile, else by parsing.

Compile once: the images built here are the ones `buf breaking` compares, and the model
is read from the same images. Files buf left out of an image (they do not compile, or
import one that does not) are parsed instead, and a file the parser cannot read either is
left out of the model and reported (`BuiltVersion.unparsable`): a head with a syntax error
still gets a verdict, where the error is a finding.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from compat_checker.buf import BufBuild, BufFinding, BufRunner
from compat_checker.errors import GateError
from compat_checker.findings import ChangedFile, FileStatus, Layer, LayerStatus
from compat_checker.gitsource import ChangeSet, Snapshot
from compat_checker.modules import ModuleLayout, discover_layouts, scan_proto
from compat_checker.scope import Scope, scoped_images
from protomodel.descriptors import tree_from_image
from protomodel.errors import ProtoParseError
from protomodel.model import ProtoTree
from protomodel.parse import build_tree

_MAX_UNPARSABLE = 64  # files dropped one by one before the parser fallback gives up


@dataclass
class BuiltVersion:
    snapshot: Snapshot
    layout: ModuleLayout
    tree: ProtoTree
    build: BufBuild | None
    # Files under review that no builder could read, as compile errors with repo paths;
    # they are not in `tree`.
    unparsable: tuple[BufFinding, ...] = ()
    # What `tree` holds when it was built from scoped images (compat_checker.scope);
    # None: the full model.
    scope: Scope | None = None
    scoped_image: bytes | None = None  # the image `tree` was read from, when scoped

    def build_for_buf(self) -> BufBuild | None:
        """The build `buf breaking` compares: the scoped image when there is one (it holds
        every declaration buf could report, and what they reference)."""
        if self.build is None or self.scoped_image is None:
            return self.build
        return self.build.model_copy(update={"image": self.scoped_image})

    def packages(self) -> set[str]:
        """The packages the repository's own files declare on this side."""
        packages = set()
        for repo_path in self.layout.module_files.values():
            try:
                package, _ = scan_proto(self.snapshot.read_text(repo_path))
            except GateError:
                continue  # not proto text; buf reports it
            if package:
                packages.add(package)
        return packages

    def compile_errors(self) -> tuple[BufFinding, ...]:
        """buf's diagnostics when buf ran, else the parser's errors."""
        if self.build is not None and self.build.diagnostics:
            return self.build.diagnostics
        return self.unparsable


def reviewed_paths(files: Collection[ChangedFile], *, side: str) -> list[str]:
    """Repo paths under review on one side of the change."""
    if side == "head":
        return sorted(f.path for f in files if f.status != FileStatus.DELETED)
    return sorted((f.old_path or f.path) for f in files if f.status != FileStatus.ADDED)


def build_versions(
    change: ChangeSet, runner: BufRunner | None, *, scoped: bool = False
) -> tuple[BuiltVersion, BuiltVersion, list[Layer]]:
    """Return (base, head, layers) for the change.

    With ``scoped``, the models are built from images scoped to what the change can
    affect (compat_checker.scope) when both sides compiled whole; buf still compares the
    builds (`BuiltVersion.build`) as they are.
    """
    # Both sides at once: inferred roots must agree, or buf sees files deleted and re-added.
    base_layout, head_layout = discover_layouts(change.base.root, change.head.root)
    layers: list[Layer] = []
    builds: tuple[BufBuild | None, BufBuild | None] = (None, None)
    if runner is not None:
        builds = runner.build_pair(change.base.root, base_layout, change.head.root, head_layout)
    scoped_pair = _scoped(*builds) if scoped else None
    images = (scoped_pair.base, scoped_pair.head) if scoped_pair is not None else (None, None)
    versions = []
    for side, snapshot, layout, build, image in (
        ("base", change.base, base_layout, builds[0], images[0]),
        ("head", change.head, head_layout, builds[1], images[1]),
    ):
        # Read before trusting buf, which accepts some binary garbage silently: every file
        # under review must be proto text. The parser fallback reuses these texts.
        reviewed = {
            path: snapshot.read_text(path) for path in reviewed_paths(change.files, side=side)
        }
        tree, layer, unparsable = _tree_for(side, snapshot, layout, build, reviewed, image)
        scope = scoped_pair.scope if scoped_pair is not None else None
        if scope is not None:
            layer.detail += f"; {scope.summary()}"
        layers.append(layer)
        versions.append(
            BuiltVersion(
                snapshot=snapshot,
                layout=layout,
                tree=tree,
                build=build,
                unparsable=unparsable,
                scope=scope,
                scoped_image=image,
            )
        )
    base, head = versions
    if head.unparsable:
        # A head file that does not parse is judged by its compile error alone: keeping
        # the base's model in its place keeps its elements from looking removed.
        broken = {e.module_path for e in head.unparsable}
        head.tree = _with_files_of(head.tree, base.tree, broken, dependencies=False)
    return base, head, layers


def _scoped(base: BufBuild | None, head: BufBuild | None):
    """The scoped images of both builds, or None: a side without an image, or with files
    buf left out or compile errors (left-out files are parsed and read declarations
    scoping would leave out; compile errors are matched against the base model)."""
    if base is None or head is None or not base.image or not head.image:
        return None
    if base.left_out or head.left_out or base.diagnostics or head.diagnostics:
        return None
    return scoped_images(head.image, base.image)


def _tree_for(
    side: str,
    snapshot: Snapshot,
    layout: ModuleLayout,
    build: BufBuild | None,
    reviewed_texts: dict[str, str],
    image: bytes | None = None,
) -> tuple[ProtoTree, Layer, tuple[BufFinding, ...]]:
    """`reviewed_texts`: repo path → text of the files under review on this side;
    `image`: the (scoped) image to read instead of the build's."""
    module_paths = {}
    for repo_path in reviewed_texts:
        module_path = layout.to_module_path(repo_path)
        module_paths[module_path or repo_path] = repo_path
    if build is not None and build.image is not None:
        left_out = set(build.left_out)
        to_parse = {mp: rp for mp, rp in module_paths.items() if rp in left_out}
        tree = tree_from_image(
            image or build.image,
            repo_paths=layout.module_files,
            reviewed=set(module_paths) - set(to_parse),
        )
        detail = f"buf-compiled descriptors ({len(module_paths)} files under review)"
        unparsable: tuple[BufFinding, ...] = ()
        if to_parse:
            sources = {mp: reviewed_texts[rp] for mp, rp in to_parse.items()}
            parsed, unparsable = _parse_version(snapshot, layout, sources)
            tree = _with_files_of(tree, parsed, set(sources) - {e.module_path for e in unparsable})
            detail += f", {len(to_parse)} of them parsed with proto-schema-parser"
        if build.note:
            detail += f"; {build.note}"
        return tree, _model_layer(side, detail, unparsable), unparsable
    why = build.error if build is not None else "buf disabled"
    sources = {
        module_path: reviewed_texts[repo_path] for module_path, repo_path in module_paths.items()
    }
    tree, unparsable = _parse_version(snapshot, layout, sources)
    detail = f"parsed with proto-schema-parser ({len(module_paths)} files); no descriptors: {why}"
    return tree, _model_layer(side, detail, unparsable), unparsable


def _model_layer(side: str, detail: str, unparsable: tuple[BufFinding, ...]) -> Layer:
    if unparsable:
        shown = "; ".join(f"{e.repo_path}:{e.line}:{e.column}: {e.message}" for e in unparsable[:3])
        more = f" (+{len(unparsable) - 3} more)" if len(unparsable) > 3 else ""
        detail += f"; left out, not parsable: {shown}{more}"
    return Layer(name=f"model:{side}", status=LayerStatus.RAN, detail=detail)


def _with_files_of(
    tree: ProtoTree, other: ProtoTree, module_paths: set[str], *, dependencies: bool = True
) -> ProtoTree:
    """`tree` with the files `module_paths` taken from `other` (under review), and, with
    `dependencies`, `other`'s remaining files added as dependencies where `tree` lacks them."""
    files = dict(tree.files)
    reviewed = set(tree.files) - set(tree.dependency_files)
    for module_path, file in other.files.items():
        if module_path in module_paths:
            files[module_path] = file
            reviewed.add(module_path)
        elif dependencies and module_path not in files:
            files[module_path] = file
    return ProtoTree(
        files=files,
        source=tree.source,
        dependency_files=sorted(set(files) - reviewed),
    )


def _parse_version(
    snapshot: Snapshot, layout: ModuleLayout, reviewed: dict[str, str]
) -> tuple[ProtoTree, tuple[BufFinding, ...]]:
    """Parse the files under review (module path → text), the files they import, and the
    files importing them: importers hold the services whose requests reach a changed message.

    A file that does not parse is left out and returned as an error (under review), or
    skipped (an import or importer, whose types then stay unresolved).
    """
    repo_paths = layout.module_files
    sources = dict(reviewed)
    for module_path, repo_path in repo_paths.items():
        if module_path in sources:
            continue
        text = snapshot.read_text(repo_path)
        if any(imported in reviewed for imported in scan_proto(text)[1]):
            sources[module_path] = text
    unparsable: dict[str, ProtoParseError] = {}

    def resolve(module_path: str) -> str | None:
        repo_path = repo_paths.get(module_path)
        if repo_path is None or module_path in unparsable:
            return None
        return snapshot.read_text(repo_path)

    for _ in range(_MAX_UNPARSABLE):
        try:
            tree = build_tree(
                sources,
                repo_paths=repo_paths,
                import_resolver=resolve,
                reviewed=set(reviewed),
            )
        except ProtoParseError as exc:
            if exc.path in unparsable or (exc.path not in sources and exc.path not in repo_paths):
                break  # no progress (a bundled file?): give up below
            unparsable[exc.path] = exc
            sources.pop(exc.path, None)
            continue
        errors = tuple(
            BufFinding(
                repo_path=repo_paths.get(path, path),
                line=exc.line,
                column=exc.column,
                rule="COMPILE",
                message=exc.detail,
                module_path=path,
            )
            for path, exc in sorted(unparsable.items())
            if path in reviewed
        )
        return tree, errors
    first = next(iter(unparsable.values()))
    repo_path = repo_paths.get(first.path, first.path)
    raise GateError(f"{repo_path}:{first.line}:{first.column}: {first.detail} ({snapshot.ref.ref})")
