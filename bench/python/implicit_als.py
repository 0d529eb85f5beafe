"""Times implicit's CPU ALS (conjugate gradient) on a CSR matrix written by bench/src/benchmarks/recsys-als.ts.

Usage: python implicit_als.py MATRIX_PREFIX FACTORS ITERATIONS REGULARIZATION ALPHA THREADS REPEATS
MATRIX_PREFIX.json holds {nRows, nCols, nnz}; .indptr (int32), .indices (int32), .data (float32).
Prints one JSON line: {"seconds": [...], "version": "..."} (fit time only, BLAS limited to 1 thread
as implicit asks, so THREADS is the only parallelism).
"""
import json
import sys
import time

import numpy as np
import scipy.sparse as sp
from threadpoolctl import threadpool_limits

import implicit
from implicit.cpu.als import AlternatingLeastSquares


def main() -> None:
    prefix, factors, iterations, reg, alpha, threads, repeats = sys.argv[1:8]
    meta = json.load(open(prefix + ".json"))
    indptr = np.fromfile(prefix + ".indptr", dtype=np.int32)
    indices = np.fromfile(prefix + ".indices", dtype=np.int32)
    data = np.fromfile(prefix + ".data", dtype=np.float32)
    m = sp.csr_matrix((data, indices, indptr), shape=(meta["nRows"], meta["nCols"]))
    seconds = []
    with threadpool_limits(1, "blas"):
        for r in range(int(repeats)):
            model = AlternatingLeastSquares(
                factors=int(factors),
                regularization=float(reg),
                alpha=float(alpha),
                iterations=int(iterations),
                use_cg=True,
                calculate_training_loss=False,
                num_threads=int(threads),
                random_state=42 + r,
            )
            t0 = time.perf_counter()
            model.fit(m, show_progress=False)
            seconds.append(time.perf_counter() - t0)
    print(json.dumps({"seconds": seconds, "version": implicit.__version__}))


if __name__ == "__main__":
    main()
