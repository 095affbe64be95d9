"""The command language's own error: one line a user reads, in PowerShell's words."""

from __future__ import annotations

#: PowerShell's error for objects piped into a command that takes none of them.
INPUT_NOT_BOUND = (
    "The input object cannot be bound to any parameters for the command either because the "
    "command does not take pipeline input or the input and its properties do not match any of "
    "the parameters that take pipeline input."
)


class CommandError(Exception):
    """Bad input: an unknown cmdlet or parameter, a missing value, an unbalanced brace...

    ``str(error)`` is one line, prefixed as PowerShell prints it (``ParserError: ...`` for the
    syntax, ``<Cmdlet>: ...`` for a cmdlet's parameters or values).
    """

    def __init__(self, source: str, message: str, *, incomplete: bool = False) -> None:
        # One line, whatever text the message quotes ('a<new line>b' shows as 'a\nb').
        message = _one_line(message)
        source = _one_line(source)
        super().__init__(f"{source}: {message}")
        self.source = source
        self.message = message
        #: True when more input could complete the line (an open brace or quote): plain mode
        #: then reads the next line, as PowerShell's continuation prompt does.
        self.incomplete = incomplete

    def __str__(self) -> str:
        return f"{self.source}: {self.message}"


def _one_line(text: str) -> str:
    return text.replace("\r", "\\r").replace("\n", "\\n")


def parser_error(message: str, *, incomplete: bool = False) -> CommandError:
    """A syntax error of the line (nothing of it runs)."""
    return CommandError("ParserError", message, incomplete=incomplete)


class Cancelled(Exception):
    """Ctrl+C (the cancel event) ended a wait: the rest of the line does not run."""

    def __init__(self, source: str) -> None:
        super().__init__(source)
        self.source = source

    @property
    def notice(self) -> str:
        """What the line prints about it."""
        return f"{self.source}: cancelled; the jobs go on running."


def not_recognized(name: str) -> str:
    """PowerShell's message for a command it cannot find."""
    return (
        f"The term '{name}' is not recognized as a name of a cmdlet, function, script file, or "
        "executable program. Check the spelling of the name, or if a path was included, verify "
        "that the path is correct and try again."
    )
