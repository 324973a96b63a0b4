"""Reading an all-England footprint workbook: python-calamine (nhgeo's reader) against openpyxl, side by side.

Writes an .xlsx of the 33,755 LSOA 2021 codes -> neighbourhood -> place (a footprint as a council would keep
it; one neighbourhood per MSOA, for size)
to a temporary folder, then reads it with ``pandas.read_excel(engine=...)`` for each engine, best of
``--repeat`` runs each, and through ``nhgeo.footprints.files.read_footprint`` (sheet choice, code cleaning).
Prints one table with the ratio to calamine. On a shared machine quote the ratio, not the seconds.

    PYTHONPATH=src python benchmarks/read_workbooks.py [--repeat 3]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from nhgeo.footprints.files import read_footprint
from nhgeo.sources.data import get_path


def best(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return min(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=3)
    args = ap.parse_args()
    u = pd.read_parquet(get_path("lsoa21"), columns=["LSOA21CD", "MSOA21CD", "LAD_NM"])
    df = pd.DataFrame({"LSOA21CD": u["LSOA21CD"], "neighbourhood": u["MSOA21CD"], "place": u["LAD_NM"]})
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "england.xlsx"
        df.to_excel(path, index=False, sheet_name="LSOA map")
        rows = [
            ("pandas + python-calamine", best(lambda: pd.read_excel(path, dtype=str, engine="calamine"), args.repeat)),
            ("pandas + openpyxl", best(lambda: pd.read_excel(path, dtype=str, engine="openpyxl"), args.repeat)),
            ("nhgeo read_footprint (calamine)", best(lambda: read_footprint(path), args.repeat)),
        ]
    base = rows[0][1]
    print(f"all-England footprint workbook: {len(df):,} rows, best of {args.repeat}")
    print(f"{'reader':36} {'seconds':>8} {'x calamine':>11}")
    for name, sec in rows:
        print(f"{name:36} {sec:8.2f} {sec / base:11.1f}")


if __name__ == "__main__":
    main()
