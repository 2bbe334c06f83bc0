"""Docs that cannot drift: ml/README.md's package tree and adult_pipeline's docstring list every module
(and data file) of the package, and nothing that is not there."""

import re

import adult_pipeline
from conftest import ML_DIR

PACKAGE = ML_DIR / "adult_pipeline"
TREE_ENTRY = re.compile(r"^((?:│   |    )*)[├└]── (\S+)")


def package_files() -> set[str]:
    """Every module (``__init__.py`` aside) and data file of the package, relative to ml/."""
    return {
        str(path.relative_to(ML_DIR))
        for path in PACKAGE.rglob("*")
        if path.suffix in (".py", ".json") and path.name != "__init__.py" and "__pycache__" not in path.parts
    }


def tree_lines(readme: str) -> list[str]:
    """The lines of the README's first code block that starts with ``ml/``."""
    block = readme.split("```\nml/\n", 1)[1].split("```", 1)[0]
    return block.splitlines()


def tree_paths(lines: list[str]) -> set[str]:
    """Every path the tree names, built from each entry's depth (4 characters a level) and its parents."""
    parents: list[str] = []
    paths = set()
    for line in lines:
        entry = TREE_ENTRY.match(line)
        if entry is None:
            continue
        depth, name = len(entry.group(1)) // 4, entry.group(2)
        parents[depth:] = [name.rstrip("/")]
        paths.add("/".join(parents))
    return paths


def readme_package_files() -> set[str]:
    listed = tree_paths(tree_lines((ML_DIR / "README.md").read_text(encoding="utf-8")))
    return {path for path in listed if path.startswith("adult_pipeline/") and path.endswith((".py", ".json"))}


def test_the_tree_parser_follows_the_depth() -> None:
    lines = ["├── a/   x", "│   ├── b.py   y", "│   └── c/", "│       └── d.py", "└── e.py"]
    assert tree_paths(lines) == {"a", "a/b.py", "a/c", "a/c/d.py", "e.py"}


def test_the_readme_tree_lists_every_module_of_the_package() -> None:
    files, listed = package_files(), readme_package_files()
    assert not files - listed, f"missing from ml/README.md's package tree: {sorted(files - listed)}"
    assert not listed - files, f"in ml/README.md's package tree but not in the package: {sorted(listed - files)}"


def test_the_package_docstring_names_every_module() -> None:
    modules = {
        path.removeprefix("adult_pipeline/").removesuffix(".py").replace("/", ".")
        for path in package_files()
        if path.endswith(".py")
    }
    missing = sorted(module for module in modules if f"``{module}``" not in (adult_pipeline.__doc__ or ""))
    assert not missing, f"missing from adult_pipeline/__init__.py's docstring: {missing}"


def test_every_subpackage_says_what_it_holds() -> None:
    for init in PACKAGE.glob("*/__init__.py"):
        assert init.read_text(encoding="utf-8").startswith('"""'), f"{init} has no docstring"
