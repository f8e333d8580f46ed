"""Careful I/O, for every package that reads or writes a user's files.

- ``files``: reading a file with a size and a nesting limit, so that a pipe, a huge file or
  one nested thousands deep is refused; values shortened for one-line messages;
- ``writes``: no write follows a link the user did not name: unique temporaries created
  exclusively, locks opened without following links, outputs that are links refused;
- ``locks``: one writer at a time on an output directory;
- ``atomic``: a finished directory put in place whole, so a killed run loses nothing it finished.

Imports nothing of the project: the standard library only.
"""
