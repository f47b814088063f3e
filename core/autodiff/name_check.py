"""Weight names that look like a mistyped data column.

In a formula every name that is not a function, ``x1..xN`` or one of the data's column
names is a trainable weight, so ``tanh(a*heigth + c)`` on data with a ``height`` column
trains ``heigth`` as a weight without a word.  :func:`close_columns` finds such names: a
weight is *close* to a column when, compared without regard to case,

- it differs from the column's name only in case (``Height`` for ``height``), or
- it has 4 or more characters and is one edit from it, or more than 5 characters and at
  most two edits, an edit being the insertion, deletion or substitution of a character or
  the transposition of two adjacent ones (optimal string alignment, the restricted
  Damerau-Levenshtein distance).

Only names a formula can use for a column count (see
:func:`core.autodiff.formula.column_names`): the generic ``x1..xN`` never do, so ``w1``,
``x12`` or ``b`` are never suspects.  A close name is a warning, not an error: it may be
meant.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

#: Shortest weight name checked for edits (shorter ones only for a difference in case).
MIN_LENGTH = 4
#: Weight names longer than this may be two edits from a column; shorter ones one.
TWO_EDITS_ABOVE = 5


@dataclass(frozen=True)
class NameWarning:
    """A weight whose name is close to a data column's.

    Attributes
    ----------
    name
        The weight, as the formula spells it.
    column
        The data column it resembles.
    edits
        Edits between the two ignoring case (0: they differ only in case).
    """

    name: str
    column: str
    edits: int

    @property
    def message(self) -> str:
        """One line: ``heigth: did you mean the column height?``."""
        return f"{self.name}: did you mean the column {self.column}?"


def allowed_edits(name: str) -> int:
    """How many edits from a column ``name`` may be and still be suspected a typo."""
    if len(name) > TWO_EDITS_ABOVE:
        return 2
    return 1 if len(name) >= MIN_LENGTH else 0


def edit_distance(a: str, b: str, limit: int) -> int:
    """Optimal string alignment distance between ``a`` and ``b`` (insert, delete,
    substitute, transpose adjacent), or ``limit + 1`` once it is known to exceed ``limit``.

    Banded: only cells within ``limit`` of the diagonal are computed, so a check costs
    ``O(len * limit)``.
    """
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    beyond = limit + 1
    before: list[int] = []  # row i - 2
    previous = list(range(len(b) + 1))  # row i - 1
    for i in range(1, len(a) + 1):
        row = [beyond] * (len(b) + 1)
        row[0] = i
        low, high = max(1, i - limit), min(len(b), i + limit)
        for j in range(low, high + 1):
            cost = 0 if a[i - 1] == b[j - 1] else 1
            best = min(previous[j] + 1, row[j - 1] + 1, previous[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                best = min(best, before[j - 2] + 1)
            row[j] = min(best, beyond)
        if min(row[max(0, low - 1):high + 1]) > limit:
            return beyond
        before, previous = previous, row
    return min(previous[len(b)], beyond)


def _deletions(text: str, depth: int) -> set[str]:
    """``text`` and every string made from it by deleting up to ``depth`` characters."""
    found = {text}
    layer = {text}
    for _ in range(depth):
        layer = {item[:i] + item[i + 1:] for item in layer for i in range(len(item))}
        found |= layer
    return found


def close_columns(weights: Iterable[str], columns: Sequence[str]) -> tuple[NameWarning, ...]:
    """The weights whose names are close to a column's (each with its closest column, the
    first in ``columns`` on a tie), in the order of ``weights``.

    Parameters
    ----------
    weights
        The formula's weight names.
    columns
        The column names a formula may use (the generic ``x1..xN`` left out), e.g. the keys
        of :func:`core.autodiff.formula.column_names`.

    Notes
    -----
    Candidates come from deletion neighbourhoods: every edit (insertion, deletion,
    substitution, transposition) is undone by deleting at most one character on each side,
    so two names at most ``k`` edits apart share a string reached by at most ``k``
    deletions from each.  Each weight's neighbourhood (``k`` its allowed edits) is indexed,
    each column's (``k = 2``) is looked up in it, and only the pairs that meet are measured.
    """
    names = [name for name in dict.fromkeys(weights) if name not in columns]
    index: dict[str, list[str]] = {}
    for name in names:
        for variant in _deletions(name.lower(), allowed_edits(name)):
            index.setdefault(variant, []).append(name)
    longest = max((len(name) for name in names), default=-3) + 2
    best: dict[str, tuple[int, int, str]] = {}  # name -> (edits, column's index, column)
    for position, column in enumerate(columns):
        if len(column) > longest:
            continue  # more than two edits from every name
        key = column.lower()
        candidates = {name for variant in _deletions(key, 2) for name in index.get(variant, ())}
        for name in candidates:
            limit = allowed_edits(name)
            edits = edit_distance(name.lower(), key, limit)
            if edits <= limit and (name not in best or (edits, position) < best[name][:2]):
                best[name] = (edits, position, column)
    return tuple(NameWarning(name, best[name][2], best[name][0])
                 for name in names if name in best)
