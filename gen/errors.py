"""The one exception type that carries a message meant for a person."""


class UserError(ValueError):
    """Bad input from a user: the message names the problem and the fix.

    Library code raises it for anything a person can correct (a missing file,
    an unknown name, a value out of range). Command-line scripts print its
    message as one paragraph, without a traceback, and exit non-zero
    (`gen.cli.run`). It subclasses ValueError so that notebook users can catch
    it as one.
    """
