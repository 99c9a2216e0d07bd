"""The one exception type for errors a user can cause; its message says what to do."""


class OscnetError(Exception):
    """A problem with the user's input, files or settings; the message names the fix."""


class Unsupported(OscnetError):
    """A Wekinator feature oscnet does not have (counted apart from refused commands)."""
