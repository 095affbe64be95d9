"""The main screen's compositor: a refresh draws again only the widgets it touches, and a frame
leaves no cyclic garbage behind.

Textual 8.2.8's compositor picks the widgets to draw for a refresh by their *clip* (their
container's visible area), not by where they are. Every child of the screen has the whole screen
as its clip, so a refresh of the one-line key bar drew the jobs table, the panes and the command
line again, each from its line cache: 5 ms of the app's thread in each frame of a followed job.
Here each widget's clip is narrowed to the part of it that shows (its region within the clip).
Every reader of the map (the cuts, the layers, the renders) takes that intersection anyway, so
what is drawn is the same, and the choice of what to draw becomes exact.

The compositor cuts each line a widget draws at the screen's cuts. A line that spans its whole
cut comes back from ``Strip.divide`` as ``[strip]``, which that strip also keeps in its own
cache: a reference cycle for nearly every line of every frame. The strip and all it caches
(seven caches each, and the strips they hold) then lived until a full collection: about 3,500
objects a second of a followed job, and collections of up to 23 ms in the middle of a frame.
Such a line is passed through whole here, so it is freed as soon as the frame is drawn. The
method is Textual's own, copied with that one change (Textual is pinned in pyproject.toml).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence

from textual._compositor import Compositor
from textual.geometry import Region
from textual.strip import Strip
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

    def _render_chops(
        self, crop: Region, is_rendered_line: Callable[[int], bool]
    ) -> Sequence[Mapping[int, Strip]]:
        """Textual's own cutting of each rendered line at the screen's cuts, front to back,
        with a line that fills its one cut passed whole (see the module's docstring)."""
        cuts = self.cuts
        chops: list[dict[int, Strip | None]] = [dict.fromkeys(cut_set[:-1]) for cut_set in cuts]
        for region, clip, strips in self._get_renders(crop):
            render_region = region.intersection(clip)
            render_x = render_region.x
            first_cut, last_cut = render_region.column_span
            for y, strip in zip(render_region.line_range, strips, strict=False):
                if not is_rendered_line(y):
                    continue
                chops_line = chops[y]
                final_cuts = [cut for cut in cuts[y] if last_cut >= cut >= first_cut]
                pieces = _divide(strip, [cut - render_x for cut in final_cuts[1:]])
                # Painting is front to back: the first strip for a cut wins.
                for cut, piece in zip(final_cuts, pieces, strict=False):
                    if chops_line.get(cut) is None:
                        chops_line[cut] = piece
        return chops  # type: ignore[return-value]


def _divide(strip: Strip, cuts: Iterable[int]) -> Sequence[Strip]:
    """``strip.divide(cuts)``, without the cycle it makes of a strip that is one piece."""
    length = strip.cell_length
    kept = [cut for cut in cuts if cut <= length]
    if kept == [length]:
        return (strip,)
    return strip.divide(kept)
