#!/usr/bin/env python3
"""Check that a tracklayer run folder reads back in Python with the documented columns.

Runs the default scenario with the release binary (Parquet and CSV), then, for every
table the run wrote, checks with pyarrow and pandas:

* the columns and their order are those documented in docs/outputs.md (and printed by
  `tracklayer schema --json`), with the documented types;
* the row count is the one in summary.json;
* float columns hold finite values unless documented "NaN allowed";
* the CSV file holds the same values as the Parquet file, bit for bit;
* each Parquet footer carries the `tracklayer.schema` key.

Creates (once) a virtual environment under <target dir>/check-outputs-venv with pyarrow and
pandas from PyPI. Usage: python3 scripts/check_outputs.py [--binary PATH]
"""

import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
VENV = TARGET / "check-outputs-venv"
REQUIREMENTS = ["pyarrow>=14", "pandas>=2"]


def ensure_venv():
    """Re-run this script inside the venv (created and filled on first use)."""
    if Path(sys.prefix).resolve() == VENV.resolve():
        return
    py = VENV / "bin" / "python"
    if not py.exists():
        print(f"check_outputs: creating {VENV} with {', '.join(REQUIREMENTS)}", flush=True)
        venv.EnvBuilder(with_pip=True).create(VENV)
    probe = subprocess.run([py, "-c", "import pyarrow, pandas"], capture_output=True)
    if probe.returncode != 0:
        subprocess.run([py, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", *REQUIREMENTS], check=True)
    os.execv(py, [str(py), __file__, *sys.argv[1:]])


def documented_tables():
    """Tables and columns from docs/outputs.md: {name: [(column, type, nan_ok)]}."""
    text = (ROOT / "docs" / "outputs.md").read_text()
    begin = text.index("<!-- BEGIN GENERATED TABLES")
    end = text.index("<!-- END GENERATED TABLES -->")
    tables, current = {}, None
    for line in text[begin:end].splitlines():
        m = re.match(r"^### `([a-z0-9_]+)`", line)
        if m:
            current = tables.setdefault(m.group(1), [])
            continue
        m = re.match(r"^\| `([a-z0-9_]+)` \| ([a-z0-9]+)( \(NaN allowed\))? \|", line)
        if m and current is not None:
            current.append((m.group(1), m.group(2), m.group(3) is not None))
    return tables


ARROW_TYPES = {"f64": {"double"}, "i64": {"int64"}, "u32": {"uint32"}, "bool": {"bool"}, "string": {"string", "large_string"}}


class Checker:
    def __init__(self):
        self.passed = 0
        self.failed = 0

    def check(self, ok, what):
        if ok:
            self.passed += 1
        else:
            self.failed += 1
            print(f"FAIL: {what}", flush=True)


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--binary", help="tracklayer binary (default: build and use the release one)")
    args = ap.parse_args()
    ensure_venv()
    import numpy as np
    import pandas as pd
    import pyarrow.parquet as pq

    binary = args.binary
    if binary is None:
        subprocess.run(["cargo", "build", "--release", "--quiet", "-p", "tracklayer"], cwd=ROOT, check=True)
        binary = str(TARGET / "release" / "tracklayer")
    c = Checker()
    docs = documented_tables()
    c.check(len(docs) > 0, "docs/outputs.md lists tables")

    # The binary's own schema dump must agree with the docs.
    dump = json.loads(subprocess.run([binary, "schema", "--json"], check=True, capture_output=True, text=True).stdout)
    from_bin = {t["name"]: [(col["name"], col["type"], col["non_finite_ok"]) for col in t["columns"]] for t in dump}
    c.check(from_bin == docs, "`tracklayer schema --json` agrees with docs/outputs.md")

    with tempfile.TemporaryDirectory() as tmp:
        runs = {}
        for fmt in ["parquet", "csv"]:
            out = Path(tmp) / fmt
            r = subprocess.run([binary, "run", "--out", str(out), "--format", fmt], capture_output=True, text=True)
            c.check(r.returncode == 0, f"tracklayer run --format {fmt}: exit {r.returncode}: {r.stderr}")
            if r.returncode != 0:
                continue
            runs[fmt] = (out, json.loads((out / "summary.json").read_text()))
        if "parquet" not in runs or "csv" not in runs:
            print(f"check_outputs: {c.passed} passed, {c.failed} failed")
            return 1
        (pdir, summary), (cdir, csummary) = runs["parquet"], runs["csv"]
        c.check(summary["tables"].keys() == csummary["tables"].keys(), "same tables in both formats")
        c.check(len(summary["tables"]) > 0, "the run wrote tables")
        for name, info in summary["tables"].items():
            cols = docs.get(name)
            c.check(cols is not None, f"table {name} is documented")
            if cols is None:
                continue
            names = [n for n, _, _ in cols]
            path = pdir / info["file"]
            pf = pq.ParquetFile(path)
            meta = pf.schema_arrow.metadata or {}
            c.check(b"tracklayer.schema" in meta, f"{name}: footer has tracklayer.schema")
            table = pq.read_table(path)
            c.check(table.column_names == names, f"{name}: parquet columns {table.column_names} != documented {names}")
            c.check(table.num_rows == info["rows"], f"{name}: {table.num_rows} rows, summary says {info['rows']}")
            for col, ty, nan_ok in cols:
                if col not in table.column_names:
                    continue
                arrow_ty = str(table.schema.field(col).type)
                c.check(arrow_ty in ARROW_TYPES[ty], f"{name}.{col}: arrow type {arrow_ty}, documented {ty}")
                c.check(table.schema.field(col).nullable is False or table.column(col).null_count == 0, f"{name}.{col}: no nulls")
                if ty == "f64" and not nan_ok:
                    values = table.column(col).to_numpy()
                    c.check(bool(np.isfinite(values).all()), f"{name}.{col}: finite values")
            df = table.to_pandas()
            dtypes = {"f64": "float64", "i64": "int64", "u32": "uint32", "bool": "bool"}
            csv = pd.read_csv(cdir / csummary["tables"][name]["file"], dtype={n: dtypes.get(t, "str") for n, t, _ in cols}, keep_default_na=False, na_values={n: ["NaN"] for n, t, _ in cols if t == "f64"})
            c.check(list(csv.columns) == names, f"{name}: csv columns {list(csv.columns)} != documented {names}")
            c.check(len(csv) == len(df), f"{name}: csv has {len(csv)} rows, parquet {len(df)}")
            if len(csv) == len(df) and list(csv.columns) == names:
                for col, ty, _ in cols:
                    a, b = df[col].to_numpy(), csv[col].to_numpy()
                    if ty == "f64":
                        same = np.array_equal(a.view(np.uint64), b.astype(np.float64).view(np.uint64)) or np.array_equal(a, b, equal_nan=True)
                    else:
                        same = np.array_equal(a.astype(str) if ty == "string" else a, b.astype(str) if ty == "string" else b)
                    c.check(same, f"{name}.{col}: csv values equal parquet values")
        # Physical sanity on the satellites table: every satellite above the Earth.
        if "satellites" in summary["tables"]:
            t = pq.read_table(pdir / summary["tables"]["satellites"]["file"]).to_pandas()
            r = np.sqrt(t.pos_eci_x_m**2 + t.pos_eci_y_m**2 + t.pos_eci_z_m**2)
            c.check(bool((r > 6_378_137.0).all()), "satellites: all above the equatorial radius")
            c.check(t.groupby("t_s").size().nunique() == 1, "satellites: same number of satellites at every time")
    print(f"check_outputs: {c.passed} passed, {c.failed} failed")
    return 0 if c.failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
