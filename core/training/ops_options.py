"""``--ops FILE`` and ``--break FILE``, shared by every command with model options and by
the window.

``--ops`` is read, checked (:mod:`core.autodiff.user_ops`: fields, names, derivatives
against finite differences) and registered before the graph formula is parsed, so the
formula may call the ops; ``--break`` (:mod:`core.autodiff.breaks`) is applied to the graph
once it is built.  Both are kept on the arguments (``user_ops``, ``break_entries``) for the
training configs, which embed them in sessions.  Every problem is a one-line usage error.
"""

from __future__ import annotations

import argparse
import re
from typing import TYPE_CHECKING, Any

from core.inputs import UsageError

if TYPE_CHECKING:
    from core.autodiff.graph import Graph
    from core.data.datasets import Dataset
    from core.training.config import TrainingConfig


class _OneFile(argparse.Action):
    """The option's file; given twice, a usage error (argparse would keep the last one and
    drop the first without a word)."""

    def __call__(self, parser: argparse.ArgumentParser, namespace: argparse.Namespace,
                 values: Any, option_string: str | None = None) -> None:
        if getattr(namespace, self.dest, None) is not None:
            parser.error(f"{option_string}: give one file (got more than one)")
        setattr(namespace, self.dest, values)


def add_ops_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--ops", dest="ops", metavar="FILE", action=_OneFile,
                        help="ops defined as formulas (JSON: name, args, forward, "
                             "derivatives, optional domain and symbol), checked against "
                             "finite differences before use; the graph formula may call them")
    parser.add_argument("--break", dest="break", metavar="FILE", action=_OneFile,
                        help="derivatives replaced on purpose (an ops entry of an op the "
                             "graph uses, plus \"nodes\": the node names; omitted: every "
                             "node of that op)")


def register_ops_option(args: argparse.Namespace) -> tuple[dict[str, Any], ...]:
    """Read and register ``--ops`` (none: ``()``), kept as ``args.user_ops``.

    Raises
    ------
    UsageError
        The file, the entry, the field and the problem; an op named like a weight the
        ``--graph`` formula spells.
    """
    from core.autodiff.user_ops import OpsFileError, read_ops_file, register

    path = getattr(args, "ops", None)
    definitions: tuple[dict[str, Any], ...] = ()
    if path is not None:
        try:
            definitions = read_ops_file(path)
            _refuse_weight_names(definitions, _formula_text(getattr(args, "graph", None)),
                                 path)
            register(definitions, f"--ops {path}")
        except OpsFileError as error:
            raise UsageError(str(error)) from None
    args.user_ops = definitions
    return definitions


def _formula_text(spec: object) -> str:
    """The formula a ``--graph`` value means: a preset's (the seed's when none is given),
    or the text itself."""
    from core.presets import PRESETS

    text = spec.strip() if isinstance(spec, str) else "seed"
    return PRESETS[text].formula if text in PRESETS else text


def _refuse_weight_names(definitions: tuple[dict[str, Any], ...], formula: str,
                         path: str) -> None:
    """An op whose name the formula spells other than as a call: that name is a named
    step (the target of ``name = expression``) or a weight."""
    from core.autodiff.user_ops import OpsFileError

    for definition in definitions:
        name = definition["name"]
        if re.search(rf"(?<![\w.]){re.escape(name)}(?!\w)(?!\s*\()", formula):
            what = "named step" if name in step_names(formula) else "weight"
            raise OpsFileError(f"--ops {path}: op {name!r} has the name of the graph's "
                               f"{what} {name}; rename one of them")


def step_names(formula: str) -> frozenset[str]:
    """The names the formula's statements ``name = expression`` give (none for a formula
    that cannot be read: the formula's own error comes later)."""
    from core.expr.parse import ExpressionError, read_formula

    try:
        statements = read_formula(formula).statements
    except ExpressionError:
        return frozenset()
    return frozenset(target for statement in statements if statement.kind == "assignment"
                     for target in statement.targets if target)


def apply_break_option(args: argparse.Namespace, graph: Graph, dataset: Dataset) -> Graph:
    """``graph`` with ``--break`` applied (none: ``graph``), after checking that no op of
    ``--ops`` is named like one of the data's columns; the breaks kept as
    ``args.break_entries``.

    Raises
    ------
    UsageError
        The file, the entry and the problem (a node the graph lacks, an op it does not use).
    """
    from core.autodiff.breaks import apply_breaks, read_break_file
    from core.autodiff.user_ops import OpsFileError, check_clashes

    ops = getattr(args, "user_ops", ())
    path = getattr(args, "break", None)
    try:
        if ops:
            columns = [*dataset.feature_names, dataset.target_name]
            check_clashes([d["name"] for d in ops], weights=graph.weights,
                          columns=[c for c in columns if c],
                          where=f"--ops {args.ops}")
        breaks = () if path is None else read_break_file(path)
        args.break_entries = breaks
        return apply_breaks(graph, breaks, f"--break {path}")
    except OpsFileError as error:
        raise UsageError(str(error)) from None


def config_with_break_option(args: argparse.Namespace, config: TrainingConfig
                             ) -> TrainingConfig:
    """``config`` with ``--break`` (the window's start; none: ``config``), after checking
    that no op of ``--ops`` is named like a weight of its graph or a column of its data.

    Raises
    ------
    UsageError
        The file, the entry and the problem.
    """
    if getattr(args, "break", None) is None and not getattr(args, "user_ops", ()):
        return config
    graph, _ = config.build_graph()
    apply_break_option(args, graph, config.load_data())
    return config.replace(breaks=args.break_entries) if args.break_entries else config
