"""The line numbers quoted in messages: headers, dotted and quoted keys, multi-line strings."""

from __future__ import annotations

from jobtui.data.toml_lines import key_lines, line_of

TEXT = '''# comment
keep = true
note = """
fake = 1
"""
[keymap]
jobs.stop = "t"
"jobs.remove" = "d"
  'app.quit' = "q"   # indented

[locations."my box"]   # a quoted name
kind = "ssh"
[[later]]
x = 1
'''


def test_each_key_has_the_line_that_writes_it() -> None:
    lines = key_lines(TEXT)
    assert lines[("keep",)] == 2
    assert ("fake",) not in lines  # inside a multi-line string
    assert lines[("keymap",)] == 6
    assert lines[("keymap", "jobs", "stop")] == 7
    assert lines[("keymap", "jobs")] == 7
    assert lines[("keymap", "jobs.remove")] == 8
    assert lines[("keymap", "app.quit")] == 9
    assert lines[("locations", "my box")] == 11
    assert lines[("locations", "my box", "kind")] == 12
    assert lines[("later", "x")] == 14


def test_an_unknown_key_falls_back_to_its_table() -> None:
    lines = key_lines(TEXT)
    assert line_of(lines, ("keymap", "jobs.wait")) == 6
    assert line_of(lines, ("nothing",)) is None
