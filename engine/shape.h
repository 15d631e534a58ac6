// Tensor shape: rank 0..4, int64 extents, row-major contiguous layout.
#pragma once

#include <cstdint>
#include <initializer_list>
#include <string>
#include <vector>

namespace acl {

class Shape {
 public:
  static constexpr int kMaxRank = 4;

  Shape() = default;  // rank 0: a scalar with one element
  Shape(std::initializer_list<int64_t> dims);
  explicit Shape(const std::vector<int64_t>& dims);

  int rank() const { return rank_; }
  int64_t operator[](int i) const { return dims_[i]; }
  int64_t& operator[](int i) { return dims_[i]; }
  int64_t numel() const;
  // Extent of dim i, with negative i counting from the end; throws when out of range.
  int64_t dim(int i) const;
  // Normalises a possibly negative dim index; throws naming `op` when out of range.
  int axis(int i, const char* op) const;
  std::vector<int64_t> to_vector() const;
  std::string str() const;  // "[2, 3, 5]"

  bool operator==(const Shape& o) const;
  bool operator!=(const Shape& o) const { return !(*this == o); }

 private:
  void init(const int64_t* d, size_t n);
  int64_t dims_[kMaxRank] = {0, 0, 0, 0};
  int rank_ = 0;
};

}  // namespace acl
