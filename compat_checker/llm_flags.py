"""The LLM flags of every command that asks the model (`check`, `pii scan`): one
definition, so that they mean the same everywhere."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

import click

F = TypeVar("F", bound=Callable[..., object])

REQUIRED_HELP = "Fail closed: exit 2 when an LLM review (compatibility or PII) does not complete."


def llm_flags(*, llm_help: str, required_help: str = REQUIRED_HELP) -> Callable[[F], F]:
    """`--llm`, `--no-llm`, `--llm-required`, `--no-cache`, `--max-llm-calls`,
    `--max-llm-tokens` (parameters `llm_setting`, `no_llm`, `llm_required`, `no_cache`,
    `max_llm_calls`, `max_llm_tokens`); `llm_help` says what the command's default is."""
    options = (
        click.option(
            "--llm", "llm_setting", metavar="auto|none|vertex|PROVIDER:MODEL", help=llm_help
        ),
        click.option("--no-llm", is_flag=True, help="Same as --llm none."),
        click.option("--llm-required", is_flag=True, help=required_help),
        click.option("--no-cache", is_flag=True, help="Do not read or write the LLM answer cache."),
        click.option(
            "--max-llm-calls",
            type=click.IntRange(min=0),
            help="Stop calling the LLM after this many calls.",
        ),
        click.option(
            "--max-llm-tokens",
            type=click.IntRange(min=0),
            help="Stop calling the LLM after this many tokens.",
        ),
    )

    def decorate(command: F) -> F:
        for option in reversed(options):
            command = option(command)
        return command

    return decorate
