"""The main screen's compositor: a refresh draws again only the widgets it touches.

Textual 8.2.8's compositor picks the widgets to draw for a refresh by their *clip* (their
container's visible area), not by where they are. Every child of the screen has the whole screen
as its clip, so a refresh of the one-line key bar drew the jobs table, the panes and the command
line again, each from its line cache: 5 ms of the app's thread in each frame of a followed job.

Here each widget's clip is narrowed to the part of it that shows (its region within the clip).
Every reader of the map (the cuts, the layers, the renders) takes that intersection anyway, so
what is drawn is the same, and the choice of what to draw becomes exact.
"""

from __future__ import annotations

from textual._compositor import Compositor
from textual.geometry import Region
from textual.widget import Widget


class CroppedCompositor(Compositor):
    """A compositor whose visible widgets carry the part of them that shows as their clip."""

    @property
    def visible_widgets(self) -> dict[Widget, tuple[Region, Region]]:
        """Every visible widget's region, and the part of it within its container's clip."""
        if self._visible_widgets is None:
            widgets = Compositor.visible_widgets.fget(self)  # type: ignore[attr-defined]
            self._visible_widgets = {
                widget: (region, region.intersection(clip))
                for widget, (region, clip) in widgets.items()
            }
        return self._visible_widgets
