"""Jobs on this machine: process trees read on one reactor thread, and built-ins on threads."""
