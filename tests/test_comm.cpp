// Every collective of the communicator for every element type, checked element by element against
// values computed in closed form, with sentinels past the end of every output buffer. Run directly
// (single-process backend) and by ctest under mpirun at np = 2 and 3 (MPI backend).
#include <gtest/gtest.h>

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <thread>
#include <vector>

#include "engine/comm/tensor_comm.h"
#include "tests/comm_test_util.h"

namespace acl {
namespace {

using comm::CommType;
using comm::ReduceOp;
using testing::world;

// Sentinel elements after each output buffer.
constexpr size_t kGuard = 7;
const size_t kCounts[] = {1, 1000, 1237};

template <typename T>
struct TypeOf;
template <>
struct TypeOf<float> {
  static constexpr CommType value = CommType::f32;
};
template <>
struct TypeOf<double> {
  static constexpr CommType value = CommType::f64;
};
template <>
struct TypeOf<int32_t> {
  static constexpr CommType value = CommType::i32;
};
template <>
struct TypeOf<int64_t> {
  static constexpr CommType value = CommType::i64;
};

// Rank r's element i: distinct per rank and per position, exact in every type; never zero.
template <typename T>
T value(int r, size_t i) {
  return static_cast<T>(1 + 7 * (r + 1) + static_cast<int64_t>(i % 13) * 3 - 19 * (i % 2));
}

template <typename T>
T sentinel() {
  return static_cast<T>(-12345);
}

template <typename T>
std::vector<T> with_guard(size_t n) {
  return std::vector<T>(n + kGuard, sentinel<T>());
}

template <typename T>
void expect_guard(const std::vector<T>& v, size_t n, const std::string& what) {
  for (size_t i = n; i < v.size(); ++i)
    ASSERT_EQ(v[i], sentinel<T>()) << what << ": overrun at element " << i;
}

template <typename T>
void check_allreduce() {
  comm::Communicator& c = world();
  const int size = c.size();
  for (size_t n : kCounts)
    for (ReduceOp op : {ReduceOp::kSum, ReduceOp::kAvg})
      for (bool in_place : {false, true}) {
        const std::string what =
            std::string("allreduce ") + comm::comm_type_name(TypeOf<T>::value) +
            " n=" + std::to_string(n) + (op == ReduceOp::kAvg ? " avg" : " sum") +
            (in_place ? " in place" : "") + " np=" + std::to_string(size);
        std::vector<T> send(n), recv = with_guard<T>(n);
        for (size_t i = 0; i < n; ++i) send[i] = value<T>(c.rank(), i);
        if (in_place) {
          std::copy(send.begin(), send.end(), recv.begin());
          c.allreduce(recv.data(), recv.data(), n, TypeOf<T>::value, op);
        } else {
          c.allreduce(send.data(), recv.data(), n, TypeOf<T>::value, op);
        }
        for (size_t i = 0; i < n; ++i) {
          T sum = 0;
          for (int r = 0; r < size; ++r) sum += value<T>(r, i);
          const T want = op == ReduceOp::kAvg ? static_cast<T>(sum / static_cast<T>(size)) : sum;
          ASSERT_EQ(recv[i], want) << what << " element " << i;
        }
        expect_guard(recv, n, what);
      }
}

template <typename T>
void check_allgather() {
  comm::Communicator& c = world();
  const int size = c.size();
  for (size_t n : kCounts) {
    const std::string what = std::string("allgather ") + comm::comm_type_name(TypeOf<T>::value) +
                             " n=" + std::to_string(n) + " np=" + std::to_string(size);
    std::vector<T> send(n), recv = with_guard<T>(n * size);
    for (size_t i = 0; i < n; ++i) send[i] = value<T>(c.rank(), i);
    c.allgather(send.data(), recv.data(), n, TypeOf<T>::value);
    for (int r = 0; r < size; ++r)
      for (size_t i = 0; i < n; ++i)
        ASSERT_EQ(recv[r * n + i], value<T>(r, i)) << what << " rank " << r << " element " << i;
    expect_guard(recv, n * size, what);
  }
}

template <typename T>
void check_reduce_scatter() {
  comm::Communicator& c = world();
  const int size = c.size();
  for (size_t n : kCounts)
    for (ReduceOp op : {ReduceOp::kSum, ReduceOp::kAvg}) {
      const std::string what = std::string("reduce_scatter ") +
                               comm::comm_type_name(TypeOf<T>::value) + " n=" + std::to_string(n) +
                               (op == ReduceOp::kAvg ? " avg" : " sum") +
                               " np=" + std::to_string(size);
      std::vector<T> send(n * size), recv = with_guard<T>(n);
      for (size_t k = 0; k < send.size(); ++k) send[k] = value<T>(c.rank(), k);
      c.reduce_scatter(send.data(), recv.data(), n, TypeOf<T>::value, op);
      for (size_t i = 0; i < n; ++i) {
        T sum = 0;
        for (int r = 0; r < size; ++r) sum += value<T>(r, c.rank() * n + i);
        const T want = op == ReduceOp::kAvg ? static_cast<T>(sum / static_cast<T>(size)) : sum;
        ASSERT_EQ(recv[i], want) << what << " element " << i;
      }
      expect_guard(recv, n, what);
    }
}

template <typename T>
void check_broadcast() {
  comm::Communicator& c = world();
  for (int root = 0; root < c.size(); ++root)
    for (size_t n : kCounts) {
      const std::string what = std::string("broadcast ") + comm::comm_type_name(TypeOf<T>::value) +
                               " n=" + std::to_string(n) + " root=" + std::to_string(root) +
                               " np=" + std::to_string(c.size());
      std::vector<T> buf = with_guard<T>(n);
      for (size_t i = 0; i < n; ++i) buf[i] = value<T>(c.rank(), i);
      c.broadcast(buf.data(), n, TypeOf<T>::value, root);
      for (size_t i = 0; i < n; ++i)
        ASSERT_EQ(buf[i], value<T>(root, i)) << what << " element " << i;
      expect_guard(buf, n, what);
    }
}

template <typename T>
void check_iallreduce() {
  comm::Communicator& c = world();
  const size_t n = 1237;
  std::vector<T> a = with_guard<T>(n), b = with_guard<T>(n);
  for (size_t i = 0; i < n; ++i) {
    a[i] = value<T>(c.rank(), i);
    b[i] = value<T>(c.rank(), i + 5);
  }
  // Two requests in flight at once, completed in reverse order.
  auto ra = c.iallreduce(a.data(), n, TypeOf<T>::value, ReduceOp::kSum);
  auto rb = c.iallreduce(b.data(), n, TypeOf<T>::value, ReduceOp::kAvg);
  rb->wait();
  ra->wait();
  ra->wait();  // idempotent
  for (size_t i = 0; i < n; ++i) {
    T sa = 0, sb = 0;
    for (int r = 0; r < c.size(); ++r) {
      sa += value<T>(r, i);
      sb += value<T>(r, i + 5);
    }
    ASSERT_EQ(a[i], sa) << "iallreduce sum element " << i;
    ASSERT_EQ(b[i], static_cast<T>(sb / static_cast<T>(c.size())))
        << "iallreduce avg element " << i;
  }
  expect_guard(a, n, "iallreduce a");
  expect_guard(b, n, "iallreduce b");
}

template <typename T>
void check_all() {
  check_allreduce<T>();
  check_allgather<T>();
  check_reduce_scatter<T>();
  check_broadcast<T>();
  check_iallreduce<T>();
}

TEST(Comm, BackendMatchesLaunch) {
  comm::Communicator& c = world();
  EXPECT_GE(c.rank(), 0);
  EXPECT_LT(c.rank(), c.size());
  EXPECT_EQ(std::string(c.backend()), comm::launched_by_mpi() ? "mpi" : "single");
  EXPECT_EQ(c.device(), Device::CPU);
  // Every rank agrees on the size and holds a distinct rank.
  std::vector<int32_t> ranks(static_cast<size_t>(c.size()), -1);
  int32_t mine = c.rank();
  c.allgather(&mine, ranks.data(), 1, CommType::i32);
  for (int r = 0; r < c.size(); ++r) EXPECT_EQ(ranks[static_cast<size_t>(r)], r);
  c.barrier();
}

TEST(Comm, Float32) {
  check_all<float>();
}
TEST(Comm, Float64) {
  check_all<double>();
}
TEST(Comm, Int32) {
  check_all<int32_t>();
}
TEST(Comm, Int64) {
  check_all<int64_t>();
}

TEST(Comm, TensorCollectives) {
  comm::Communicator& c = world();
  const int size = c.size(), rank = c.rank();
  std::vector<float> v(6);
  for (size_t i = 0; i < v.size(); ++i) v[i] = value<float>(rank, i);
  Tensor t = Tensor::from_vector(v, Shape{2, 3});
  Tensor all = comm::allgather_rows(c, t);
  ASSERT_EQ(all.shape(), (Shape{2 * size, 3}));
  const std::vector<float> got = all.to_vector<float>();
  for (int r = 0; r < size; ++r)
    for (size_t i = 0; i < 6; ++i) ASSERT_EQ(got[r * 6 + i], value<float>(r, i));
  Tensor back = comm::reduce_scatter_rows(c, all, ReduceOp::kSum);
  ASSERT_EQ(back.shape(), (Shape{2, 3}));
  const std::vector<float> rs = back.to_vector<float>();
  for (size_t i = 0; i < 6; ++i) {
    float want = 0;
    for (int r = 0; r < size; ++r) want += value<float>(rank, i);  // every copy holds rank's rows
    ASSERT_EQ(rs[i], want) << "element " << i;
  }
  Tensor d = Tensor::from_vector(std::vector<double>{1.0 + rank, 2.0 * rank}, Shape{2});
  comm::allreduce(c, d, ReduceOp::kSum);
  EXPECT_EQ(d.to_vector<double>(),
            (std::vector<double>{size + size * (size - 1) / 2.0, 1.0 * size * (size - 1)}));
  comm::broadcast(c, t, size - 1);
  const std::vector<float> b = t.to_vector<float>();
  for (size_t i = 0; i < 6; ++i) EXPECT_EQ(b[i], value<float>(size - 1, i));
  if (size > 1) {  // rows not divisible by the rank count (checked before any rank communicates)
    EXPECT_THROW(comm::reduce_scatter_rows(c, Tensor::zeros(Shape{size + 1, 2}), ReduceOp::kSum),
                 std::invalid_argument);
  }
}

// A collective whose peer arrives late throws on the waiting rank after the timeout, naming the
// collective, the rank and the silent peers; the late peer's matching call still completes, so the
// group stays usable.
TEST(Comm, TimeoutNamesTheWaitingRank) {
  comm::Communicator& c = world();
  if (c.size() < 2) GTEST_SKIP() << "needs a peer (runs under mpirun at np >= 2)";
  const double saved = c.timeout_s();
  c.set_timeout_s(0.5);
  if (c.rank() == 0) {
    try {
      c.barrier();
      ADD_FAILURE() << "barrier returned although rank 1 had not joined";
    } catch (const std::runtime_error& e) {
      const std::string msg = e.what();
      EXPECT_NE(msg.find("mpi barrier: rank 0 of"), std::string::npos) << msg;
      EXPECT_NE(msg.find("never joined"), std::string::npos) << msg;
      // The peers were still sleeping: named as the ones that did not answer.
      EXPECT_NE(msg.find(c.size() == 2 ? "rank 1 did not answer" : "ranks 1, 2 did not answer"),
                std::string::npos)
          << msg;
    }
  } else {
    std::this_thread::sleep_for(std::chrono::milliseconds(2000));
    c.set_timeout_s(30);
    c.barrier();  // matches rank 0's barrier, still in flight inside MPI
  }
  c.set_timeout_s(saved);
  // Back in step: an all-reduce after the episode is correct on every rank.
  int64_t one = 1;
  c.allreduce(&one, &one, 1, CommType::i64, ReduceOp::kSum);
  EXPECT_EQ(one, c.size());
}

TEST(Comm, BadArgumentsNameTheValue) {
  comm::Communicator& c = world();
  float x = 0;
  try {
    c.broadcast(&x, 1, CommType::f32, c.size());
    ADD_FAILURE() << "broadcast from a root outside the group did not throw";
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("root " + std::to_string(c.size())), std::string::npos)
        << e.what();
  }
  EXPECT_THROW(comm::comm_type_of(DType::bf16), std::invalid_argument);
}

}  // namespace
}  // namespace acl
