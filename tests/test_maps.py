"""map.png: stands alone (title, legend, labels, scale bar, north arrow) and is the same bytes for the same input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import nhgeo
from nhgeo.design.propose import ProposeResult
from nhgeo.render import png


@pytest.fixture(scope="module")
def ci() -> ProposeResult:
    return nhgeo.propose("Camden,Islington", seed=0)


def _hoods(res: ProposeResult) -> pd.DataFrame:
    return pd.DataFrame({"name": [h.name for h in res.proposal.neighbourhoods],
                         "status": ["exception" if k == 0 else h.status
                                    for k, h in enumerate(res.proposal.neighbourhoods)]},
                        index=[h.id for h in res.proposal.neighbourhoods])


def _texts(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every text matplotlib draws (labels, title, legend), recorded as it is drawn."""
    from matplotlib.text import Text

    seen: list[str] = []
    draw = Text.draw

    def spy(self: Text, renderer: object) -> None:
        if self.get_visible() and self.get_text():
            seen.append(self.get_text())
        draw(self, renderer)

    monkeypatch.setattr(Text, "draw", spy)
    return seen


def test_detail_map_is_labelled_and_deterministic(ci: ProposeResult, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    texts = _texts(monkeypatch)
    a, b = tmp_path / "a.png", tmp_path / "b.png"
    png.draw_map(ci.assignment, _hoods(ci), a, title="nhgeo proposal: Camden,Islington")
    texts = list(texts)  # the first drawing's texts
    drawn = "\n".join(texts)
    png.draw_map(ci.assignment, _hoods(ci), b, title="nhgeo proposal: Camden,Islington")
    assert a.read_bytes() == b.read_bytes()
    assert "nhgeo proposal: Camden,Islington" in drawn and "Census 2021" in drawn  # title with the data date
    labels = [t.replace("\n", " ") for t in texts]
    labels = [t for t in labels if t in {h.name for h in ci.proposal.neighbourhoods}]
    # a place's own label and legend entry may read like its namesake neighbourhood ("Islington"): not counted
    labels = [t for t in labels if t not in {p.name for p in ci.places}]
    assert len(set(labels)) >= len(ci.proposal.neighbourhoods) - 3  # labelled by name where it fits
    assert len(set(labels)) == len(labels)  # unique at the zoom shown
    assert not any(t.startswith("N0") for t in texts)  # never a bare id
    assert "Legend" in drawn and "place outline" in drawn and "exception" in drawn  # hatch explained
    assert "local authority outline" in drawn and "km" in drawn and "N" in texts  # scale bar, north arrow
    assert "Open Government Licence" in drawn
    from PIL import Image

    img = np.asarray(Image.open(a).convert("RGB"), dtype=np.int16)
    assert img.shape[1] >= 1200 and img.std() > 20  # a real picture, wide enough to read at 100%


def test_overview_names_places_not_neighbourhoods(ci: ProposeResult, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(png, "DETAIL_MAX", 3)  # as for a region or all England
    texts = _texts(monkeypatch)
    png.draw_map(ci.assignment, _hoods(ci), tmp_path / "o.png", title="overview")
    drawn = "\n".join(texts)
    assert not any(t.startswith("N0") for t in texts)  # no neighbourhood labels: no smear
    assert "Islington" in drawn and "Camden" in drawn  # the places are named


def test_write_proposal_draws_the_map(ci: ProposeResult, tmp_path: Path) -> None:
    from PIL import Image

    from nhgeo.output import write_proposal

    write_proposal(ci, tmp_path / "out", maps=True)
    img = Image.open(tmp_path / "out" / "map.png")
    assert img.width >= 1200 and img.height >= 600


def test_nothing_drawn_over_the_title(ci: ProposeResult, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Issue 25: map.png's subtitle was drawn over land; the title band sits above the map's axes."""
    from matplotlib.text import Text

    seen: list[tuple[str, object, object]] = []
    draw = Text.draw

    def spy(self: Text, renderer: object) -> None:
        draw(self, renderer)
        if self.get_visible() and self.get_text() and self.axes is None:
            seen.append((self.get_text(), self.get_window_extent(renderer), self.figure))

    monkeypatch.setattr(Text, "draw", spy)
    png.draw_map(ci.assignment, _hoods(ci), tmp_path / "t.png", title="nhgeo proposal: Camden,Islington")
    title = [x for x in seen if x[0].startswith("nhgeo proposal")]
    sub = [x for x in seen if "neighbourhoods in" in x[0]]
    assert title and sub
    ax = title[0][2].axes[0].get_window_extent()  # type: ignore[attr-defined]
    for _, box, _ in (title[0], sub[0]):
        assert box.y0 > ax.y1  # type: ignore[attr-defined]


@pytest.mark.parametrize("place", ["Kent and Medway", "London"])
def test_touching_places_never_share_a_colour_family(place: str) -> None:
    """Issue 25: touching places in near-identical colours. Each palette entry is its own hue family (hues at least
    30 degrees apart) and DSatur colouring gives touching places different entries."""
    import colorsys

    import shapely

    from nhgeo.render.display import _colour_index, display_shapes
    from nhgeo.render.report_data import FAMILIES, PALETTE

    hls = [colorsys.rgb_to_hls(*(int(c[i:i + 2], 16) / 255 for i in (1, 3, 5))) for c in PALETTE[:FAMILIES]]
    chromatic = [(h * 360, c) for (h, _, s), c in zip(hls, PALETTE, strict=False) if s > 0.05]
    assert len(chromatic) >= FAMILIES - 1  # at most one neutral grey
    for i in range(len(chromatic)):
        for j in range(i):
            d = abs(chromatic[i][0] - chromatic[j][0])
            assert min(d, 360 - d) >= 30, (chromatic[i][1], chromatic[j][1])
    res = nhgeo.propose(place, seed=0, levels=("neighbourhood", "place"))
    shapes = display_shapes(res.assignment)
    col = _colour_index(shapes.places, shapes.grid)
    ids = sorted(shapes.places)
    assert max(col.values()) < FAMILIES
    geoms = np.array([shapes.places[i] for i in ids], dtype=object)
    a, b = shapely.STRtree(geoms).query(geoms, predicate="intersects")
    pairs = [(ids[i], ids[j]) for i, j in zip(a.tolist(), b.tolist(), strict=True) if i < j]
    assert pairs
    for x, y in pairs:
        assert col[x] != col[y], (x, y)
