#include "engine/shape.h"

#include <stdexcept>

namespace acl {

Shape::Shape(std::initializer_list<int64_t> dims) {
  init(dims.begin(), dims.size());
}
Shape::Shape(const std::vector<int64_t>& dims) {
  init(dims.data(), dims.size());
}

void Shape::init(const int64_t* d, size_t n) {
  if (n > static_cast<size_t>(kMaxRank)) {
    throw std::invalid_argument("Shape: rank " + std::to_string(n) + " exceeds the maximum rank " +
                                std::to_string(kMaxRank));
  }
  rank_ = static_cast<int>(n);
  for (size_t i = 0; i < n; ++i) {
    if (d[i] < 0) {
      throw std::invalid_argument("Shape: negative extent " + std::to_string(d[i]) + " in dim " +
                                  std::to_string(i));
    }
    dims_[i] = d[i];
  }
}

int64_t Shape::numel() const {
  int64_t n = 1;
  for (int i = 0; i < rank_; ++i) n *= dims_[i];
  return n;
}

int Shape::axis(int i, const char* op) const {
  int a = i < 0 ? i + rank_ : i;
  if (a < 0 || a >= rank_) {
    throw std::invalid_argument(std::string(op) + ": dim " + std::to_string(i) +
                                " is out of range for shape " + str());
  }
  return a;
}

int64_t Shape::dim(int i) const {
  return dims_[axis(i, "Shape::dim")];
}

std::vector<int64_t> Shape::to_vector() const {
  return std::vector<int64_t>(dims_, dims_ + rank_);
}

std::string Shape::str() const {
  std::string s = "[";
  for (int i = 0; i < rank_; ++i) {
    if (i) s += ", ";
    s += std::to_string(dims_[i]);
  }
  return s + "]";
}

bool Shape::operator==(const Shape& o) const {
  if (rank_ != o.rank_) return false;
  for (int i = 0; i < rank_; ++i)
    if (dims_[i] != o.dims_[i]) return false;
  return true;
}

}  // namespace acl
