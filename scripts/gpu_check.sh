#!/usr/bin/env bash
# The GPU checks in one run, for a machine with CUDA: the device, the tests of the CUDA paths on it,
# then python -m bench --device cuda --quick (the GPU rows) into ${OUT:-bench/results}.
set -euo pipefail
cd "$(dirname "$0")/.."
export HF_HUB_OFFLINE=1 STUDIO_DEVICE=cuda
nvidia-smi --query-gpu=name,memory.total,memory.used --format=csv || true
python -c "import torch; assert torch.cuda.is_available(), 'torch sees no CUDA device'; print('torch', torch.__version__, torch.cuda.get_device_name(0))"
python -m pytest -q -p no:cacheprovider -x tests/ui/test_gpu.py tests/model/test_bundled.py tests/explain/test_ground_truth.py
python -m bench --device cuda --quick --out "${OUT:-bench/results}"
