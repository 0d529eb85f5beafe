"""Spark MLlib ALS with implicit preferences, for Recgraph's trainer (packages/training/src/spark).

Reads the interactions the trainer exported as Parquet (columns u: int, i: int, w: float —
dense user and item indexes, confidence weight), fits pyspark.ml.recommendation.ALS and writes
the factors as little-endian float32 matrices, one row per index (rows Spark has no factors
for stay zero), plus a JSON summary. The trainer imports them into its own ALS model, so
evaluation, the registry and serving are the same as for the native backend.

Usage: python als_spark.py --input interactions.parquet --output DIR --users N --items M
         --rank 64 --reg 0.1 --alpha 1 --iterations 15 --seed 42 --master local[2]
Progress lines go to stdout as JSON ({"stage": ...}); errors to stderr with a non-zero exit.
"""

import argparse
import json
import struct
import sys
import time


def main() -> int:
    p = argparse.ArgumentParser()
    p.add_argument("--input", required=True)
    p.add_argument("--output", required=True)
    p.add_argument("--users", type=int, required=True)
    p.add_argument("--items", type=int, required=True)
    p.add_argument("--rank", type=int, required=True)
    p.add_argument("--reg", type=float, required=True)
    p.add_argument("--alpha", type=float, required=True)
    p.add_argument("--iterations", type=int, required=True)
    p.add_argument("--seed", type=int, required=True)
    p.add_argument("--master", required=True)
    p.add_argument("--driver-memory", default="1g")
    p.add_argument("--local-dir", default=None)
    a = p.parse_args()

    started = time.time()
    from pyspark.ml.recommendation import ALS
    from pyspark.sql import SparkSession

    builder = (
        SparkSession.builder.appName("recgraph-als")
        .master(a.master)
        .config("spark.driver.memory", a.driver_memory)
        .config("spark.ui.enabled", "false")
        .config("spark.sql.shuffle.partitions", "8")
        # One model per run: checkpoints keep long lineages (many iterations) from overflowing the stack.
        .config("spark.sql.adaptive.enabled", "true")
    )
    if a.local_dir:
        builder = builder.config("spark.local.dir", a.local_dir)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    if a.local_dir:
        spark.sparkContext.setCheckpointDir(a.local_dir + "/checkpoints")
    print(json.dumps({"stage": "session", "seconds": round(time.time() - started, 2)}), flush=True)

    df = spark.read.parquet(a.input)
    als = ALS(
        rank=a.rank,
        maxIter=a.iterations,
        regParam=a.reg,
        alpha=a.alpha,
        implicitPrefs=True,
        userCol="u",
        itemCol="i",
        ratingCol="w",
        seed=a.seed,
        nonnegative=False,
        checkpointInterval=5,
    )
    fit_started = time.time()
    model = als.fit(df)
    print(json.dumps({"stage": "fit", "seconds": round(time.time() - fit_started, 2)}), flush=True)

    def write(frame, n: int, path: str) -> int:
        rows = [None] * n
        found = 0
        for r in frame.collect():
            if 0 <= r["id"] < n:
                rows[r["id"]] = r["features"]
                found += 1
        zero = [0.0] * a.rank
        with open(path, "wb") as f:
            for v in rows:
                f.write(struct.pack("<%df" % a.rank, *(v if v is not None else zero)))
        return found

    users = write(model.userFactors, a.users, a.output + "/user-factors.f32")
    items = write(model.itemFactors, a.items, a.output + "/item-factors.f32")
    with open(a.output + "/summary.json", "w") as f:
        json.dump(
            {
                "spark": spark.version,
                "master": a.master,
                "usersWithFactors": users,
                "itemsWithFactors": items,
                "fitSeconds": round(time.time() - fit_started, 3),
                "totalSeconds": round(time.time() - started, 3),
            },
            f,
        )
    spark.stop()
    print(json.dumps({"stage": "done", "seconds": round(time.time() - started, 2)}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
