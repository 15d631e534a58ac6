// Three-vectors and rotations in the Frank axes of the dipole model (x left, y inferior,
// z posterior).
#pragma once

#include <cmath>

namespace acl::synth {

inline constexpr double kPi = 3.14159265358979323846;
inline constexpr double kTwoPi = 2.0 * kPi;
inline constexpr double kDeg = kPi / 180.0;

struct Vec3 {
  double x = 0, y = 0, z = 0;
};

inline Vec3 operator+(const Vec3& a, const Vec3& b) {
  return {a.x + b.x, a.y + b.y, a.z + b.z};
}
inline Vec3 operator-(const Vec3& a, const Vec3& b) {
  return {a.x - b.x, a.y - b.y, a.z - b.z};
}
inline Vec3 operator*(const Vec3& a, double s) {
  return {a.x * s, a.y * s, a.z * s};
}
inline double dot(const Vec3& a, const Vec3& b) {
  return a.x * b.x + a.y * b.y + a.z * b.z;
}
inline double norm(const Vec3& a) {
  return std::sqrt(dot(a, a));
}
inline bool nonzero(const Vec3& a) {
  return a.x != 0.0 || a.y != 0.0 || a.z != 0.0;
}
inline Vec3 normalised(const Vec3& a) {
  return a * (1.0 / norm(a));
}

// Rotation by `frontal` about z (x towards y), `horizontal` about y (x towards z) and `sagittal`
// about x (y towards z), radians, applied sagittal first, frontal last.
struct Rotation {
  double m[3][3];
  Rotation(double frontal, double horizontal, double sagittal) {
    const double cf = std::cos(frontal), sf = std::sin(frontal);
    const double ch = std::cos(horizontal), sh = std::sin(horizontal);
    const double cs = std::cos(sagittal), ss = std::sin(sagittal);
    const double rz[3][3] = {{cf, -sf, 0}, {sf, cf, 0}, {0, 0, 1}};
    const double ry[3][3] = {{ch, 0, -sh}, {0, 1, 0}, {sh, 0, ch}};
    const double rx[3][3] = {{1, 0, 0}, {0, cs, -ss}, {0, ss, cs}};
    double t[3][3];
    mul(ry, rx, t);
    mul(rz, t, m);
  }
  Vec3 operator()(const Vec3& v) const {
    return {m[0][0] * v.x + m[0][1] * v.y + m[0][2] * v.z,
            m[1][0] * v.x + m[1][1] * v.y + m[1][2] * v.z,
            m[2][0] * v.x + m[2][1] * v.y + m[2][2] * v.z};
  }

 private:
  static void mul(const double a[3][3], const double b[3][3], double c[3][3]) {
    for (int i = 0; i < 3; ++i)
      for (int j = 0; j < 3; ++j)
        c[i][j] = a[i][0] * b[0][j] + a[i][1] * b[1][j] + a[i][2] * b[2][j];
  }
};

}  // namespace acl::synth
