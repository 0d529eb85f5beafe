#!/usr/bin/env python3
"""Trains the product image encoder and exports it to ONNX.

Run by `npm run train:image-encoder` (packages/embeddings/src/cli/train-image-encoder.ts),
which prepares the data directory from a store's products and photos:

  pixels.u8   uint8 [n, side, side, 3]: every photo as imagePixels() in image-input.ts makes it
              (EXIF-rotated, fitted on white), the same function serving uses
  meta.json   {side, article: [class per product], colour: [class or -1], heldOut: [bool],
               articleClasses, colourClasses}

The network is a small CNN (6 conv layers, ~0.3 M weights) trained for three
classifications at once: article type, colour, and the article-and-colour pair. Each
head is a cosine classifier (logits = s · cos(embedding, class weight), NormFace /
CosFace style), so what training shapes is exactly the angle between normalised
embeddings, which is what nearest-neighbour search over product_embeddings ranks by.
The embedding is that normalised 64-dim penultimate layer; the heads are dropped at export.

Held-out products (meta.heldOut) are never trained on: their photos are the evaluation's
queries. JAX on CPU (jaxlib's PyPI wheel); fixed seeds.
"""

import argparse
import json
import math
import os
import time

import numpy as np

os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=true")
import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
from jax import lax  # noqa: E402

# (out channels, stride, max-pool after) of each 3x3 conv; the first sees the RGB image.
LAYERS = [(24, 2, False), (32, 1, True), (64, 1, False), (64, 1, True), (128, 1, False), (128, 1, False)]
# The second layer's pooled features join the last layer's: low-level colour survives to the embedding.
COLOUR_TAP = 1
MEAN = np.array([0.80, 0.78, 0.77], np.float32)  # catalog photos are mostly white background
STD = np.array([0.27, 0.28, 0.29], np.float32)
BN_EPS = 1e-5
SCALE = 16.0  # cosine-classifier temperature


def init_params(rng, n_article, n_colour, n_pair, dims):
    params, state = {}, {}
    cin = 3
    keys = jax.random.split(rng, len(LAYERS) + 4)
    for i, (cout, _, _) in enumerate(LAYERS):
        fan_in = 9 * cin
        params[f"conv{i}"] = jax.random.normal(keys[i], (3, 3, cin, cout)) * math.sqrt(2.0 / fan_in)
        params[f"bn{i}_g"] = jnp.ones((cout,))
        params[f"bn{i}_b"] = jnp.zeros((cout,))
        state[f"bn{i}_m"] = jnp.zeros((cout,))
        state[f"bn{i}_v"] = jnp.ones((cout,))
        cin = cout
    pooled = LAYERS[-1][0] + LAYERS[COLOUR_TAP][0]
    params["dense_w"] = jax.random.normal(keys[-4], (pooled, dims)) * math.sqrt(1.0 / pooled)
    params["dense_b"] = jnp.zeros((dims,))
    params["head_article"] = jax.random.normal(keys[-3], (dims, n_article))
    params["head_colour"] = jax.random.normal(keys[-2], (dims, n_colour))
    params["head_pair"] = jax.random.normal(keys[-1], (dims, max(1, n_pair)))
    return params, state


def embed(params, state, x, train):
    """x: float [n, side, side, 3] in [0, 1] → (unnormalised embedding, new BN state)."""
    h = (x - MEAN) / STD
    new_state = {}
    tap = None
    for i, (_, stride, pool) in enumerate(LAYERS):
        h = lax.conv_general_dilated(h, params[f"conv{i}"], (stride, stride), ((1, 1), (1, 1)),
                                     dimension_numbers=("NHWC", "HWIO", "NHWC"))
        if train:
            m = h.mean(axis=(0, 1, 2))
            v = h.var(axis=(0, 1, 2))
            new_state[f"bn{i}_m"] = 0.9 * state[f"bn{i}_m"] + 0.1 * m
            new_state[f"bn{i}_v"] = 0.9 * state[f"bn{i}_v"] + 0.1 * v
        else:
            m, v = state[f"bn{i}_m"], state[f"bn{i}_v"]
        h = (h - m) / jnp.sqrt(v + BN_EPS) * params[f"bn{i}_g"] + params[f"bn{i}_b"]
        h = jax.nn.relu(h)
        if pool:
            h = lax.reduce_window(h, -jnp.inf, lax.max, (1, 2, 2, 1), (1, 2, 2, 1), "VALID")
        if i == COLOUR_TAP:
            tap = h.mean(axis=(1, 2))
    pooled = jnp.concatenate([h.mean(axis=(1, 2)), tap], axis=1)
    return pooled @ params["dense_w"] + params["dense_b"], (new_state if train else state)


def l2n(v, axis):
    return v / jnp.sqrt(jnp.sum(v * v, axis=axis, keepdims=True) + 1e-12)


def cosine_ce(e, w, labels, smoothing=0.1):
    logits = SCALE * (l2n(e, 1) @ l2n(w, 0))
    n = w.shape[1]
    mask = labels >= 0
    onehot = jax.nn.one_hot(jnp.where(mask, labels, 0), n)
    target = onehot * (1 - smoothing) + smoothing / n
    loss = -jnp.sum(target * jax.nn.log_softmax(logits), axis=1)
    return jnp.sum(loss * mask) / jnp.maximum(1, mask.sum()), jnp.argmax(logits, 1)


def loss_fn(params, state, x, ya, yc, yp):
    e, new_state = embed(params, state, x, True)
    la, _ = cosine_ce(e, params["head_article"], ya)
    lc, _ = cosine_ce(e, params["head_colour"], yc)
    lp, _ = cosine_ce(e, params["head_pair"], yp)
    return la + lc + lp, new_state


def adam_step(params, grads, m, v, t, lr, wd=5e-4, b1=0.9, b2=0.999):
    m = jax.tree_util.tree_map(lambda a, g: b1 * a + (1 - b1) * g, m, grads)
    v = jax.tree_util.tree_map(lambda a, g: b2 * a + (1 - b2) * g * g, v, grads)
    c1 = 1 - b1**t
    c2 = 1 - b2**t
    # AdamW: decoupled weight decay.
    params = jax.tree_util.tree_map(
        lambda p, a, b: p - lr * ((a / c1) / (jnp.sqrt(b / c2) + 1e-8) + wd * p), params, m, v)
    return params, m, v


def augment(rng, xb):
    """Horizontal flips and shifts of up to 4 px (white fill): pose and framing, never colour."""
    n, s = xb.shape[0], xb.shape[1]
    flip = rng.random(n) < 0.5
    xb = np.where(flip[:, None, None, None], xb[:, :, ::-1, :], xb)
    pad = np.pad(xb, ((0, 0), (4, 4), (4, 4), (0, 0)), constant_values=1.0)
    out = np.empty_like(xb)
    dx = rng.integers(0, 9, n)
    dy = rng.integers(0, 9, n)
    for i in range(n):
        out[i] = pad[i, dy[i]:dy[i] + s, dx[i]:dx[i] + s]
    return out


def export_onnx(params, state, side, dims, path, doc):
    import onnx
    from onnx import TensorProto, helper, numpy_helper

    nodes, inits = [], []

    def const(name, arr):
        inits.append(numpy_helper.from_array(np.asarray(arr, np.float32), name))
        return name

    nodes.append(helper.make_node("Sub", ["image", const("mean", MEAN.reshape(1, 3, 1, 1))], ["centred"]))
    nodes.append(helper.make_node("Div", ["centred", const("std", STD.reshape(1, 3, 1, 1))], ["h_in"]))
    h = "h_in"
    tap = None
    for i, (_, stride, pool) in enumerate(LAYERS):
        w = np.asarray(params[f"conv{i}"])  # HWIO
        g = np.asarray(params[f"bn{i}_g"])
        b = np.asarray(params[f"bn{i}_b"])
        m = np.asarray(state[f"bn{i}_m"])
        v = np.asarray(state[f"bn{i}_v"])
        k = g / np.sqrt(v + BN_EPS)  # batch norm folded into the conv
        w_oihw = np.transpose(w, (3, 2, 0, 1)) * k[:, None, None, None]
        bias = b - m * k
        nodes.append(helper.make_node("Conv", [h, const(f"conv{i}_w", w_oihw), const(f"conv{i}_b", bias)],
                                      [f"conv{i}"], kernel_shape=[3, 3], pads=[1, 1, 1, 1], strides=[stride, stride]))
        nodes.append(helper.make_node("Relu", [f"conv{i}"], [f"relu{i}"]))
        h = f"relu{i}"
        if pool:
            nodes.append(helper.make_node("MaxPool", [h], [f"pool{i}"], kernel_shape=[2, 2], strides=[2, 2]))
            h = f"pool{i}"
        if i == COLOUR_TAP:
            nodes.append(helper.make_node("GlobalAveragePool", [h], ["tap_gap"]))
            nodes.append(helper.make_node("Flatten", ["tap_gap"], ["tap"], axis=1))
            tap = "tap"
    nodes.append(helper.make_node("GlobalAveragePool", [h], ["gap"]))
    nodes.append(helper.make_node("Flatten", ["gap"], ["pooled_last"], axis=1))
    nodes.append(helper.make_node("Concat", ["pooled_last", tap], ["pooled"], axis=1))
    nodes.append(helper.make_node("Gemm", ["pooled", const("dense_w", params["dense_w"]),
                                           const("dense_b", params["dense_b"])], ["raw_embedding"]))
    nodes.append(helper.make_node("LpNormalization", ["raw_embedding"], ["embedding"], axis=1, p=2))
    graph = helper.make_graph(
        nodes, "recgraph-image-cnn", [helper.make_tensor_value_info("image", TensorProto.FLOAT, ["batch", 3, side, side])],
        [helper.make_tensor_value_info("embedding", TensorProto.FLOAT, ["batch", dims])], inits, doc_string=doc)
    model = helper.make_model(graph, producer_name="recgraph-image-encoder", opset_imports=[helper.make_opsetid("", 13)])
    model.ir_version = 8
    onnx.checker.check_model(model)
    with open(path, "wb") as f:
        f.write(model.SerializeToString())


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", required=True)
    ap.add_argument("--out", required=True)
    ap.add_argument("--epochs", type=int, default=14)
    ap.add_argument("--batch", type=int, default=128)
    ap.add_argument("--dims", type=int, default=64)
    ap.add_argument("--lr", type=float, default=3e-3)
    ap.add_argument("--seed", type=int, default=20261202)
    a = ap.parse_args()

    meta = json.load(open(os.path.join(a.data, "meta.json")))
    side = meta["side"]
    n = len(meta["article"])
    pixels = np.fromfile(os.path.join(a.data, "pixels.u8"), dtype=np.uint8).reshape(n, side, side, 3)
    article = np.array(meta["article"], np.int32)
    colour = np.array(meta["colour"], np.int32)
    held = np.array(meta["heldOut"], bool)
    train = np.nonzero(~held)[0]
    test = np.nonzero(held)[0]
    # Article-and-colour pairs with at least 5 training photos get their own class; the rest are ignored by that head.
    pair_key = article * 10_000 + np.where(colour >= 0, colour, 9_999)
    keys, counts = np.unique(pair_key[train], return_counts=True)
    pair_ids = {int(k): i for i, k in enumerate(keys[(counts >= 5) & (keys % 10_000 != 9_999)])}
    pair = np.array([pair_ids.get(int(k), -1) for k in pair_key], np.int32)
    n_article, n_colour = len(meta["articleClasses"]), max(1, len(meta["colourClasses"]))
    print(f"{len(train)} training and {len(test)} held-out photos, {side}px; {n_article} article types, "
          f"{n_colour} colours, {len(pair_ids)} article-colour pairs", flush=True)

    params, state = init_params(jax.random.PRNGKey(a.seed), n_article, n_colour, len(pair_ids), a.dims)
    m = jax.tree_util.tree_map(jnp.zeros_like, params)
    v = jax.tree_util.tree_map(jnp.zeros_like, params)

    @jax.jit
    def step(params, state, m, v, t, lr, x, ya, yc, yp):
        (loss, new_state), grads = jax.value_and_grad(loss_fn, has_aux=True)(params, state, x, ya, yc, yp)
        params, m, v = adam_step(params, grads, m, v, t, lr)
        return params, new_state, m, v, loss

    @jax.jit
    def predict(params, state, x):
        e, _ = embed(params, state, x, False)
        _, pa = cosine_ce(e, params["head_article"], jnp.zeros(x.shape[0], jnp.int32))
        _, pc = cosine_ce(e, params["head_colour"], jnp.zeros(x.shape[0], jnp.int32))
        return l2n(e, 1), pa, pc

    def evaluate(idx):
        if len(idx) == 0:
            return {}
        ok_a = ok_c = n_c = 0
        for s in range(0, len(idx), 256):
            b = idx[s:s + 256]
            _, pa, pc = predict(params, state, pixels[b].astype(np.float32) / 255.0)
            ok_a += int(np.sum(np.asarray(pa) == article[b]))
            has = colour[b] >= 0
            ok_c += int(np.sum((np.asarray(pc) == colour[b]) & has))
            n_c += int(has.sum())
        return {"articleAccuracy": ok_a / len(idx), "colourAccuracy": ok_c / max(1, n_c)}

    rng = np.random.default_rng(a.seed)
    steps_per_epoch = max(1, len(train) // a.batch)
    total = steps_per_epoch * a.epochs
    warmup = min(200, total // 10)
    t = 0
    started = time.time()
    for epoch in range(a.epochs):
        order = rng.permutation(train)
        losses = []
        for s in range(steps_per_epoch):
            b = order[s * a.batch:(s + 1) * a.batch]
            x = augment(rng, pixels[b].astype(np.float32) / 255.0)
            t += 1
            # Linear warm-up, then cosine decay to zero.
            lr = a.lr * (t / warmup if t < warmup else 0.5 * (1 + math.cos(math.pi * (t - warmup) / max(1, total - warmup))))
            params, state, m, v, loss = step(params, state, m, v, t, lr, x, article[b], colour[b], pair[b])
            losses.append(float(loss))
        print(f"epoch {epoch + 1}/{a.epochs}: loss {np.mean(losses):.3f}, {time.time() - started:.0f}s", flush=True)
    seconds = time.time() - started
    held_metrics = evaluate(test)
    print(f"held-out: {json.dumps(held_metrics)}", flush=True)

    os.makedirs(a.out, exist_ok=True)
    doc = (f"image[batch, 3, {side}, {side}] RGB in [0, 1] (fitted on white) -> 6 conv (BN folded) -> "
           f"global average pools -> Gemm -> L2 normalise -> embedding[batch, {a.dims}]")
    export_onnx(params, state, side, a.dims, os.path.join(a.out, "model.onnx"), doc)
    # Reference embeddings of a few held-out photos: the exporter's caller checks onnxruntime agrees.
    probe = (test if len(test) else train)[:4]
    e, _, _ = predict(params, state, pixels[probe].astype(np.float32) / 255.0)
    json.dump({
        "epochs": a.epochs, "batch": a.batch, "lr": a.lr, "seed": a.seed, "dims": a.dims, "side": side,
        "trainPhotos": int(len(train)), "heldOutPhotos": int(len(test)), "pairClasses": len(pair_ids),
        "trainSeconds": round(seconds, 1), "heldOut": held_metrics,
        "probe": {"index": [int(i) for i in probe], "embedding": np.asarray(e).round(6).tolist()},
    }, open(os.path.join(a.out, "training.json"), "w"), indent=1)


if __name__ == "__main__":
    main()
