"""Shared fixtures: real subsets of the embedded England LSOA 2021 set, and the repository's own files.

Repository files (configs/examples, README.md, scripts/) are found from this folder's location, never from the
package's ``__file__``: the suite runs against an installed nhgeo (``pip install .``) as well as a clone."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pytest

from nhgeo.geo.graph import AdjacencyGraph, build_graph
from nhgeo.sources.boundaries import load_embedded
from nhgeo.sources.selection import select_place

THREE_BOROUGHS = "Camden,Islington,City of London"
REPO = Path(__file__).resolve().parents[1]  # the clone holding this tests/ folder


def pytest_report_header() -> str:
    """Which nhgeo is under test (the installed package or the clone's src/ through PYTHONPATH)."""
    import nhgeo

    return f"nhgeo {nhgeo.__version__} from {Path(nhgeo.__file__).resolve().parent}"


@pytest.fixture(scope="session")
def repo() -> Path:
    """The repository root (README.md, configs/, scripts/), from the tests folder's location."""
    return REPO


@pytest.fixture(scope="session")
def examples() -> Path:
    """configs/examples of the repository: the example footprints the README uses."""
    return REPO / "configs" / "examples"


@pytest.fixture(scope="session")
def england() -> gpd.GeoDataFrame:
    return load_embedded(2021)


@pytest.fixture(scope="session")
def london(england: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return select_place(england, "London")


@pytest.fixture(scope="session")
def london_graph(london: gpd.GeoDataFrame) -> AdjacencyGraph:
    return build_graph(london)


@pytest.fixture(scope="session")
def three(england: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    return select_place(england, THREE_BOROUGHS)


@pytest.fixture(scope="session")
def three_graph(three: gpd.GeoDataFrame) -> AdjacencyGraph:
    return build_graph(three)
