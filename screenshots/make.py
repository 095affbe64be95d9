"""Render the README's screenshots from the app itself: ``python -m screenshots.make [NAME...]``.

Each scene of :mod:`screenshots.scenes` (the same scenes the snapshot tests check) is drawn at
120x36 with real jobs and written to ``screenshots/<name>.svg``.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:  # run as a script from anywhere
    sys.path.insert(0, str(HERE.parent))

from screenshots.scenes import SCENES, SIZE, Scene, calm  # noqa: E402


async def render(scene: Scene, history: Path) -> str:
    """The SVG of one scene."""
    app, engine = scene.make(history)
    try:
        async with app.run_test(size=SIZE) as pilot:
            await pilot.pause()
            if scene.run_before is not None:
                await scene.run_before(pilot)
            await pilot.pause(0.2)
            return app.export_screenshot(title=f"jobtui: {scene.title}")
    finally:
        engine.shutdown()


def main(argv: list[str] | None = None) -> int:
    """Write the SVGs of the scenes named (all by default)."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", metavar="NAME", help=", ".join(SCENES))
    parser.add_argument("--out", type=Path, default=HERE, help="folder for the SVG files")
    args = parser.parse_args(argv)
    unknown = [name for name in args.names if name not in SCENES]
    if unknown:
        parser.error(f"no such scene: {', '.join(unknown)} (choose from {', '.join(SCENES)})")
    calm()
    args.out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as folder:
        for name in args.names or list(SCENES):
            svg = asyncio.run(render(SCENES[name], Path(folder) / "history"))
            path = args.out / f"{name}.svg"
            path.write_text(svg, encoding="utf-8")
            print(f"{path}  {SCENES[name].title}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
