"""The ``files`` provider: the user's own CSV and Parquet price files (see :mod:`.provider`).

============  ================================================================
module        job
============  ================================================================
``provider``  :class:`FilesData`: the ``MarketData`` provider over the files
``index``     which files hold which symbols (a folder, a long table, one file)
``reader``    one file's rows parsed into bars, every problem named
``dates``     dates and times of a file's rows as bar-end UTC timestamps
``checks``    whole-history checks (gaps, age, flat runs, likely splits)
``errors``    problems, their severities and the errors raised from them
``export``    any source written out as files the provider reads back
============  ================================================================
"""

from tradewind.data.files.errors import FileFormatError, MissingFileError, Problem
from tradewind.data.files.provider import FilesData, SymbolReport

__all__ = ["FileFormatError", "FilesData", "MissingFileError", "Problem", "SymbolReport"]
