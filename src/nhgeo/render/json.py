"""Results as JSON-ready data: what ``--format json`` prints and other renderers read."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING, Any

import pandas as pd

from ..check.alignment import alignment_to_dict
from ..check.coverage import CoverageResult, pcn_summary
from ..model import Col
from ..profile import profile_assignment, profile_to_dict
from ..sources.services import SERVICE_VINTAGE
from .csv import diff_table

if TYPE_CHECKING:
    from ..check.diff import FootprintDiff
    from ..check.rules import Finding
    from ..check.validation import ValidationReport
    from ..design.propose import ProposeResult
    from ..footprints.fit import FitResult
    from ..model import Study


def graph_summary(study: Study) -> dict[str, Any]:
    """Figures of a place's adjacency graph, as data."""
    adj, u = study.adj, study.units
    codes = u[Col.CODE].astype(str).to_numpy()
    return {
        "place": study.place, "source": study.source, "vintage": study.vintage,
        "units": len(u), "population": int(u[Col.POP].sum()), "population_source": study.population_source,
        "edges": int(adj.graph.number_of_edges()), "snapped_edges": adj.snapped_edges, "snap_m": adj.snap_m,
        "min_border_m": adj.min_border_m, "point_contacts": adj.point_contacts,
        "land_components": adj.land_components, "components": adj.n_components,
        "islands": [str(codes[i]) for i in adj.islands],
        "bridges": [{"from": b.u_code, "to": b.v_code, "kind": b.kind, "gap_m": b.distance_m,
                     "group_size": b.component_size}
                    for b in adj.bridges],
        "load_notes": study.load.notes,
    }


def proposal_to_dict(result: ProposeResult) -> dict[str, Any]:
    """The proposal (neighbourhoods, places, scores, notes) as JSON-ready data."""
    p = result.proposal
    stats = {x.id: x for x in result.score.parts}
    sc = result.score
    return {
        "place": result.study.place, "source": result.study.source, "vintage": result.study.vintage,
        "vintages": result.study.vintages,
        "population_source": result.study.population_source, "seed": p.seed, "align": list(p.align) or ["none"],
        "rules": p.rules.to_dict(),
        "score": {k: v for k, v in sc.__dict__.items() if k != "parts"},
        "notes": p.notes,
        "neighbourhoods": [{
            "id": h.id, "name": h.name, "population": h.population, "lsoas": len(h.codes), "la_codes": h.la_codes,
            "icb_code": h.icb_code, "status": h.status, "reasons": h.reasons, "locked": h.locked,
            "polsby_popper": stats[h.id].polsby_popper, "share_65_plus": stats[h.id].share_65_plus,
            "share_under_16": stats[h.id].share_under_16,
            "share_most_deprived_fifth": stats[h.id].share_most_deprived_fifth,
        } for h in p.neighbourhoods],
        "places": [{"id": pl.id, "name": pl.name, "icb_code": pl.icb_code, "population": pl.population,
                    "neighbourhoods": pl.neighbourhoods, "la_codes": pl.la_codes, "status": pl.status,
                    "reasons": pl.reasons} for pl in result.places],
        "hierarchy": hierarchy(result),
        "alignment": alignment_to_dict(*result.alignment()),
        "profile": profile_to_dict(result.profile()),
    }


UNKNOWN = "UNKNOWN"  # the code of a level the data does not know (as the loader writes for ICBs)


def hierarchy(result: ProposeResult) -> list[dict[str, Any]]:
    """region -> ICB -> place -> neighbourhood, with population, counts and status at each level."""
    u = result.study.units
    region = u[Col.REGION].astype("string").fillna(UNKNOWN)  # boundaries outside England have no ICB or region
    icb = u[Col.ICB].astype("string").fillna(UNKNOWN)
    rname = dict(zip(region, u[Col.REGION_NAME].astype("string").fillna("unknown region"), strict=False))
    iname = dict(zip(icb, u[Col.ICB_NAME].astype("string").fillna("unknown ICB"), strict=False))
    icb_region = region.groupby(icb).agg(lambda s: s.mode().iloc[0])
    hoods = {h.id: h for h in result.proposal.neighbourhoods}
    places = result.places
    if not places:  # neighbourhood level only: one pseudo place per ICB
        from ..design.places import Place

        by_icb: dict[str, list[str]] = {}
        for h in result.proposal.neighbourhoods:
            by_icb.setdefault(h.icb_code, []).append(h.id)
        places = [Place(id=f"{i}-all", name="(no places requested)", icb_code=i, neighbourhoods=ns,
                        population=sum(hoods[n].population for n in ns), la_codes=[]) for i, ns in by_icb.items()]
    regions: dict[str, dict[str, list[Any]]] = {}
    for pl in places:
        regions.setdefault(str(icb_region.get(pl.icb_code, UNKNOWN)), {}).setdefault(pl.icb_code, []).append(pl)
    out = []
    for r in sorted(regions):
        icbs = []
        for i in sorted(regions[r]):
            pls = [{"id": p.id, "name": p.name, "population": p.population, "status": p.status,
                    "reasons": p.reasons, "neighbourhoods": [
                        {"id": n, "name": hoods[n].name, "population": hoods[n].population,
                         "status": hoods[n].status} for n in p.neighbourhoods]} for p in regions[r][i]]
            icbs.append({"code": i, "name": iname.get(i, i), "population": sum(p["population"] for p in pls),
                         "places": pls, "n_places": len(pls),
                         "n_neighbourhoods": sum(len(p["neighbourhoods"]) for p in pls),
                         "exceptions": sum(p["status"] != "ok" for p in pls)})
        out.append({"code": r, "name": rname.get(r, r), "population": sum(i["population"] for i in icbs),
                    "icbs": icbs, "n_icbs": len(icbs)})
    return out


def validation_to_dict(rep: ValidationReport, command: str = "validate", strict: bool = False) -> dict[str, Any]:
    """Findings and summary as data (the JSON output of ``nhgeo validate`` or ``nhgeo coverage``): ``passed``,
    ``verdict`` and ``headline`` are the run's one verdict, the same as its exit code."""
    sc = rep.score
    verdict = rep.verdict(command, strict)
    return {
        **verdict.to_dict(), "strict": strict,
        "footprint": rep.footprint.name, "path": rep.path, "source": rep.source, "vintage": rep.vintage,
        "vintages": rep.study.vintages,
        "population_source": rep.study.population_source, "units_in_place": rep.units_in_place,
        "neighbourhoods": len(rep.footprint.neighbourhoods), "places": len(rep.footprint.places),
        "rules": effective_rules(rep), "rule_sources": rep.rule_sources, "rules_checked": rep.rules_checked,
        "not_checked": rep.not_checked,
        "rule_results": [{"id": r.id, "status": str(r.status), "findings": len(r.findings), "reason": r.reason,
                          "note": r.note}
                         for r in rep.results],
        **({"fit": rep.fit.to_dict()} if rep.fit is not None else {}),
        **({"conversion": rep.conversion.to_dict()} if rep.conversion is not None else {}),
        **({"read_notes": rep.footprint.read_notes} if rep.footprint.read_notes else {}),
        "errors": len(rep.errors), "warnings": len(rep.warnings),
        "score": None if sc is None else {k: v for k, v in sc.__dict__.items() if k != "parts"},
        "findings": [finding_to_dict(f, data=True) for f in rep.findings],
        **({"extras": {"coverage": coverage_to_dict(rep.coverage)}} if rep.coverage is not None else {}),
        "profile": profile_to_dict(profile_assignment(rep.study, rep.assignment)),
        **({"ensemble": comparison_to_dict(rep.ensemble)} if rep.ensemble is not None else {}),
    }


def effective_rules(rep: ValidationReport) -> dict[str, Any]:
    """The footprint's rules with the severity in force for every rule (overrides or defaults)."""
    from ..check.rules import REGISTRY, severity_of

    rules = rep.footprint.rules
    return {**rules.to_dict(), "severity": {r.id: str(severity_of(rules, r.id)) for r in REGISTRY}}


def finding_to_dict(f: Finding, data: bool = False) -> dict[str, Any]:
    """One finding as data (severity as its plain word)."""
    d: dict[str, Any] = {"rule": f.rule, "severity": str(f.severity), "unit": f.unit, "message": f.message,
                         "fix": f.fix}
    if data:
        d["data"] = f.data
    return d


def coverage_to_dict(res: CoverageResult) -> dict[str, Any]:
    """The grid, place summary, GP capacity and PCN splits as JSON-ready data."""
    def recs(df: pd.DataFrame) -> list[dict[str, Any]]:
        # pandas' C JSON writer turns NaN/NA into null and numpy scalars into plain numbers, fast
        out: list[dict[str, Any]] = json.loads(df.to_json(orient="records", force_ascii=False))
        return out

    missing = res.grid[res.grid["status"] == "missing"].groupby("component").size().to_dict()
    return {"service_data": SERVICE_VINTAGE,
            "components": [{"name": c.name, "label": c.label, "distance_m": c.distance_m, "required": c.required,
                            "note": c.note, "counts": c.counts} for c in res.components],
            "neighbourhoods_missing": {k: int(v) for k, v in missing.items()},
            "grid": recs(res.grid), "places": recs(res.places), "gp_capacity": recs(res.gp),
            "pcn_splits": recs(res.pcn_splits), **pcn_summary(res), "service_notes": res.notes}


def diff_to_dict(d: FootprintDiff, strict: bool = False) -> dict[str, Any]:
    """What changed, and the rules it broke or fixed, as data (``passed``: the run's one verdict)."""
    return {
        **d.outcome(strict).to_dict(), "strict": strict,
        "old": d.old.path, "new": d.new.path, "changed": d.changed,
        "population_source": d.new.study.population_source,
        "moved": [{"code": r["lsoa_code"], "lsoa_name": r["lsoa_name"] or None, "ward": r["ward"] or None,
                   "from": r["from_id"] or None, "from_name": r["from_name"] or None, "to": r["to_id"] or None,
                   "to_name": r["to_name"] or None} for r in diff_table(d).to_dict("records")],
        "duplicated": [{"code": c, "neighbourhoods": ids} for c, ids in d.duplicated.items()],
        "added_neighbourhoods": d.added_neighbourhoods, "removed_neighbourhoods": d.removed_neighbourhoods,
        "added_places": d.added_places, "removed_places": d.removed_places,
        "population_change": {u: {"old": o, "new": n, "change": n - o} for u, (o, n) in d.population_change.items()},
        "newly_broken": [finding_to_dict(f) for f in d.newly_broken], "fixed": [finding_to_dict(f) for f in d.fixed],
        "old_errors": len(d.old.errors), "new_errors": len(d.new.errors),
        "renamed": [{"id": n, "old": x, "new": y} for n, x, y in d.renamed],
        "rules_changed": [{"setting": k, "old": x, "new": y} for k, x, y in d.rules_changed],
        "passed_without_strict": d.verdict(False)[0], "passed_with_strict": d.verdict(True)[0],
        **{f"{side}_conversion": rep.conversion.to_dict() for side, rep in (("old", d.old), ("new", d.new))
           if rep.conversion is not None},
    }


def fit_to_dict(result: FitResult) -> dict[str, Any]:
    """The fit quality and the fitted neighbourhoods (id, LSOAs, population) as data."""
    return {"boundaries": result.source, "fit": result.report.to_dict() if result.report is not None else None,
            **({"conversion": result.conversion.to_dict()} if result.conversion is not None else {}),
            "neighbourhoods": [{"id": n.id, "name": n.name, "lsoas": len(n.codes)}
                               for n in result.footprint.neighbourhoods]}


def comparison_to_dict(cmp: Any) -> dict[str, Any]:
    """A footprint placed on an ensemble (:class:`nhgeo.ensemble.compare.Comparison`) as data."""
    return {"footprint": cmp.name, "plans": cmp.plans, "outlier_range": [2.5, 97.5],
            "measures": {m: {k: (round(v, 4) if isinstance(v, float) else v) for k, v in d.items()}
                         for m, d in cmp.measures.items()},
            "outliers": cmp.outliers, "neighbourhoods": cmp.neighbourhoods}


def r4(x: Any) -> float | None:
    """A figure rounded to 4 places for JSON (NaN and None -> null)."""
    return None if x is None or x != x else round(float(x), 4)


def ensemble_to_dict(res: Any) -> dict[str, Any]:
    """An ensemble (:class:`nhgeo.ensemble.run.EnsembleResult`) as data: what ``summary.json`` holds."""
    import numpy as np

    from ..ensemble.measures import MEASURES
    from ..ensemble.stability import FIRM, firm_inside_la

    ens = res.ensemble
    study = ens.study
    sep = res.separation
    rh = [d["rhat"] for d in res.diagnostics.values() if d["rhat"] == d["rhat"]]
    vi = res.vi
    out: dict[str, Any] = {
        "place": study.place, "source": study.source, "vintage": study.vintage, "vintages": study.vintages,
        "population_source": study.population_source, "rules": study.rules.to_dict(),
        "method": {
            "sampler": "per-region ReCom (spanning-tree recombination) chains, NumPy/SciPy",
            "tree": "minimum spanning tree of random edge weights U(1,2), + surcharge on edges crossing a ward",
            "ward_surcharge": ens.surcharge, "seed": ens.seed, "chains": ens.chains, "plans": ens.n,
            "steps": ens.steps,
            "regions": "connected pieces of each LA within one ICB, as propose cuts them; pieces below the band "
                       "minimum joined whole to a neighbour",
            "represents": "for each region, the stationary distribution of ReCom with the ward surcharge over "
                          "contiguous plans in band (roughly: plans weighted by their spanning-tree count, so "
                          "compact plans and ward-following lines are favoured); regions independent",
        },
        "regions": [{"key": r.key, "la": r.la, "lsoas": int(len(r.nodes)), "population": int(round(r.population)),
                     "k": r.k, "feasible": r.feasible, "band": [round(x) for x in ens.bands.get(r.key, (r.lo, r.hi))],
                     "exception": r.reason or None, "thin": ens.thin.get(r.key), "burn": ens.burn.get(r.key),
                     "moved_share": r4(ens.moved.get(r.key))} for r in ens.regions],
        "measures": {m: {"description": MEASURES[m], **{k: r4(v) for k, v in d.items()}}
                     for m, d in res.diagnostics.items()},
        "diagnostics": {"runs": ens.chains, "rhat_max": r4(max(rh)) if rh else None,
                        "rhat_below_1.05": bool(rh) and max(rh) < 1.05,
                        "ess_min": r4(min(d["ess"] for d in res.diagnostics.values())) if res.diagnostics else None,
                        "note": "split R-hat over the independent runs (chains); effective sample size pooled over "
                                "them (autocorrelation to Geyer's initial positive sequence)"},
        "diversity": {"vi_p5": r4(np.percentile(vi, 5)) if len(vi) else None,
                      "vi_p50": r4(np.percentile(vi, 50)) if len(vi) else None,
                      "vi_p95": r4(np.percentile(vi, 95)) if len(vi) else None,
                      "share_above_0.5": r4((vi > 0.5).mean()) if len(vi) else None, "pairs": len(vi),
                      "unit": "variation of information, population-weighted, nats"},
        "stability": {"firm_threshold": FIRM, "adjacent_pairs": len(sep), "firm": int((sep >= FIRM).sum()),
                      "firm_inside_la": firm_inside_la(study, sep),
                      "open": int(((sep > 0) & (sep < FIRM)).sum()), "never_separated": int((sep == 0).sum())},
    }
    if res.comparison is not None:
        out["compare"] = comparison_to_dict(res.comparison)
    if res.alternatives:
        out["alternatives"] = [{"file": f"alternatives/alternative_{i}.toml", "plan": a.plan, "score": r4(a.score),
                                "measures": {k: r4(v) for k, v in a.measures.items()}}
                               for i, a in enumerate(res.alternatives, start=1)]
    return out
