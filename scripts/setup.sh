#!/usr/bin/env bash
# Installs what the build needs (Debian 12 packages), then configures and builds acl-ecg.
# Idempotent: packages already present are skipped and the build is incremental.
#
#   bash scripts/setup.sh [BUILD_DIR]        (default build/)
#
# Environment: ACL_CMAKE_ARGS adds CMake options (e.g. -DACL_CUDA=OFF); ACL_JOBS sets build jobs.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-$root/build}"
packages=(cmake ninja-build g++ pkg-config libgtest-dev libgmock-dev nlohmann-json3-dev
          libopenblas-dev libopenmpi-dev openmpi-bin libcli11-dev libbenchmark-dev libflac-dev)

bash "$root/scripts/install_packages.sh" "${packages[@]}"

# nvcc outside PATH (the CUDA toolkit's default prefix) still enables the CUDA backend.
if ! command -v nvcc >/dev/null && [[ -x /usr/local/cuda/bin/nvcc ]]; then
  export PATH="/usr/local/cuda/bin:$PATH"
fi

jobs="${ACL_JOBS:-$(nproc)}"
# shellcheck disable=SC2086
cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release ${ACL_CMAKE_ARGS:-}
cmake --build "$build" -j "$jobs"
echo "setup: built in $build"
