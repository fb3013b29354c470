"""`python -m compat_checker.incidents …`: the incidents commands on their own.

The same group is mounted as `protoguard incidents`; this entry point lets scripts and tests
run it without the main CLI, with the same error contract (one line on stderr, exit 2).
"""

from __future__ import annotations

import sys

import click

from compat_checker.errors import GateError
from compat_checker.incidents.cli import incidents


def main(argv: list[str] | None = None) -> int:
    try:
        incidents.main(args=argv, prog_name="protoguard incidents", standalone_mode=False)
    except GateError as exc:
        click.echo(f"protoguard: error: {exc}", err=True)
        return exc.exit_code
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except click.Abort:
        click.echo("aborted", err=True)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
