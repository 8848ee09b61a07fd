"""Rewrites the configuration reference in docs/deploy.md from the `lakerun serve` config's JSON Schema."""

from __future__ import annotations

from pathlib import Path

from lakerun.control.serve_config import reference_markdown

DOC = Path(__file__).resolve().parent.parent / "docs" / "deploy.md"
BEGIN, END = "<!-- config-reference:begin -->", "<!-- config-reference:end -->"


def main() -> None:
    """Replaces the text between the markers."""
    text = DOC.read_text()
    head, _, rest = text.partition(BEGIN)
    _, _, tail = rest.partition(END)
    DOC.write_text(f"{head}{BEGIN}\n{reference_markdown()}\n{END}{tail}")


if __name__ == "__main__":
    main()
