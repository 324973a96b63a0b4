"""The package is laid out by layer; old flat module paths still import for one release, with a warning."""

from __future__ import annotations

import ast
import importlib
import sys
import warnings
from pathlib import Path

import pytest

import nhgeo

#: bottom to top: a module may import only from its own layer or those before it
LAYERS = ["errors", "version", "sources", "geo", "model", "footprints", "check", "profile", "design", "ensemble",
          "render", "output", "edit", "cli"]


def _layer(module: str) -> str | None:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "nhgeo" and parts[1] in LAYERS else None


def _imports(path: Path, module: str) -> list[str]:
    """Absolute nhgeo modules imported by ``path`` (relative imports resolved)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    out = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level:
            base = package.split(".")[: len(package.split(".")) - node.level + 1]
            target = ".".join(base + ([node.module] if node.module else []))
            out.extend(f"{target}.{a.name}" if node.module is None else target for a in node.names)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("nhgeo"):
            out.append(str(node.module))
    return out


def test_no_import_climbs_back_up_a_layer() -> None:
    root = Path(nhgeo.__file__).parent
    climbs = []
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root.parent).with_suffix("")
        module = ".".join(p for p in rel.parts if p != "__init__")
        own = _layer(module)
        if own is None:
            continue
        for target in _imports(path, module):
            other = _layer(target)
            if other is not None and LAYERS.index(other) > LAYERS.index(own):
                climbs.append(f"{module} -> {target}")
    assert climbs == []


def test_layer_check_sees_a_planted_climb(tmp_path: Path) -> None:
    bad = tmp_path / "nhgeo" / "geo" / "x.py"
    bad.parent.mkdir(parents=True)
    bad.write_text("from ..design.partition import BalancedPartition\n")
    targets = _imports(bad, "nhgeo.geo.x")
    assert targets == ["nhgeo.design.partition"]
    assert LAYERS.index(_layer(targets[0]) or "") > LAYERS.index("geo")


@pytest.mark.parametrize(("old", "new"), [("nhgeo.graph", "nhgeo.geo.graph"),
                                          ("nhgeo.partition", "nhgeo.design.partition"),
                                          ("nhgeo.rules.base", "nhgeo.check.rules.base"),
                                          ("nhgeo.pipeline", "nhgeo.design.propose")])
def test_old_module_paths_import_with_a_deprecation_warning(old: str, new: str) -> None:
    sys.modules.pop(old, None)
    with pytest.warns(DeprecationWarning, match=new.replace(".", r"\.")):
        mod = importlib.import_module(old)
    assert mod is importlib.import_module(new)


def test_an_old_package_path_never_loads_a_second_copy() -> None:
    for name in ("nhgeo.rules", "nhgeo.rules.base"):
        sys.modules.pop(name, None)
    with pytest.warns(DeprecationWarning):
        importlib.import_module("nhgeo.rules")  # the old package first, then a submodule under it
    sys.modules.pop("nhgeo.rules.base", None)
    with pytest.warns(DeprecationWarning):
        base = importlib.import_module("nhgeo.rules.base")
    assert base.Severity is importlib.import_module("nhgeo.check.rules.base").Severity


def test_old_attribute_paths_and_the_public_api() -> None:
    vars(nhgeo).pop("partition", None)  # an earlier import of the old path sets the attribute
    with pytest.warns(DeprecationWarning):
        part = nhgeo.partition  # the README's nhgeo.partition.BalancedPartition
    assert part.BalancedPartition is importlib.import_module("nhgeo.design.partition").BalancedPartition
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for name in ["propose", "validate", "diff", "coverage_report", "load_units", "build_graph", "REGISTRY",
                     "open_study", "get_path", "Assignment", "Footprint", "Rules", "Study"]:
            assert getattr(nhgeo, name) is not None
    assert callable(nhgeo.diff)  # the function, never the module
    with pytest.raises(AttributeError):
        _ = nhgeo.no_such_thing  # type: ignore[attr-defined]
