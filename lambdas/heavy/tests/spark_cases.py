"""Runs the Glue jobs' script (infra/lake/spark/heavy_transform.py) on local Spark for the
parity test: one Spark session for every case, since starting one dominates small runs.

Usage: python spark_cases.py CASES.json, where CASES.json is a list of argument lists; prints
one JSON line per case: {"ok": true} or {"ok": false, "error": "..."}.
"""

import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "infra", "lake", "spark"))

from pyspark.sql import SparkSession  # noqa: E402

import heavy_transform  # noqa: E402


def main(path):
    (
        SparkSession.builder.master("local[1]")
        .config("spark.sql.shuffle.partitions", "1")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .getOrCreate()
    )
    with open(path, encoding="utf-8") as f:
        cases = json.load(f)
    for argv in cases:
        try:
            heavy_transform.main(argv)
            print(json.dumps({"ok": True}), flush=True)
        except Exception as e:  # reported per case, the test names it
            print(json.dumps({"ok": False, "error": str(e).splitlines()[0]}), flush=True)


if __name__ == "__main__":
    main(sys.argv[1])
