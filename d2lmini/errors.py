"""The one exception for mistakes a user can fix: bad arguments, missing folders, bad files.

The command line prints its message as one line (no traceback unless --debug) and exits 2;
in a notebook it reads as a plain sentence saying what was wrong and what to do.
"""

__all__ = ["UserError"]


class UserError(Exception):
    """A mistake the user can fix; the message says what was wrong and what to do."""
