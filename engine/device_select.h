// Whether this process can use the CUDA backend. Compiled in every build; a build without CUDA
// (no ACL_HAVE_CUDA) or a machine without a usable GPU runs on the CPU backend instead.
#pragma once

#include <string>

namespace acl {

// True when the build has the CUDA backend and at least one visible GPU can run its kernels
// (see kernels/runtime/device_info.h). Probed once per process; thread safe; never throws.
bool cuda_available();

// Why cuda_available() is false ("" when it is true).
std::string cuda_unavailable_reason();

// Returns cuda_available(). The first call in a process built with CUDA but without a usable GPU
// prints one line to stderr:
//   acl-ecg: built with CUDA but no usable GPU (<reason>); falling back to the CPU backend
bool use_cuda_or_fallback();

}  // namespace acl
