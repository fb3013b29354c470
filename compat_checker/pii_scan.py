"""`protoguard pii …`: pii_detector's commands, with `pii scan --llm` reviewed by the same
LLM review as `protoguard check` (the same client, prompt, cache, budget and merge).

pii_detector has no LLM dependency: its `scan` takes a `Review`; this module supplies one
that runs `review_with_llm` through the gate's LLM client, and gives `scan` the LLM flags
of `check`. Without `--llm` the scan is the rules alone, offline, as before.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import click

from compat_checker.llm_flags import llm_flags
from compat_checker.pii_trees import image_tree
from pii_detector import cli as pii_cli
from pii_detector.learned import LearnedModel
from pii_detector.llm_review import review_with_llm
from pii_detector.overrides import Overrides
from pii_detector.report import ReportLayer
from pii_detector.results import PiiAnalysis
from protomodel.model import ProtoTree


class LlmReview:
    """The rules, then the gate's PII review of every file (`pii_gate.PiiLlmCalls`):
    the LLM can raise a field's level, never lower one the rules set."""

    def __init__(self, llm, skipped) -> None:
        from compat_checker import pii_gate

        self.llm = llm
        self.skipped = skipped  # the LlmStatus when no model is configured
        self.calls = pii_gate.llm_ask(llm) if llm is not None else None

    def analyze(
        self, tree: ProtoTree, overrides: Overrides, learned: LearnedModel | None
    ) -> PiiAnalysis:
        if self.calls is None:
            return pii_cli.RulesOnly().analyze(tree, overrides, learned)
        return review_with_llm(
            tree,
            self.calls,
            overrides=overrides,
            concurrency=self.llm.review_concurrency,
            learned=learned,
        )

    def status(self):
        return self.calls.status() if self.calls is not None else self.skipped

    def llm_layer(self) -> ReportLayer:
        from compat_checker import pii_gate

        return pii_gate.report_layer(self.status())


def open_review(setting: str, *, no_cache: bool, max_calls: int | None, max_tokens: int | None):
    """The LLM review as `check` would open it in this repository: protoguard.yaml's `llm`
    section, PROTOGUARD_LLM_* variables, then the flags."""
    from compat_checker.config import load_config
    from compat_checker.config.llm import with_flags
    from compat_checker.llm import open_llm

    root = pii_cli.repo_root()  # where `pii scan` reads its overrides from
    config, _path = load_config(None, root)
    settings = with_flags(config.llm, provider=setting, max_calls=max_calls, max_tokens=max_tokens)
    llm, skipped = open_llm(settings, os.environ, root=root, setting=setting, no_cache=no_cache)
    return LlmReview(llm, skipped)


def scan_with_llm(
    llm_setting: str | None,
    no_llm: bool,
    llm_required: bool,
    no_cache: bool,
    max_llm_calls: int | None,
    max_llm_tokens: int | None,
    **scan_options: Any,
) -> None:
    setting = "none" if no_llm else llm_setting
    if setting is None:
        if llm_required:
            raise click.UsageError("--llm-required needs --llm (pii scan asks no model by default)")
        sys.exit(pii_cli.run_scan(**scan_options, fast_build=image_tree))
    from compat_checker.cli import EXIT_ERROR, announce_layer_failures
    from compat_checker.llm import LlmState
    from compat_checker.pii_gate import PII_LLM_LAYER

    review = open_review(
        setting, no_cache=no_cache, max_calls=max_llm_calls, max_tokens=max_llm_tokens
    )
    code = pii_cli.run_scan(**scan_options, review=review, fast_build=image_tree)
    status = review.status()
    layer = status.to_layer(PII_LLM_LAYER).model_copy(update={"required": llm_required})
    if announce_layer_failures([layer], fallback="levels from the rules"):
        sys.exit(EXIT_ERROR)
    if status.state is LlmState.SKIPPED and setting.strip() != "none":
        click.echo(
            f"protoguard: note: {PII_LLM_LAYER} skipped, levels from the rules: {status.reason}",
            err=True,
        )
    sys.exit(code)


def _with_llm(scan: click.Command) -> click.Command:
    """pii_detector's `scan` command with the LLM flags of `check` added."""
    command = llm_flags(
        llm_help="Also ask an LLM, as `protoguard check` does (default: the rules alone; "
        "auto: Vertex AI when credentials are present, else the rules with a note)."
    )(scan_with_llm)
    return click.Command(
        name=scan.name,
        params=[*scan.params, *reversed(command.__click_params__)],
        callback=command,
        help=scan.help,
        short_help=scan.short_help,
    )


pii = click.Group(
    name=pii_cli.pii.name,
    help=pii_cli.pii.help,
    commands={**pii_cli.pii.commands, "scan": _with_llm(pii_cli.scan)},
)
