"""The Spark side of heavy.sh: the Glue jobs' script on Spark local mode (every core), timed
inside the session (the JVM's start is measured apart by heavy.sh's whole-process time).

Usage: python spark_bench.py DATA_DIR OUT_DIR PARTITION_BY SQL; prints one JSON line.
"""

import json
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "infra", "lake", "spark"))

from pyspark.sql import SparkSession  # noqa: E402

import heavy_transform  # noqa: E402


def main(data, out, partition_by, sql):
    (
        SparkSession.builder.master("local[*]")
        .config("spark.driver.memory", "2g")
        .config("spark.ui.enabled", "false")
        .config("spark.driver.host", "127.0.0.1")
        .config("spark.driver.bindAddress", "127.0.0.1")
        .getOrCreate()
    )
    files = sorted(f"file://{os.path.join(data, f)}" for f in os.listdir(data) if f.endswith(".parquet"))
    start = time.monotonic()
    heavy_transform.main(
        ["--SOURCE_KEYS", ",".join(files), "--TARGET", f"file://{out}/", "--SQL", sql, "--PARTITION_BY", partition_by]
    )
    print(json.dumps({"engine": "spark", "seconds": time.monotonic() - start}))


if __name__ == "__main__":
    main(*sys.argv[1:5])
