"""The terminal driver: Textual's own, except that input which is not UTF-8 does no harm.

Textual 8.2.8's ``LinuxDriver.run_input_thread`` decodes what it reads from the terminal with
``getincrementaldecoder("utf-8")()``: strict, so one invalid byte (pasted binary, a terminal set
to Latin-1) raises UnicodeDecodeError in the input thread, which makes the app panic and exit.
Textual offers no hook for that decoder: the driver looks the factory up by its module-global
name when the input thread starts. :class:`LenientLinuxDriver` rebinds that one name to a factory
whose decoders replace invalid bytes with U+FFFD, and changes nothing else. It is a workaround
for that release: drop it once Textual decodes its input leniently itself.
"""

from __future__ import annotations

import codecs
import os
import sys
from collections.abc import Callable
from functools import partial

from textual.driver import Driver

#: What invalid input bytes become: U+FFFD. ("surrogateescape" would put lone surrogates in the
#: bar, which cannot be encoded again when the line is saved to the history.)
ERRORS = "replace"


def lenient_incremental_decoder(encoding: str) -> Callable[[], codecs.IncrementalDecoder]:
    """A stand-in for ``codecs.getincrementaldecoder``: its decoders replace invalid bytes."""
    return partial(codecs.getincrementaldecoder(encoding), errors=ERRORS)


def terminal_driver() -> type[Driver] | None:
    """The driver class for a real terminal, or None to let Textual choose: on Windows, and when
    ``TEXTUAL_DRIVER`` names one (``jobtui serve`` runs each browser tab's app on Textual's web
    driver that way; this one would draw the tab's screen on its error stream)."""
    if sys.platform == "win32" or os.environ.get("TEXTUAL_DRIVER"):
        return None
    from textual.drivers import linux_driver

    class LenientLinuxDriver(linux_driver.LinuxDriver):
        """Textual's LinuxDriver with an input decoder that never raises."""

        def run_input_thread(self) -> None:
            """Read input as Textual does, decoding with errors="replace"."""
            linux_driver.getincrementaldecoder = lenient_incremental_decoder  # type: ignore[attr-defined,assignment]
            super().run_input_thread()

    return LenientLinuxDriver
