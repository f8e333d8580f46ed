"""Runs that several tests of a module share, cached for that module in one pytest session.

Not ``functools.cache`` on a module's function: such a cache outlives the session, and mutation
testing (mutmut runs the clean tests in its own process and forks each mutant's tests from it)
would hand every mutant the unmutated code's runs. A module-scoped fixture is built afresh in
every session, so each mutant's tests make their own runs.
"""

from __future__ import annotations

import functools

import pytest


def shared(function):
    """A module-scoped fixture giving ``function`` cached by its arguments, for one module's tests.

    The fixture is named as ``function`` without its leading underscore: ``history = shared(_history)``.
    """

    @pytest.fixture(scope="module", name=function.__name__.lstrip("_"))
    def runs():
        return functools.cache(function)

    runs.__doc__ = function.__doc__
    return runs
