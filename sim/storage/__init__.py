"""Careful I/O, for every package that reads or writes a user's files.

- ``files``: reading a file with a size limit, so that a pipe or a huge file is refused;
- ``locks``: one writer at a time on an output directory;
- ``atomic``: a finished directory put in place whole, so a killed run loses nothing it finished.

Imports nothing of the project: the standard library only.
"""
