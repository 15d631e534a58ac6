#include "engine/device_select.h"

#include <cstdio>
#include <mutex>

#include "engine/kernel_route.h"

#ifdef ACL_HAVE_CUDA
#include "kernels/runtime/device_info.h"
#include "kernels/runtime/stream.h"
#endif

namespace acl {
namespace {

struct Probe {
  bool available = false;
  std::string reason;
};

Probe run_probe() {
  Probe p;
#ifdef ACL_HAVE_CUDA
  std::string error;
  int count = cuda_device_count_noexcept(&error);
  if (count == 0) {
    p.reason = error.empty() ? "no CUDA device visible" : error;
    return p;
  }
  for (int d = 0; d < count; ++d) {
    std::string why = cuda_device_unusable_reason(d);
    if (why.empty()) {
      p.available = true;
      p.reason.clear();
      return p;
    }
    p.reason += (p.reason.empty() ? "" : "; ") + why;
  }
#else
  p.reason = "this build has no CUDA backend (configure with -DACL_CUDA=ON)";
#endif
  return p;
}

const Probe& probe() {
  static const Probe p = run_probe();  // thread-safe initialisation
  return p;
}

}  // namespace

bool cuda_available() {
  return probe().available;
}

std::string cuda_unavailable_reason() {
  return probe().reason;
}

#ifdef ACL_HAVE_CUDA
GpuStream kernel_stream() {
  return compute_stream();
}
#endif

bool use_cuda_or_fallback() {
  static std::once_flag once;
  std::call_once(once, [] {
#ifdef ACL_HAVE_CUDA
    if (!cuda_available()) {
      std::fprintf(stderr,
                   "acl-ecg: built with CUDA but no usable GPU (%s); falling back to the CPU "
                   "backend\n",
                   cuda_unavailable_reason().c_str());
    }
#endif
  });
  return cuda_available();
}

}  // namespace acl
