"""The independent pieces of an ensemble: one region per LA piece, exactly as ``propose`` cuts them.

With the LA rule hard a plan factorises by region (the connected piece of an LA inside one ICB, with any piece
too small for the band joined whole to a neighbour, across an LA or ICB border where it must): a plan of the
place is one plan of each region, and each region is sampled on its own. Each region is the contracted graph
:func:`nhgeo.design.neighbourhoods` builds for ``propose`` (a joined piece is one node, so it stays whole).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..design.neighbourhoods import _centres, _Columns, _problem, _region_edges, _regions, infeasible_reason
from ..design.sizing import choose_k
from ..model import Col, Study

__all__ = ["Region", "regions_of"]


@dataclass
class Region:
    """One independent piece of the place, as a small graph of nodes (a node = a unit or a joined piece)."""

    key: str  # "<main LA code>|<first unit code>": stable, names the region and seeds its chains
    la: str  # the main LA code (most people)
    nodes: np.ndarray  # unit positions (in the study) of the region
    atom: np.ndarray  # node of each of ``nodes``
    pop: np.ndarray  # (m,) node populations
    eu: np.ndarray  # node edges, each once
    ev: np.ndarray
    ward_cross: np.ndarray  # (edges,) bool: the edge crosses a ward boundary (the surcharge)
    ward: np.ndarray  # (m,) ward code of each node ("" = none)
    k: int
    lo: float  # the band each part must meet (the rule's band; wider only for a proven exception)
    hi: float
    feasible: bool
    reason: str = ""  # why parts may fall outside the rule's band (choose_k's arithmetic)

    @property
    def m(self) -> int:
        return len(self.pop)

    @property
    def population(self) -> float:
        return float(self.pop.sum())


def regions_of(study: Study) -> list[Region]:
    """The place's regions, in ``propose``'s order, each with its number of parts (:func:`choose_k`) and band."""
    units, rules = study.units, study.rules
    notes: list[str] = []
    free = np.ones(len(units), dtype=bool)
    pieces_list = _regions(units, study.adj, free, rules, notes)
    edges = _region_edges(study.adj, len(units), pieces_list)
    cols = _Columns.of(units, _centres(units))
    la = units[Col.LA].astype(str).to_numpy()
    codes = study.codes
    ward = units[Col.WARD].astype("string").fillna("").to_numpy(dtype=object) if Col.WARD in units.columns \
        else np.full(len(units), "", dtype=object)
    pop_all = study.population
    out: list[Region] = []
    for pieces, e in zip(pieces_list, edges, strict=True):
        total = float(sum(pop_all[x].sum() for x in pieces))
        k, feasible = choose_k(total, rules.min, rules.max, rules.target)
        prob, nodes, atom = _problem(cols, e, pieces, k, rules)
        k = max(1, min(k, prob.n))
        rep = nodes[np.unique(atom, return_index=True)[1]]  # a joined piece: its first unit stands for it
        wu, wv = ward[rep[prob.edges_u]], ward[rep[prob.edges_v]]
        cross = (wu != wv) & (wu != "") & (wv != "")
        main_la = str(pd.Series(pop_all[nodes], index=la[nodes]).groupby(level=0).sum().idxmax())
        reason = "" if feasible else infeasible_reason(total, k, rules)
        out.append(Region(key=f"{main_la}|{codes[nodes[0]]}", la=main_la, nodes=nodes, atom=atom, pop=prob.pop,
                          eu=prob.edges_u, ev=prob.edges_v, ward_cross=cross, ward=ward[rep], k=k, lo=float(rules.min),
                          hi=float(rules.max), feasible=feasible, reason=reason))
    return out
