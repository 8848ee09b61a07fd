"""Prints how much of the source the tests reach directly: test lines per source line, and modules a test imports.

A module counts as directly tested when some file under tests/ imports it by name (`from lakerun.a.b import`,
`import lakerun.a.b`, or `from lakerun.a import b`); modules reached only through a server or a subprocess do not.
Usage: python scripts/test_reach.py
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SOURCE = ROOT / "src"
TESTS = ROOT / "tests"
GENERATED = ("golden",)


def _lines(files: list[Path]) -> int:
    return sum(len(path.read_text(encoding="utf-8").splitlines()) for path in files)


def _module_name(path: Path) -> str:
    parts = path.relative_to(SOURCE).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _imported(path: Path) -> set[str]:
    """Every dotted name a file imports, with `from a import b` counted as both `a` and `a.b`."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
            names.update(f"{node.module}.{alias.name}" for alias in node.names)
    return names


def main() -> None:
    """Prints both figures."""
    sources = sorted(SOURCE.rglob("*.py"))
    tests = [p for p in sorted(TESTS.rglob("*.py")) if not set(p.parts) & set(GENERATED)]
    modules = {_module_name(p) for p in sources if p.name != "__init__.py"}
    imported = set().union(*(_imported(p) for p in tests))
    reached = modules & imported
    source_lines, test_lines = _lines(sources), _lines(tests)
    print(f"test lines / source lines: {test_lines} / {source_lines} = {test_lines / source_lines:.2f}")
    print(f"modules with a direct test: {len(reached)} of {len(modules)} (__init__ files not counted)")


if __name__ == "__main__":
    main()
