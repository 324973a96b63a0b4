"""Regenerate the example footprints in ``configs/examples/`` from the embedded data.

    python scripts/make_examples.py

* ``north_central_london.toml`` and ``north_east_london.toml``: ``nhgeo propose`` output (seed 0).
* ``broken_north_central_london.toml``: the first, deliberately broken in five ways for the tests
  and the docs (a gap, a duplicate, an unknown code, a detached LSOA, an over-full neighbourhood).
"""

from __future__ import annotations

import tomllib
from pathlib import Path

import tomli_w

import nhgeo
from nhgeo.footprints.files import dumps_toml

OUT = Path(__file__).resolve().parents[1] / "configs" / "examples"


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for place, name in (("North Central London", "north_central_london"),
                        ("North East London", "north_east_london")):
        res = nhgeo.propose(place, seed=0)
        (OUT / f"{name}.toml").write_text(dumps_toml(res.footprint()), encoding="utf-8")
        print(f"wrote {name}.toml: {len(res.proposal.neighbourhoods)} neighbourhoods, {len(res.places)} places")
    d = tomllib.loads((OUT / "north_central_london.toml").read_text())
    d["footprint"]["name"] = "North Central London (deliberately broken example)"
    d.pop("waivers", None)
    hoods = d["neighbourhoods"]
    gap = hoods[0]["lsoas"].pop()  # 1. a gap: an LSOA in no neighbourhood
    hoods[1]["lsoas"].append(hoods[2]["lsoas"][0])  # 2. a duplicate: listed in two neighbourhoods
    hoods[3]["lsoas"].append("E01999999")  # 3. an unknown code
    # 4. a detached LSOA: the first LSOA of the last neighbourhood moved to the first one (far away)
    far = hoods[-1]["lsoas"].pop(0)
    hoods[0]["lsoas"].append(far)
    # 5. an over-full neighbourhood: merge neighbourhood 5 into 6
    hoods[5]["lsoas"] += hoods[4]["lsoas"][:12]
    del hoods[4]["lsoas"][:12]
    (OUT / "broken_north_central_london.toml").write_text(
        "# Deliberately broken: a gap (" + gap + "), a duplicate, an unknown code, a detached LSOA (" + far
        + "), an over-full neighbourhood. Used by the tests.\n" + tomli_w.dumps(d), encoding="utf-8")
    print("wrote broken_north_central_london.toml")


if __name__ == "__main__":
    main()
