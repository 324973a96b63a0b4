"""Shared fixtures: real subsets of the embedded England LSOA 2021 set."""

from __future__ import annotations

import geopandas as gpd
import pytest

from nhgeo.geo.graph import AdjacencyGraph, build_graph
from nhgeo.sources.boundaries import load_embedded
from nhgeo.sources.selection import select_place

THREE_BOROUGHS = "Camden,Islington,City of London"


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
