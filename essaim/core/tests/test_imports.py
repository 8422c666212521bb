"""No import of Essaim's own modules inside a function.

Such an import dodges a cycle rather than removing it: the layers (the import-linter contract
in pyproject.toml) still see it, and the cycle bites at run time instead of at start-up. A lower
domain announces what happened (core.events) or asks a registry filled from above; the one
place an import waits inside a function is AppConfig.ready(), where the domains subscribe and
register once every app is loaded."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[3]
OWN = ("essaim", "config")


def _own(node: ast.Import | ast.ImportFrom) -> bool:
    if isinstance(node, ast.ImportFrom):
        return node.level > 0 or (node.module or "").split(".")[0] in OWN
    return any(alias.name.split(".")[0] in OWN for alias in node.names)


def _is_ready(function: ast.FunctionDef | ast.AsyncFunctionDef, path: Path) -> bool:
    return path.name == "apps.py" and function.name == "ready"


def imports_inside_functions(path: Path) -> list[tuple[str, int]]:
    """(function, line) of every import of Essaim's modules inside a function of `path`."""
    found: list[tuple[str, int]] = []

    def visit(node: ast.AST, function: str | None) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
                if not _is_ready(child, path):
                    visit(child, child.name)
            elif isinstance(child, ast.Import | ast.ImportFrom):
                if function is not None and _own(child):
                    found.append((function, child.lineno))
            else:
                visit(child, function)

    visit(ast.parse(path.read_text(encoding="utf-8"), filename=str(path)), None)
    return found


def _sources() -> list[Path]:
    # Not bench/ nor scripts/: standalone programs, which import the project once they have
    # configured Django.
    return sorted(
        path
        for folder in ("essaim", "config", "tests")
        for path in (ROOT / folder).rglob("*.py")
        if "migrations" not in path.parts
    )


def test_no_import_of_essaim_inside_a_function():
    offending = [
        f"{path.relative_to(ROOT)}:{line} ({function})"
        for path in _sources()
        for function, line in imports_inside_functions(path)
    ]
    assert offending == []


def test_the_check_sees_imports_in_functions_and_methods_but_not_in_ready(tmp_path):
    module = tmp_path / "apps.py"
    module.write_text(
        "import essaim.core\n"
        "def f():\n    from essaim.accounts import models\n"
        "class C:\n"
        "    def ready(self):\n        from essaim.accounts import personal_data\n"
        "    def method(self):\n        import config.urls\n"
        "        def inner():\n            from . import sibling\n"
        "def g():\n    import json\n"
    )
    assert imports_inside_functions(module) == [("f", 3), ("method", 8), ("inner", 10)]
