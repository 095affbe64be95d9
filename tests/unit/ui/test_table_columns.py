"""The job table's columns: which are shown, and how wide, at each terminal width."""

from __future__ import annotations

from jobtui.ui.table.columns import (
    COLUMN_KEYS,
    COLUMNS,
    COMMAND_ROOM,
    MIN_COMMAND_WIDTH,
    NAME_MAX_WIDTH,
    ON_DEMAND,
    ColumnSpec,
    layout,
)


def widths(specs: tuple[ColumnSpec, ...]) -> dict[str, int]:
    return {spec.key: spec.width for spec in specs}


def command_room(width: int, specs: tuple[ColumnSpec, ...]) -> int:
    return width - sum(spec.width for spec in specs if spec.key != "command")


def test_at_120_columns_every_column_keeps_its_width() -> None:
    assert layout(118, widest_name=26) == tuple(c for c in COLUMNS if c.key not in ON_DEMAND)


def test_the_queue_columns_show_only_while_a_row_has_text_in_them() -> None:
    keys = [spec.key for spec in layout(200)]
    assert "left" not in keys and "progress" not in keys
    keys = [spec.key for spec in layout(200, needed={"progress"})]
    assert "progress" in keys and "left" not in keys
    both = layout(200, needed=ON_DEMAND)
    assert [s.key for s in both] == [key for key in COLUMN_KEYS]
    # The settings' choice still rules: a column left out stays out, needed or not.
    assert "left" not in [s.key for s in layout(200, chosen=("id", "command"), needed=ON_DEMAND)]


def test_on_a_narrow_table_time_left_goes_before_progress() -> None:
    keys = [spec.key for spec in layout(90, needed=ON_DEMAND)]
    assert "progress" in keys and "left" not in keys


def test_a_narrow_table_hides_the_constant_columns_first_and_keeps_the_command() -> None:
    specs = layout(78)
    keys = [spec.key for spec in specs]
    for kept in ("id", "name", "state", "more", "command"):
        assert kept in keys
    assert "location" not in keys and "type" not in keys
    assert command_room(78, specs) >= MIN_COMMAND_WIDTH
    assert keys == [key for key in COLUMN_KEYS if key in keys]  # the order stays


def test_on_a_wide_terminal_name_grows_to_the_widest_name_before_command() -> None:
    specs = layout(198, widest_name=len("build-frontend-assets-prod"))
    assert widths(specs)["name"] == len("build-frontend-assets-prod") + 1
    assert command_room(198, specs) >= COMMAND_ROOM
    # Short names leave Name as it is.
    assert widths(layout(198, widest_name=5))["name"] == 11


def test_name_grows_no_further_than_its_cap_or_the_room_beyond_command() -> None:
    assert widths(layout(400, widest_name=300))["name"] == NAME_MAX_WIDTH
    specs = layout(140, widest_name=300)
    assert command_room(140, specs) == COMMAND_ROOM
    assert 11 < widths(specs)["name"] < NAME_MAX_WIDTH


def test_hasmoredata_widens_for_full_counts_only_when_name_has_its_room() -> None:
    assert widths(layout(198, widest_name=26))["more"] == 17
    assert widths(layout(118))["more"] == 12
    tight = layout(150, widest_name=40)
    assert widths(tight)["more"] == 12 and command_room(150, tight) == COMMAND_ROOM
