// acl_bench's command-line options and the row filter they define.
#pragma once

#include <string>

namespace acl::bench {

struct Options {
  std::string device = "cuda";
  std::string filter, impl_filter, csv;
  int reps = 10, warmup = 2, batch = 0;  // batch 0: each shape's own
  bool no_cudnn = false, no_dnnl = false, list = false;
};

// Whether the row `name` ("conv1d_fwd/r18_100hz_l1") of implementation `impl` passes --filter and
// --impl (substring matches; an empty filter passes everything).
inline bool selected(const Options& o, const std::string& name, const std::string& impl) {
  return (o.filter.empty() || name.find(o.filter) != std::string::npos) &&
         (o.impl_filter.empty() || impl.find(o.impl_filter) != std::string::npos);
}

}  // namespace acl::bench
