"""npm run bench:train-step -> JSON: seconds per training step of the default detector under BLAS thread settings.

Each setting runs in its own process (OpenBLAS reads OPENBLAS_NUM_THREADS when it is loaded), alternating
settings over BENCH_REPS rounds so a busy host slows both alike; the ratio is taken within this one run.
A step is train.py's own configure_torch / make_optimizer / forward_backward + AdamW update, on its first phase's
input: batch 16 of 2 s pieces, 2 threads.
The final loss of every run is printed too: the settings change speed, not the result (equal to float rounding).
With Debian's libopenblas0-openmp installed, a third setting runs OpenBLAS's OpenMP build (as model:build does).
Env: BENCH_STEPS (timed steps per run, default 6), BENCH_REPS (default 2), PYTHON (default /usr/bin/python3).
"""
import json
import os
import platform
import statistics
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
TRAINING = os.path.join(HERE, "..", "models", "training")

CHILD = r"""
import json, os, sys, time
sys.path.insert(0, sys.argv[1])
import torch  # loads OpenBLAS with this process's environment
from common import loaded_blas
# after torch: train.py's OPENBLAS_NUM_THREADS default comes too late to change this process
from train import configure_torch, forward_backward, make_optimizer, resolve_bf16
from wavlm import WavLMSpoofDetector, small_config
configure_torch(2)
torch.manual_seed(0)
bf16 = resolve_bf16(os.environ.get("TRAIN_BF16", "auto"))
m = WavLMSpoofDetector(small_config())
opt = make_optimizer(m, 1e-4)
x = torch.randn(16, 32000); y = (torch.arange(16) % 2).float()
def step():
    loss, _ = forward_backward(m, opt, x, y, bf16)
    opt.step()
    return loss
for _ in range(2):
    step()
n = int(sys.argv[2]); t = time.perf_counter()
for _ in range(n):
    loss = step()
print(json.dumps(dict(s_per_step=(time.perf_counter() - t) / n, final_loss=loss, bf16=bf16, blas=loaded_blas())))
"""

SETTINGS = {
    # what a process gets with no setting: OpenBLAS starts one pthread per core beside torch's OpenMP threads
    "openblas_default_threads": {},
    # what train.py sets by itself, and scripts/model-build.sh where Debian's OpenMP build is absent
    "openblas_1_thread": {"OPENBLAS_NUM_THREADS": "1"},
}
# what scripts/model-build.sh uses where libopenblas0-openmp is installed: OpenBLAS on torch's OpenMP threads
OPENMP_BLAS = "/usr/lib/x86_64-linux-gnu/openblas-openmp"
if os.path.exists(os.path.join(OPENMP_BLAS, "libblas.so.3")):
    SETTINGS["openblas_openmp_2_threads"] = {"OPENBLAS_NUM_THREADS": "2", "LD_LIBRARY_PATH": OPENMP_BLAS}


def cpu_model():
    try:
        for line in open("/proc/cpuinfo"):
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor()


def main():
    py = os.environ.get("PYTHON", "/usr/bin/python3")
    steps = int(os.environ.get("BENCH_STEPS", "6"))
    reps = int(os.environ.get("BENCH_REPS", "2"))
    runs = {k: [] for k in SETTINGS}
    for _ in range(reps):
        for name, extra in SETTINGS.items():
            env = {k: v for k, v in os.environ.items() if k not in ("OPENBLAS_NUM_THREADS", "LD_LIBRARY_PATH")}
            env.update(OMP_NUM_THREADS="2", **extra)
            out = subprocess.run([py, "-c", CHILD, TRAINING, str(steps)], env=env, check=True,
                                 capture_output=True, text=True).stdout
            runs[name].append(json.loads(out.strip().splitlines()[-1]))
    med = {k: statistics.median(r["s_per_step"] for r in v) for k, v in runs.items()}
    print(json.dumps(dict(
        bench="train-step", cpu=cpu_model(), cores=os.cpu_count(), batch=16, piece_seconds=2.0,
        steps_per_run=steps, reps=reps, bf16=runs["openblas_1_thread"][0]["bf16"],
        s_per_step_median={k: round(v, 3) for k, v in med.items()},
        speedup_1_thread_vs_default=round(med["openblas_default_threads"] / med["openblas_1_thread"], 2),
        speedup_openmp_vs_1_thread=(round(med["openblas_1_thread"] / med["openblas_openmp_2_threads"], 2)
                                    if "openblas_openmp_2_threads" in med else None),
        blas_loaded={k: v[0]["blas"] for k, v in runs.items()},
        final_losses={k: [r["final_loss"] for r in v] for k, v in runs.items()},
    ), indent=1))


if __name__ == "__main__":
    sys.exit(main())
