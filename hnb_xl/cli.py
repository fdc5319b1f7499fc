"""The `hnb-xl` command: argument parsing and dispatch only.

Each subcommand lives in hnb_xl/commands/<name>.py with ``register(subparsers)``; the module
sets ``func`` on its parser. User errors (HnbInputError) print one line and exit 2, and so does a
file or folder that cannot be read or written (OSError: the path and the system's reason). With
no command, or options before any command (``hnb-xl --format json``), the report runs.
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys

from . import __version__
from .errors import HnbInputError

_TOP_OPTIONS = ("-h", "--help", "--version")     # the options of hnb-xl itself, before a command
COMMAND_MODULES = ["report", "history", "project", "contingency", "transfer", "plan", "pack", "build", "check", "verify",
                   "refresh", "template", "sen2", "backtest", "forecast", "export"]


class _Formatter(argparse.HelpFormatter):
    def _format_text(self, text):
        """A description is %-formatted as argparse formats help strings (it formats a description
        only when it holds ``%(prog)``), so ``%%`` in the source prints as ``%`` everywhere."""
        return super()._format_text(text % {"prog": self._prog} if "%" in text else text)


class _Parser(argparse.ArgumentParser):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **kwargs)

    def error(self, message):
        """Exit 2 with ONE line naming the program and the option (argparse would print its usage
        first); an option type's message that names its option already is not prefixed twice."""
        m = re.match(r"argument (\S+): (\S+): (.*)", message, re.S)
        if m and m.group(2) in m.group(1).split("/"):
            message = f"argument {m.group(2)}: {m.group(3)}"
        self.exit(2, f"{self.prog}: error: {' '.join(message.split())} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="hnb-xl", description="High Needs Block (DSG) model: history, projection, "
                     "safety valve, SEND contingency and block transfer. With no command: the full report.")
    parser.add_argument("--version", action="version", version=f"hnb-xl {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for name in COMMAND_MODULES:
        importlib.import_module(f"hnb_xl.commands.{name}").register(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else list(argv)
    if not argv or (argv[0].startswith("-") and argv[0] not in _TOP_OPTIONS):
        argv = ["report", *argv]           # a bare hnb-xl, or the report's options without its name
    args = parser.parse_args(argv)
    try:
        text = args.func(args)
    except HnbInputError as exc:
        print(f"hnb-xl: error: {exc}", file=sys.stderr)
        return 2
    except BrokenPipeError:
        return 0
    except OSError as exc:
        where = exc.filename if exc.filename is not None else "a file"
        print(f"hnb-xl: error: {where}: {exc.strerror or exc}", file=sys.stderr)
        return 2
    if isinstance(text, int):
        return text
    if text:
        sys.stdout.write(text if text.endswith("\n") else text + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
