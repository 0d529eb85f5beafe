"""LambdaMART for the learned re-ranker (LightGBM's lambdarank objective), exported to ONNX.

Run by lambdamart.ts with the venv scripts/infra/ranker.sh installs. Reads from a work
directory: meta.json {nFeatures, rows, groups, params, checkRows}, X.f32 (rows × nFeatures,
row-major float32), y.f32 (labels), group.i32 (candidates per user, in row order) and
optionally Xcheck.f32 (checkRows × nFeatures). Writes model.onnx (input "features",
output "scores": LightGBM's raw score, the ranking score), model.txt (LightGBM's own dump)
and, with Xcheck, check.f32: LightGBM's own predictions on those rows, which the tests
compare with onnxruntime's.
"""

import json
import os
import sys

import lightgbm as lgb
import numpy as np
import onnxmltools
from onnxmltools.convert.common.data_types import FloatTensorType


def main(work: str) -> None:
    meta = json.load(open(os.path.join(work, "meta.json")))
    f = meta["nFeatures"]
    X = np.fromfile(os.path.join(work, "X.f32"), dtype=np.float32).reshape(-1, f)
    y = np.fromfile(os.path.join(work, "y.f32"), dtype=np.float32)
    group = np.fromfile(os.path.join(work, "group.i32"), dtype=np.int32)
    if X.shape[0] != y.shape[0] or group.sum() != X.shape[0]:
        raise SystemExit(f"inconsistent inputs: {X.shape[0]} rows, {y.shape[0]} labels, groups sum {group.sum()}")
    p = meta.get("params", {})
    params = {
        "objective": "lambdarank",
        "metric": "ndcg",
        "eval_at": [10],
        "learning_rate": p.get("learningRate", 0.05),
        "num_leaves": p.get("numLeaves", 31),
        "min_data_in_leaf": p.get("minDataInLeaf", 20),
        "feature_fraction": p.get("featureFraction", 0.9),
        "lambdarank_truncation_level": p.get("truncation", 20),
        "seed": p.get("seed", 42),
        "deterministic": True,
        "force_row_wise": True,
        "num_threads": p.get("threads", 2),
        "verbose": -1,
    }
    train = lgb.Dataset(X, label=y, group=group, feature_name=meta.get("featureNames", "auto"))
    booster = lgb.train(params, train, num_boost_round=p.get("rounds", 200))
    booster.save_model(os.path.join(work, "model.txt"))

    # onnxmltools converts regression and classification boosters; a lambdarank booster's
    # trees and raw score are exactly a regression booster's, so the dump is reloaded with
    # the objective renamed (the trees are untouched) and converted as a regressor.
    text = booster.model_to_string()
    as_regression = lgb.Booster(model_str=text.replace("objective=lambdarank", "objective=regression", 1))
    onx = onnxmltools.convert_lightgbm(
        as_regression,
        initial_types=[("features", FloatTensorType([None, f]))],
        target_opset=15,
        zipmap=False,
    )
    with open(os.path.join(work, "model.onnx"), "wb") as out:
        out.write(onx.SerializeToString())

    check = os.path.join(work, "Xcheck.f32")
    if os.path.exists(check):
        Xc = np.fromfile(check, dtype=np.float32).reshape(-1, f)
        booster.predict(Xc, raw_score=True).astype(np.float32).tofile(os.path.join(work, "check.f32"))
    json.dump(
        {"rounds": booster.num_trees(), "outputs": [o.name for o in onx.graph.output]},
        open(os.path.join(work, "result.json"), "w"),
    )


if __name__ == "__main__":
    main(sys.argv[1])
