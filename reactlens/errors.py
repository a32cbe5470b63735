"""Errors a user can act on, and the signal a component uses to end a screening early."""

from __future__ import annotations


class ReactlensError(Exception):
    """A problem the user can fix, told in one line: what is wrong, then what to do."""

    def __init__(self, problem: str, fix: str = "") -> None:
        self.problem = problem
        self.fix = fix
        super().__init__(f"{problem}; {fix}" if fix else problem)


class ComponentError(ReactlensError):
    """A plugin's component raised while the loop was running; names the component and its plugin."""


class StopScreening(Exception):
    """Raised by a component (a preview window closed, a device out of frames) to end the run cleanly."""
