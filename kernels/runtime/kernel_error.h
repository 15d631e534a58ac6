// Argument errors of the kernel entry points, CPU and CUDA alike: each throws
// std::invalid_argument("<op>: <what>"), naming the op and the value the caller can fix.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <stdexcept>
#include <string>

namespace acl::kernels {

[[noreturn]] inline void fail(const char* op, const std::string& what) {
  throw std::invalid_argument(std::string(op) + ": " + what);
}

// A count (an element or row count, a dimension) must not be negative.
inline void check_count(const char* op, const char* name, int64_t n) {
  if (n < 0) fail(op, std::string(name) + " = " + std::to_string(n) + " is negative");
}

// A buffer of n > 0 elements must be a real pointer.
inline void check_ptr(const char* op, const char* name, const void* p, int64_t n) {
  if (n > 0 && p == nullptr) {
    fail(op, std::string("'") + name + "' is null for " + std::to_string(n) + " elements");
  }
}

// A buffer and its argument name, for check_ptrs.
struct NamedBuffer {
  const char* name;
  const void* ptr;
};

// Each buffer holds n elements: check_ptr on each, in order.
inline void check_ptrs(const char* op, int64_t n, std::initializer_list<NamedBuffer> buffers) {
  for (const NamedBuffer& b : buffers) check_ptr(op, b.name, b.ptr, n);
}

}  // namespace acl::kernels
