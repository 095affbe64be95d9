"""CPU and memory of a running job as two sparklines, from the samples its snapshot carries."""

from __future__ import annotations

from collections.abc import Sequence

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Label, Sparkline

from jobtui.engine import StatsSample
from jobtui.ui.formatting import human_bytes


class StatsGraph(Vertical):
    """Two labelled sparklines (CPU %, resident memory) of a job's process tree."""

    def compose(self) -> ComposeResult:
        """Label and sparkline for each measure."""
        yield Label("CPU %", id="cpu-label")
        yield Sparkline([], id="cpu-spark")
        yield Label("Memory", id="mem-label")
        yield Sparkline([], id="mem-spark")

    def show(self, samples: Sequence[StatsSample]) -> None:
        """Draw ``samples`` (oldest first)."""
        if samples:
            last = samples[-1]
            peak = max(s.memory_rss for s in samples)
            self.query_one("#cpu-label", Label).update(
                f"CPU % now {last.cpu_percent:.1f}, peak {max(s.cpu_percent for s in samples):.1f}"
            )
            self.query_one("#mem-label", Label).update(
                f"Memory now {human_bytes(last.memory_rss)}, peak {human_bytes(peak)}"
            )
        # A sparkline scales its bars from the lowest sample to the highest: one sample has no
        # range and fills every row (which reads as 100%). Until a second one there is no trend
        # to draw, only the baseline; the labels already say the value.
        drawn = samples if len(samples) >= 2 else []
        self.query_one("#cpu-spark", Sparkline).data = [s.cpu_percent for s in drawn]
        self.query_one("#mem-spark", Sparkline).data = [float(s.memory_rss) for s in drawn]
