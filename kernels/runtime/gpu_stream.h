// The stream argument of every CUDA kernel entry point, declared without CUDA headers so kernel
// declarations (kernels/*.h) compile in every build. GpuStream is the same type as cudaStream_t
// (struct CUstream_st*), so definitions in .cu files may spell it either way.
#pragma once

struct CUstream_st;

namespace acl {
using GpuStream = CUstream_st*;
}  // namespace acl
