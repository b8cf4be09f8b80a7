"""The floors of the package: imports only point down (docs/architecture.md).

Every ``import``/``from ... import`` of a stackatlas module inside ``src/stackatlas`` (at module level, inside
functions, and under ``TYPE_CHECKING``) is checked against :data:`FLOORS`: a module may import its own
package, any package on a lower floor, and a package on its own floor only when both are listed in
:data:`SAME_FLOOR_ALLOWED`. The package root (``stackatlas/__init__.py``, ``__main__.py``) is the public
face and may import anything.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src" / "stackatlas"

#: Bottom to top. A name is a top-level module or package of ``stackatlas``.
FLOORS: list[set[str]] = [
    {"_version", "errors", "_sql", "_geo"},
    {"dataset", "data"},
    {"store", "timeframe"},
    {"engine", "atlas", "lookups", "parquet"},
    {"analysis", "metrics", "curation"},
    {"present"},
    {"web", "report"},
    {"importers", "scale"},
    {"cli"},
]
#: Same-floor imports that are allowed (importer, imported).
SAME_FLOOR_ALLOWED = {("atlas", "engine"), ("atlas", "lookups"), ("lookups", "atlas"), ("scale", "importers")}


def _floor(name: str) -> int:
    for i, names in enumerate(FLOORS):
        if name in names:
            return i
    raise AssertionError(f"stackatlas.{name} is on no floor: add it to FLOORS in {__file__}")


def _modules() -> list[Path]:
    return sorted(p for p in SRC.rglob("*.py") if p.parent != SRC or p.stem not in ("__init__", "__main__"))


def _package(path: Path) -> str:
    rel = path.relative_to(SRC)
    return rel.parts[0].removesuffix(".py")


def _imports(path: Path) -> list[tuple[int, str]]:
    """(line, top-level stackatlas package) of every stackatlas import in ``path``."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    here = ["stackatlas", *path.relative_to(SRC).with_suffix("").parts]
    if here[-1] == "__init__":
        here = here[:-1]
    else:
        here = here[:-1]  # the package that holds the module
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = here[: len(here) - (node.level - 1)]
                mod = ".".join([*base, node.module] if node.module else base)
                # "from .. import report": the names may be subpackages
                targets = [mod] if node.module or len(base) > 1 else [f"{mod}.{a.name}" for a in node.names]
            else:
                targets = [node.module or ""]
        for t in targets:
            parts = t.split(".")
            if parts[0] == "stackatlas" and len(parts) > 1:
                found.append((node.lineno, parts[1]))
    return found


@pytest.mark.parametrize("path", _modules(), ids=lambda p: str(p.relative_to(SRC)))
def test_imports_point_down(path: Path) -> None:
    own = _package(path)
    wrong = []
    for line, pkg in _imports(path):
        if pkg == own:
            continue
        if _floor(pkg) > _floor(own) or (_floor(pkg) == _floor(own) and (own, pkg) not in SAME_FLOOR_ALLOWED):
            wrong.append(f"{path.relative_to(SRC.parent)}:{line}: stackatlas.{own} (floor {_floor(own)}) "
                         f"imports stackatlas.{pkg} (floor {_floor(pkg)})")
    assert not wrong, "imports against the floors:\n" + "\n".join(wrong)


def test_the_check_sees_upward_imports(tmp_path: Path) -> None:
    """The parser resolves relative imports, including ones inside functions."""
    pkg = tmp_path / "stackatlas" / "analysis"
    pkg.mkdir(parents=True)
    mod = pkg / "x.py"
    mod.write_text("def f():\n    from ..web import views\n    from . import profile\n    from .. import report\n")
    global SRC
    old, SRC = SRC, tmp_path / "stackatlas"
    try:
        assert _imports(mod) == [(2, "web"), (3, "analysis"), (4, "report")]
    finally:
        SRC = old


def test_every_package_is_on_a_floor() -> None:
    names = {p.stem for p in SRC.glob("*.py")} | {p.name for p in SRC.iterdir() if (p / "__init__.py").exists()}
    names -= {"__init__", "__main__"}
    for name in names:
        _floor(name)
