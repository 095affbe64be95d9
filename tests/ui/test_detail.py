"""The detail screen: the Reason first, every property of job and child, the whole transcript."""

from __future__ import annotations

from textual.app import App, ComposeResult
from textual.geometry import Region
from textual.widget import Widget
from textual.widgets import Sparkline

from jobtui.engine import JobEngine, JobState, StatsSample
from jobtui.ui.screens.detail import JobDetailScreen
from jobtui.ui.widgets.output_view import OutputView
from jobtui.ui.widgets.property_list import PropertyList
from jobtui.ui.widgets.stats_graph import StatsGraph

from .conftest import AppRunner, until


def props(screen: JobDetailScreen, widget_id: str) -> str:
    return str(screen.query_one(f"#{widget_id}", PropertyList).render())


async def test_a_failed_job_shows_its_reason_first_and_plain(
    run_app: AppRunner, engine: JobEngine
) -> None:
    job = engine.start_job("echo starting; echo broken pipe >&2; exit 3", name="deploy")
    engine.wait_job([job])
    engine.receive_job([job])  # consumed: the detail still shows all of it
    async with run_app() as (app, pilot):
        await pilot.press("escape", "enter")
        screen = app.screen
        assert isinstance(screen, JobDetailScreen)
        reason_box = screen.query_one("#reason-box")
        assert reason_box.display
        assert reason_box.border_title == "ChildJobs[0].JobStateInfo.Reason"
        assert str(screen.query_one("#reason").render()) == "Exit code 3: broken pipe"
        assert "ExitCode 3" in str(screen.query_one("#reason-facts").render())
        # The reason is above everything else.
        assert reason_box.region.y < screen.query_one("#properties").region.y
        parent = props(screen, "props-job")
        child = props(screen, "props-child-0")
        for name in ("State", "HasMoreData", "InstanceId", "ChildJobs", "PSBeginTime", "Command"):
            assert name in parent
        assert "Failed" in parent and "{Job" in parent
        assert "Reason" in child and "Exit code 3: broken pipe" in child
        assert "ExitCode" in child and "WorkingDirectory" in child
        transcript = screen.query_one("#transcript", OutputView)
        await until(pilot, lambda: transcript.line_count == 2)
        await pilot.press("escape")
        assert not isinstance(app.screen, JobDetailScreen)


async def test_copy_report(run_app: AppRunner, engine: JobEngine) -> None:
    job = engine.start_job("exit 5")
    engine.wait_job([job])
    async with run_app() as (app, pilot):
        await pilot.press("escape", "enter", "y")
        assert "Reason: Exit code 5" in app.clipboard
        # The app can only ask the terminal (OSC 52), which may ignore it: say so, claim no more.
        (notice,) = [n.message for n in app._notifications if "report" in n.message]
        assert "sent to the terminal's clipboard" in notice
        assert "copied" not in notice


class GraphApp(App[None]):
    """The graph alone, as the detail screen sizes it."""

    CSS = "StatsGraph Sparkline { height: 2; }"

    def compose(self) -> ComposeResult:
        yield StatsGraph()


def drawn(widget: Widget) -> str:
    width, height = widget.size
    return "\n".join(
        "".join(segment.text for segment in strip)
        for strip in widget.render_lines(Region(0, 0, width, height))
    )


async def test_a_sparkline_of_one_sample_does_not_read_as_full() -> None:
    app = GraphApp()
    async with app.run_test(size=(40, 10)) as pilot:
        graph = app.query_one(StatsGraph)
        graph.show([StatsSample(cpu_percent=0.3, memory_rss=3_000_000)])
        await pilot.pause()
        for spark in graph.query(Sparkline):
            assert "█" not in drawn(spark), spark.id
        assert "CPU % now 0.3" in str(graph.query_one("#cpu-label").render())
        # Two samples make a trend: drawn from the lowest to the highest.
        graph.show([StatsSample(0.3, 3_000_000), StatsSample(50.0, 6_000_000)])
        await pilot.pause()
        assert "█" in drawn(graph.query_one("#cpu-spark", Sparkline))


async def test_a_running_job_has_cpu_and_memory_sparklines(
    run_app: AppRunner, engine: JobEngine
) -> None:
    job = engine.start_job("sleep 30")
    async with run_app() as (app, pilot):
        await pilot.press("escape", "enter")
        screen = app.screen
        assert isinstance(screen, JobDetailScreen)
        graph = screen.query_one(StatsGraph)
        assert graph.display
        spark = graph.query_one("#mem-spark", Sparkline)
        await until(pilot, lambda: len(list(spark.data or [])) >= 2)
        assert "Memory now" in str(graph.query_one("#mem-label").render())
        engine.stop_job([job])
        await until(pilot, lambda: not graph.display)
        assert "Stopped" in str(screen.query_one("#detail-title").render())
        assert job.state is JobState.Stopped
