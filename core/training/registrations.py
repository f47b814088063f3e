"""Opening a file that carries definitions, all or nothing.

A session or a lesson registers the ops and optimizers it embeds as it is read, before the
rest of it is checked.  When the rest is refused, what it registered must not stay: an op
named like a weight of the graph on screen would make that graph's formula unreadable, and
a definition replaced under a known name would change what that name trains with.
"""

from __future__ import annotations

from core.autodiff import user_ops
from core.training.optimizers import OPTIMIZERS, Optimizer, forget_optimizer, register_optimizer


class Registered:
    """The registered file ops and optimizers when it was made; :meth:`restore` puts them
    back so."""

    def __init__(self) -> None:
        self.ops = {d["name"]: d for d in user_ops.registered()}
        self.optimizers: dict[str, type[Optimizer]] = dict(OPTIMIZERS)

    def restore(self) -> None:
        """Take back what was registered since, and put back what was replaced."""
        now = {d["name"]: d for d in user_ops.registered()}
        user_ops.unregister([name for name in now if name not in self.ops])
        user_ops.register([d for name, d in self.ops.items() if now.get(name) != d])
        for name in list(OPTIMIZERS):
            if name not in self.optimizers:
                forget_optimizer(name)
        for name, cls in self.optimizers.items():
            if OPTIMIZERS.get(name) is not cls:
                register_optimizer(cls)
