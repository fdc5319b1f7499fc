"""Errors for bad input, each carrying where the problem is (file, row, column or argument)."""

from __future__ import annotations


class HnbInputError(ValueError):
    """A problem with user-supplied input.

    ``str(err)`` is one line naming the place (file, row, column, or option/argument)
    and what was expected. The CLI prints it and exits 2; the UDFs return it as text.
    """

    def __init__(self, message: str, *, source: str | None = None, row: int | None = None,
                 column: str | None = None, value=None, problems: list["HnbInputError"] | None = None):
        self.message = message
        self.source = source
        self.row = row
        self.column = column
        self.value = value
        self.problems = problems or []
        super().__init__(self.describe())

    def location(self) -> str:
        parts = []
        if self.source:
            parts.append(str(self.source))
        if self.row is not None:
            parts.append(f"row {self.row}")
        if self.column:
            parts.append(f"column '{self.column}'")
        return ", ".join(parts)

    def describe(self) -> str:
        loc = self.location()
        return f"{loc}: {self.message}" if loc else self.message


class HnbInputErrors(HnbInputError):
    """Several input problems collected together, reported at once."""

    def __init__(self, problems: list[HnbInputError]):
        self.problems = list(problems)
        first = problems[0].describe() if problems else "no problems"
        more = f" (and {len(problems) - 1} more problem(s))" if len(problems) > 1 else ""
        super().__init__(first + more, problems=self.problems)
        self.message = first + more

    def describe(self) -> str:  # noqa: D401 - same contract as the parent
        return "\n".join(p.describe() for p in self.problems) if self.problems else "no problems"


def raise_all(problems: list[HnbInputError]) -> None:
    """Raise the problems found, if any: one as itself, several together as :class:`HnbInputErrors`."""
    if problems:
        raise problems[0] if len(problems) == 1 else HnbInputErrors(problems)


class ModelError(ValueError):
    """The engine's one error type: which input field is wrong, and why.

    ``field`` is the engine's name of the input (an argument such as ``"pot"``, or a table column such
    as ``"financial_year"``); ``table`` the engine's name of the table when the field is a column;
    ``index`` the position of the offending row in that table (0-based), when there is one. The engine
    knows nothing of files, options or cells: :mod:`hnb_xl.api` translates a ModelError, in one place,
    into an :class:`HnbInputError` naming the user's file and row, option or function argument.
    """

    def __init__(self, message: str, *, field: str, table: str | None = None, index: int | None = None,
                 value=None):
        self.message = message
        self.field = field
        self.table = table
        self.index = index
        self.value = value
        super().__init__(message)
