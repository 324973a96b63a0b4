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
    drawn = "\n".join(texts)
    png.draw_map(ci.assignment, _hoods(ci), b, title="nhgeo proposal: Camden,Islington")
    assert a.read_bytes() == b.read_bytes()
    assert "nhgeo proposal: Camden,Islington" in drawn and "Census 2021" in drawn  # title with the data date
    for h in ci.proposal.neighbourhoods:  # every neighbourhood labelled with its short id
        assert h.id.rsplit("-", 1)[1] in drawn
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
    assert "Islington +" in drawn or "Camden +" in drawn  # the place is named (by its largest LA)


def test_write_proposal_draws_the_map(ci: ProposeResult, tmp_path: Path) -> None:
    from PIL import Image

    from nhgeo.output import write_proposal

    write_proposal(ci, tmp_path / "out", maps=True)
    img = Image.open(tmp_path / "out" / "map.png")
    assert img.width >= 1200 and img.height >= 600
