"""The formats a figure is written in, and the ``--format`` list that picks them.

Kept apart from the figures so that the command line knows them without importing matplotlib.
"""

from __future__ import annotations

from sim.storage.files import show

#: The formats a figure is written in, named as their file extensions.
FORMATS = ("png", "svg", "pdf")
#: The formats written when none is asked for.
DEFAULT_FORMATS = ("png", "svg")
#: Resolution of the raster formats, dots per inch (a vector format ignores it).
DPI = 110


def parse_formats(text: str, flag: str = "--format") -> tuple[str, ...]:
    """``"png,pdf"`` → ``("png", "pdf")``: a comma list of :data:`FORMATS`, each once, in the order given.

    Raises
    ------
    ValueError
        An empty entry, or a format not in :data:`FORMATS` (named, with those that are).
    """
    parts = [part.strip().lower() for part in text.split(",")]
    unknown = [part for part in parts if part not in FORMATS]
    if unknown:
        what = f"unknown format {show(unknown[0])}" if unknown[0] else "an empty entry"
        raise ValueError(f"{flag} {show(text)}: {what}: give a comma list of {', '.join(FORMATS)}")
    return tuple(dict.fromkeys(parts))
