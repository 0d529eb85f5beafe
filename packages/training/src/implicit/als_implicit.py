"""implicit's ALS (CPU or CUDA) for Recgraph's trainer (packages/training/src/implicit).

  python als_implicit.py probe
      One JSON line: {"implicit": version, "cuda": bool, "devices": n, "gpu": name, "reason": why not}.
  python als_implicit.py fit --input PREFIX --output DIR --factors 64 --reg 10 --alpha 1
         --iterations 15 --cg-steps 3 --seed 42 --device cpu|cuda [--threads N]
      Reads the CSR matrix PREFIX.indptr (int32), .indices (int32), .data (float32) with
      PREFIX.json {nRows, nCols}; fits implicit.cpu.als or implicit.gpu.als
      AlternatingLeastSquares with the conjugate-gradient solver; writes user-factors.f32 and
      item-factors.f32 (little-endian float32, one row per index) and summary.json into DIR.
      Progress lines go to stdout as JSON ({"stage": ...}, {"iteration": n}); errors to stderr
      with a non-zero exit (2: the asked-for device is not usable).

The objective is the native solver's (packages/recsys als.ts, Hu, Koren & Volinsky 2008):
min sum_ui c_ui (p_ui - x_u.y_i)^2 + lambda (|X|^2 + |Y|^2), c_ui = 1 + alpha * w_ui, lambda
unscaled, cg_steps conjugate-gradient steps per row (Takacs et al. 2011). implicit reads each
stored value as c_ui itself (its solver adds (c - 1) y y^T to Y^T Y), and its GPU model ignores
`alpha` in fit() (0.7.3), so this script hands both devices 1 + alpha * w with alpha=1.
"""

import argparse
import json
import os
import sys
import time
import warnings


def load_cuda_libraries():
    """Loads the CUDA 13 libraries implicit/gpu/_cuda.so links (cudart, cuBLAS, cuRAND) from the
    NVIDIA wheels or a system CUDA, through cuda-pathfinder, before implicit.gpu is imported: the
    extension carries no rpath, so the dynamic loader would not find them in site-packages.
    Returns why not, or None."""
    try:
        from cuda.pathfinder import load_nvidia_dynamic_lib
    except ImportError:
        return "cuda-pathfinder is not installed: the GPU runtime is missing (scripts/infra/implicit.sh --gpu)"
    for lib in ("cudart", "cublasLt", "cublas", "curand"):
        try:
            load_nvidia_dynamic_lib(lib)
        except Exception as e:  # noqa: BLE001 - any failure means: no GPU path
            return f"cannot load the CUDA library {lib}: {e}"
    return None


def probe():
    info = {"implicit": None, "cuda": False, "devices": 0, "gpu": None, "reason": None}
    # Before implicit is imported: `import implicit` imports implicit.gpu, which decides HAS_CUDA once.
    why = load_cuda_libraries()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        import implicit
        import implicit.gpu
    info["implicit"] = implicit.__version__
    if not implicit.gpu.HAS_CUDA:
        told = "; ".join(str(w.message) for w in caught)
        if not implicit.gpu.HAS_RMM:
            told = told or "rmm is not installed (scripts/infra/implicit.sh --gpu)"
        info["reason"] = why or told or "implicit's CUDA extension did not load"
        return info
    try:
        info["devices"] = int(implicit.gpu.get_device_count())
    except Exception as e:  # noqa: BLE001
        info["reason"] = f"no CUDA device: {e}"
        return info
    if info["devices"] < 1:
        info["reason"] = "no CUDA device is visible (CUDA_VISIBLE_DEVICES, driver)"
        return info
    info["cuda"] = True
    try:
        from cuda.bindings import runtime

        err, props = runtime.cudaGetDeviceProperties(0)
        if int(err) == 0:
            info["gpu"] = props.name.decode() if isinstance(props.name, bytes) else str(props.name)
    except Exception:  # noqa: BLE001 - the name is only reported
        pass
    return info


def fit(a):
    started = time.time()
    import numpy as np
    import scipy.sparse as sp

    meta = json.load(open(a.input + ".json"))
    indptr = np.fromfile(a.input + ".indptr", dtype=np.int32)
    indices = np.fromfile(a.input + ".indices", dtype=np.int32)
    data = np.fromfile(a.input + ".data", dtype=np.float32)
    confidence = np.float32(1) + np.float32(a.alpha) * data
    m = sp.csr_matrix((confidence, indices, indptr), shape=(meta["nRows"], meta["nCols"]))

    info = {"device": a.device}
    if a.device == "cuda":
        p = probe()
        if not p["cuda"]:
            print(f"device cuda asked for, but no CUDA GPU is usable: {p['reason']}", file=sys.stderr)
            return 2
        info.update(implicit=p["implicit"], gpu=p["gpu"])
        from implicit.gpu.als import AlternatingLeastSquares

        model = AlternatingLeastSquares(
            factors=a.factors,
            regularization=a.reg,
            alpha=1.0,
            iterations=a.iterations,
            calculate_training_loss=False,
            random_state=a.seed,
        )
    else:
        import implicit
        from implicit.cpu.als import AlternatingLeastSquares

        info.update(implicit=implicit.__version__, threads=a.threads)
        model = AlternatingLeastSquares(
            factors=a.factors,
            regularization=a.reg,
            alpha=1.0,
            use_cg=True,
            iterations=a.iterations,
            calculate_training_loss=False,
            num_threads=a.threads,
            random_state=a.seed,
        )
    model.cg_steps = a.cg_steps

    def progress(iteration, _seconds, _loss):
        print(json.dumps({"stage": "fit", "iteration": iteration + 1}), flush=True)

    fit_started = time.time()
    if a.device == "cpu":
        # implicit asks for single-threaded BLAS: its own threads are the parallelism.
        from threadpoolctl import threadpool_limits

        with threadpool_limits(1, "blas"):
            model.fit(m, show_progress=False, callback=progress)
    else:
        model.fit(m, show_progress=False, callback=progress)
        model = model.to_cpu()
    fit_seconds = time.time() - fit_started

    for name, f in (("user", model.user_factors), ("item", model.item_factors)):
        np.ascontiguousarray(f, dtype="<f4").tofile(os.path.join(a.output, f"{name}-factors.f32"))
    info.update(fitSeconds=round(fit_seconds, 3), totalSeconds=round(time.time() - started, 3))
    with open(os.path.join(a.output, "summary.json"), "w") as f:
        json.dump(info, f)
    print(json.dumps({"stage": "done"}), flush=True)
    return 0


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="command", required=True)
    sub.add_parser("probe")
    f = sub.add_parser("fit")
    f.add_argument("--input", required=True)
    f.add_argument("--output", required=True)
    f.add_argument("--factors", type=int, required=True)
    f.add_argument("--reg", type=float, required=True)
    f.add_argument("--alpha", type=float, required=True)
    f.add_argument("--iterations", type=int, required=True)
    f.add_argument("--cg-steps", type=int, required=True)
    f.add_argument("--seed", type=int, required=True)
    f.add_argument("--device", choices=("cpu", "cuda"), required=True)
    f.add_argument("--threads", type=int, default=0)
    a = p.parse_args()
    if a.command == "probe":
        print(json.dumps(probe()), flush=True)
        return 0
    return fit(a)


if __name__ == "__main__":
    sys.exit(main())
