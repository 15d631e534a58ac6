// Argument checks shared by the CPU and CUDA twins of the contrastive kernels
// (kernels/contrastive.h): the same conditions and messages on both devices. Each throws
// std::invalid_argument("<op>: ...").
#pragma once

#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>

namespace acl::kernels::contrastive_detail {

[[noreturn]] inline void fail(const char* op, const std::string& what) {
  throw std::invalid_argument(std::string(op) + ": " + what);
}

inline void check_ptr(const char* op, const char* name, const void* p, int64_t n) {
  if (n > 0 && p == nullptr) {
    fail(op, std::string("'") + name + "' is null for " + std::to_string(n) + " elements");
  }
}

inline void check_args(const char* op, int M, int d, double inv_tau) {
  if (M < 0) fail(op, "M = " + std::to_string(M) + " is negative");
  if (M > 0 && d < 1) fail(op, "d = " + std::to_string(d) + " must be >= 1");
  if (!(inv_tau > 0.0) || !std::isfinite(inv_tau)) {
    fail(op, "inv_tau = " + std::to_string(inv_tau) + " must be positive and finite");
  }
}

inline void check_forward_args(const char* op, const void* loss, const void* accuracy,
                               const void* anchors, const void* row_lse, const void* row_pos,
                               const void* row_spos, const void* row_hit, const void* zhat,
                               const void* ids, int M, int d, double inv_tau) {
  check_args(op, M, d, inv_tau);
  check_ptr(op, "loss", loss, 1);
  check_ptr(op, "accuracy", accuracy, 1);
  check_ptr(op, "anchors", anchors, 1);
  check_ptr(op, "row_lse", row_lse, M);
  check_ptr(op, "row_pos", row_pos, M);
  check_ptr(op, "row_spos", row_spos, M);
  check_ptr(op, "row_hit", row_hit, M);
  check_ptr(op, "zhat", zhat, static_cast<int64_t>(M) * d);
  check_ptr(op, "ids", ids, static_cast<int64_t>(M) * 3);
}

inline void check_backward_args(const char* op, const void* grad_zhat, const void* grad_loss,
                                const void* zhat, const void* ids, const void* row_lse,
                                const void* row_pos, int anchors, int M, int d, double inv_tau) {
  check_args(op, M, d, inv_tau);
  if (M > 0 && anchors < 1) fail(op, "anchors = " + std::to_string(anchors) + " must be >= 1");
  const int64_t n = static_cast<int64_t>(M) * d;
  check_ptr(op, "grad_zhat", grad_zhat, n);
  check_ptr(op, "grad_loss", grad_loss, 1);
  check_ptr(op, "zhat", zhat, n);
  check_ptr(op, "ids", ids, static_cast<int64_t>(M) * 3);
  check_ptr(op, "row_lse", row_lse, M);
  check_ptr(op, "row_pos", row_pos, M);
}

}  // namespace acl::kernels::contrastive_detail
