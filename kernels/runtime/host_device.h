// ACL_HOST_DEVICE marks a function compiled for both the host and CUDA kernels (__host__
// __device__ under nvcc, nothing in a plain C++ compiler), so one definition of an element's
// arithmetic serves the CPU and CUDA twins of a kernel.
// hd_sqrt, hd_exp, hd_log, hd_log1p, hd_erf, hd_fabs: math in the precision of the argument
// (float or double) for such code: std:: on the host, the CUDA function of that precision in
// device code (sqrtf for float, sqrt for double, ...). sqrt and fabs are exact on both devices;
// the others may differ by an ulp between the host libm and CUDA.
#pragma once

#include <cmath>

#ifdef __CUDACC__
#define ACL_HOST_DEVICE __host__ __device__
#else
#define ACL_HOST_DEVICE
#endif

namespace acl {

#ifdef __CUDA_ARCH__
#define ACL_HD_MATH(name, host, f32, f64)        \
  ACL_HOST_DEVICE inline float name(float v) {   \
    return f32(v);                               \
  }                                              \
  ACL_HOST_DEVICE inline double name(double v) { \
    return f64(v);                               \
  }
#else
#define ACL_HD_MATH(name, host, f32, f64)        \
  ACL_HOST_DEVICE inline float name(float v) {   \
    return std::host(v);                         \
  }                                              \
  ACL_HOST_DEVICE inline double name(double v) { \
    return std::host(v);                         \
  }
#endif

ACL_HD_MATH(hd_sqrt, sqrt, sqrtf, sqrt)
ACL_HD_MATH(hd_exp, exp, expf, exp)
ACL_HD_MATH(hd_log, log, logf, log)
ACL_HD_MATH(hd_log1p, log1p, log1pf, log1p)
ACL_HD_MATH(hd_erf, erf, erff, erf)
ACL_HD_MATH(hd_fabs, fabs, fabsf, fabs)

#undef ACL_HD_MATH

}  // namespace acl
