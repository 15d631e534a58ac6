// The list of op test cases shared by the finite-difference gradient check (test_gradcheck) and
// the backend comparison (test_backend_ops). Each case declares its inputs (shape, initialisation,
// whether it is differentiated), the function under test and its f32 tolerance; the case name
// carries its parameters.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "engine/tensor.h"

namespace acl::testing {

enum class Init {
  normal,    // N(0, 1)
  positive,  // uniform in (0.5, 1.5]: variances, divisors
  unit,      // uniform in (0, 1]: probabilities, BCE targets
  index,     // i32 uniform in [0, index_range)
};

struct InputSpec {
  Shape shape;
  Init init = Init::normal;
  bool differentiable = true;
  int index_range = 0;  // for Init::index
};

struct OpCase {
  std::string name;  // "conv1d_B2_Cin6_Cout9_L23_K3_s2_p1_d1_g3"
  std::vector<InputSpec> inputs;
  std::function<Tensor(const std::vector<Tensor>&)> fn;
  double f32_rtol = 2e-5;  // relative error bound for f32 against the f64 reference
};

const std::vector<OpCase>& op_cases();

// Inputs of `c` in dtype `dt` on `dev`: random with a seed per (case, operand). Floating values are
// drawn in f64 and rounded to f32 first, so every dtype sees the same numbers.
std::vector<Tensor> make_inputs(const OpCase& c, DType dt, Device dev);

}  // namespace acl::testing
