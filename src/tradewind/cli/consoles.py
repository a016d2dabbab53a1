"""The rich consoles the commands print through, sized for where their output goes.

rich lays out at 80 columns when its output is not a terminal (cron, a pipe, ``tee``, a file)
unless ``COLUMNS`` is set, so a table such as ``tradewind orders`` shrank its status, fill and
reason columns to "…". :class:`CommandConsole` lays such output out at least
:data:`PIPED_WIDTH` columns wide instead; a terminal keeps rich's own size, and ``COLUMNS``,
when set, still decides.
"""

from __future__ import annotations

from rich.console import Console, ConsoleDimensions

PIPED_WIDTH = 160
"""Columns laid out when the output is not a terminal and ``COLUMNS`` is not set."""


class CommandConsole(Console):
    """A rich console that is at least :data:`PIPED_WIDTH` columns wide when its output is not
    a terminal and no width was chosen (``width=`` or ``COLUMNS``); otherwise rich's size."""

    @property
    def size(self) -> ConsoleDimensions:
        """The console's dimensions (see the class docstring for the width)."""
        dims = super().size
        if self._width is not None or self.is_terminal or self.is_jupyter:
            return dims
        return ConsoleDimensions(max(dims.width, PIPED_WIDTH), dims.height)

    @size.setter
    def size(self, new_size: tuple[int, int]) -> None:
        self._width, self._height = new_size
