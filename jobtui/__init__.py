"""jobtui: PowerShell's background-job model for shell commands, in a terminal job monitor."""

__version__ = "0.1.0"
