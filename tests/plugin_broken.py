"""A plugin module that fails on import: a scenario naming it is refused in one line."""

raise RuntimeError("this plugin is broken on purpose\nsecond line never shown")
