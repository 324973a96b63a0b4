"""Wards kept whole and shapes (issue 25), and places by LA vs by band, side by side.

    python benchmarks/wards.py            # Birmingham, London, England
    python benchmarks/wards.py --quick    # without England

Neighbourhood table, per input and method: seconds (neighbourhoods only, after load + graph), neighbourhoods,
% in band, wards split (of the 2024 electoral wards, ONS LSOA 2021 best fit) and mean Polsby-Popper, all graded by
the same functions `validate` uses (`check.alignment.ward_alignment`, `check.metrics.score_assignment`):

* nhgeo default (wards whole first: the ward graph is partitioned, a ward split only where the band forces it);
* nhgeo before issue 25 (LSOA-level search, wards only dearer to cut: ``neighbourhoods.WARDS_FIRST = False``);
* nhgeo on shape alone (``--align none``);
* METIS (pymetis, ``contig=True``) on whole wards per LA, no refinement: the reference the issue quotes.

Places table, per input: places, % in band, LAs split between places, places holding more than one LA, for
``--places la`` (default) and ``--places band``. Timings are wall clock on a shared 2-core machine: read ratios.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

import nhgeo
from nhgeo.check.alignment import ward_alignment
from nhgeo.check.metrics import score_assignment
from nhgeo.design import neighbourhoods as nb
from nhgeo.design.affinity import edge_weight
from nhgeo.design.sizing import choose_k
from nhgeo.model import Col, Rules, open_study

INPUTS = {"Birmingham": "Birmingham", "London": "London", "England": "england"}


def _nhgeo(study: Any, align: tuple[str, ...], wards_first: bool = True) -> np.ndarray:
    old = nb.WARDS_FIRST
    nb.WARDS_FIRST = wards_first
    try:
        return nb.propose_neighbourhoods(study.units, study.adj, Rules(), seed=0,
                                         edge_weight=edge_weight(study.units, align)).labels.to_numpy()
    finally:
        nb.WARDS_FIRST = old


def _metis_wards(study: Any) -> np.ndarray:
    """pymetis on the graph of whole wards of each LA (k from the band, as nhgeo), no refinement."""
    import pymetis

    units, adj = study.units, study.adj
    la = units[Col.LA].astype(str).to_numpy()
    ward = units[Col.WARD].astype("string").fillna("").to_numpy(dtype=object)
    pop = units[Col.POP].to_numpy(dtype=float)
    eu, ev, _ = adj.edge_arrays()
    labels = np.empty(len(units), dtype=object)
    for code in sorted(set(la.tolist())):
        idx = np.flatnonzero(la == code)
        key = np.array([f"{w}" if w else f"u{i}" for i, w in zip(idx.tolist(), ward[idx].tolist(), strict=True)])
        atoms, atom = np.unique(key, return_inverse=True)
        k, _ = choose_k(float(pop[idx].sum()), 40_000, 60_000, 50_000)
        if k <= 1 or len(atoms) <= k:
            labels[idx] = f"{code}-0"
            continue
        loc = np.full(len(units), -1)
        loc[idx] = atom
        inner = (loc[eu] >= 0) & (loc[ev] >= 0) & (loc[eu] != loc[ev])
        pairs = {(min(a, b), max(a, b)) for a, b in zip(loc[eu[inner]].tolist(), loc[ev[inner]].tolist(), strict=True)}
        nbrs: list[list[int]] = [[] for _ in atoms]
        for a, b in sorted(pairs):
            nbrs[a].append(b)
            nbrs[b].append(a)
        xadj, adjncy = [0], []
        for row in nbrs:
            adjncy += row
            xadj.append(len(adjncy))
        vw = [int(x) for x in np.bincount(atom, weights=pop[idx])]
        try:
            _, parts = pymetis.part_graph(k, xadj=xadj, adjncy=adjncy, vweights=vw,
                                          options=pymetis.Options(contig=True))
        except Exception:  # a disconnected ward graph: METIS refuses contig
            _, parts = pymetis.part_graph(k, xadj=xadj, adjncy=adjncy, vweights=vw)
        labels[idx] = [f"{code}-{parts[a]}" for a in atom]
    return labels


METHODS = {
    "nhgeo default (wards whole first)": lambda s: _nhgeo(s, ("ward",)),
    "nhgeo before issue 25 (LSOA search, ward cut weight)": lambda s: _nhgeo(s, ("ward",), wards_first=False),
    "nhgeo --align none (shape alone)": lambda s: _nhgeo(s, ()),
    "METIS on whole wards, no refinement": _metis_wards,
}


def neighbourhood_rows(inputs: dict[str, str]) -> list[dict[str, Any]]:
    rows = []
    for name, place in inputs.items():
        study = open_study(place)
        for method, fn in METHODS.items():
            t = time.perf_counter()
            try:
                labels = fn(study)
            except ImportError as exc:
                rows.append({"input": name, "method": method, "status": f"not installed ({exc.name})"})
                continue
            dt = time.perf_counter() - t
            score = score_assignment(study.units, study.adj, labels, Rules())
            wa = ward_alignment(study.units, labels)
            pops = pd.Series(study.units[Col.POP].to_numpy(dtype=float)).groupby(labels).sum()
            rows.append({"input": name, "method": method, "status": "ok", "seconds": round(dt, 2),
                         "neighbourhoods": len(pops),
                         "pct_in_band": round(100 * float(pops.between(40_000, 60_000).mean()), 1),
                         "wards": wa.wards if wa else 0, "wards_split": wa.split if wa else 0,
                         "pct_wards_split": round(wa.pct_split, 1) if wa else None,
                         "mean_polsby_popper": score.mean_polsby_popper})
            print(rows[-1], flush=True)
    return rows


def place_rows(inputs: dict[str, str]) -> list[dict[str, Any]]:
    rows = []
    for name, place in inputs.items():
        study = open_study(place)
        for mode in ("la", "band"):
            res = nhgeo.propose(place, seed=0, study=study, places=mode)
            las: dict[str, set[str]] = {}
            for p in res.places:
                for la in p.la_codes:
                    las.setdefault(la, set()).add(p.id)
            rows.append({"input": name, "places": mode, "n_places": len(res.places),
                         "pct_in_band": round(100 * float(np.mean([250_000 <= p.population <= 500_000
                                                                   for p in res.places])), 1),
                         "las": len(las), "las_split_between_places": sum(len(v) > 1 for v in las.values()),
                         "places_with_several_las": sum(len(p.la_codes) > 1 for p in res.places),
                         "flagged": sum(p.status != "ok" for p in res.places)})
            print(rows[-1], flush=True)
    return rows


def _md(rows: list[dict[str, Any]]) -> str:
    cols = list(dict.fromkeys(k for r in rows for k in r))
    out = ["| " + " | ".join(cols) + " |", "|" + "---|" * len(cols)]
    out += ["| " + " | ".join("" if r.get(c) is None else str(r.get(c)) for c in cols) + " |" for r in rows]
    return "\n".join(out)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--quick", action="store_true", help="skip all England")
    args = ap.parse_args()
    inputs = {k: v for k, v in INPUTS.items() if not (args.quick and k == "England")}
    hoods = neighbourhood_rows(inputs)
    places = place_rows({"Kent and Medway": "Kent and Medway", "Birmingham and Solihull": "Birmingham and Solihull",
                         "Greater Manchester": "Greater Manchester", **inputs})
    text = ("# Wards kept whole, shapes, and places by LA vs by band (benchmarks/wards.py)\n\n"
            f"Python {sys.version.split()[0]}, nhgeo {nhgeo.__version__}; seed 0; band 40,000-60,000; wall seconds "
            "on a shared 2-core machine (read ratios, not absolutes).\n\n## Neighbourhoods\n\n" + _md(hoods)
            + "\n\n## Places (--places la vs --places band)\n\n" + _md(places) + "\n")
    print(text)
    if not args.quick:
        (Path(__file__).resolve().parent / "RESULTS_wards.md").write_text(text)


if __name__ == "__main__":
    main()
