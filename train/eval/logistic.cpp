#include "train/eval/logistic.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <stdexcept>
#include <string>

namespace acl::eval {

namespace {

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

// Logits (n, k) = x W^T + b for params [W | b].
void logits_of(const std::vector<double>& params, const std::vector<double>& x, int64_t n,
               int64_t d, int k, std::vector<double>& z) {
  z.assign(static_cast<size_t>(n * k), 0.0);
  const double* w = params.data();
  const double* b = params.data() + static_cast<size_t>(k) * d;
  for (int64_t i = 0; i < n; ++i) {
    const double* xi = x.data() + i * d;
    for (int c = 0; c < k; ++c) {
      const double* wc = w + static_cast<int64_t>(c) * d;
      double s = b[c];
      for (int64_t j = 0; j < d; ++j) s += xi[j] * wc[j];
      z[static_cast<size_t>(i * k + c)] = s;
    }
  }
}

}  // namespace

Standardizer Standardizer::fit(const std::vector<float>& x, int64_t d,
                               const std::vector<int64_t>& rows) {
  Standardizer s;
  s.mean.assign(static_cast<size_t>(d), 0.0);
  s.inv_sd.assign(static_cast<size_t>(d), 1.0);
  if (rows.empty()) return s;
  std::vector<double> sq(static_cast<size_t>(d), 0.0);
  for (int64_t r : rows)
    for (int64_t j = 0; j < d; ++j) s.mean[j] += x[static_cast<size_t>(r * d + j)];
  for (double& m : s.mean) m /= static_cast<double>(rows.size());
  for (int64_t r : rows) {
    for (int64_t j = 0; j < d; ++j) {
      const double v = x[static_cast<size_t>(r * d + j)] - s.mean[j];
      sq[j] += v * v;
    }
  }
  for (int64_t j = 0; j < d; ++j) {
    const double sd = std::sqrt(sq[j] / static_cast<double>(rows.size()));
    s.inv_sd[j] = sd > 1e-12 ? 1.0 / sd : 0.0;  // a constant column carries nothing
  }
  return s;
}

std::vector<double> Standardizer::apply(const std::vector<float>& x,
                                        const std::vector<int64_t>& rows) const {
  const int64_t d = static_cast<int64_t>(mean.size());
  std::vector<double> out(rows.size() * static_cast<size_t>(d));
  for (size_t i = 0; i < rows.size(); ++i)
    for (int64_t j = 0; j < d; ++j)
      out[i * d + j] = (x[static_cast<size_t>(rows[i] * d + j)] - mean[j]) * inv_sd[j];
  return out;
}

std::vector<float> LogisticModel::predict(const std::vector<double>& x, int64_t n) const {
  std::vector<double> params = w;
  params.insert(params.end(), b.begin(), b.end());
  std::vector<double> z;
  logits_of(params, x, n, d, k, z);
  std::vector<float> p(z.size());
  if (!softmax) {
    for (size_t i = 0; i < z.size(); ++i) p[i] = static_cast<float>(1.0 / (1.0 + std::exp(-z[i])));
    return p;
  }
  for (int64_t i = 0; i < n; ++i) {
    const double* zi = z.data() + i * k;
    const double mx = *std::max_element(zi, zi + k);
    double s = 0;
    for (int c = 0; c < k; ++c) s += std::exp(zi[c] - mx);
    for (int c = 0; c < k; ++c) p[i * k + c] = static_cast<float>(std::exp(zi[c] - mx) / s);
  }
  return p;
}

double logistic_objective(const std::vector<double>& params, const std::vector<double>& x,
                          const std::vector<uint8_t>& y, int64_t n, int64_t d, int k, double l2,
                          std::vector<double>* grad, bool softmax) {
  std::vector<double> z;
  logits_of(params, x, n, d, k, z);
  const double inv_n = 1.0 / static_cast<double>(std::max<int64_t>(n, 1));
  double loss = 0;
  if (!softmax) {
    for (size_t i = 0; i < z.size(); ++i) {
      const double zi = z[i], yi = y[i] ? 1.0 : 0.0;
      loss += std::max(zi, 0.0) - zi * yi + std::log1p(std::exp(-std::fabs(zi)));
      z[i] = (1.0 / (1.0 + std::exp(-zi)) - yi) * inv_n;  // dL/dz
    }
  } else {
    for (int64_t i = 0; i < n; ++i) {
      double* zi = z.data() + i * k;
      const double mx = *std::max_element(zi, zi + k);
      double s = 0;
      for (int c = 0; c < k; ++c) s += std::exp(zi[c] - mx);
      const double lse = mx + std::log(s);
      for (int c = 0; c < k; ++c) {
        const double yi = y[static_cast<size_t>(i * k + c)] ? 1.0 : 0.0;
        loss -= yi * (zi[c] - lse);
        zi[c] = (std::exp(zi[c] - lse) - yi) * inv_n;  // dL/dz
      }
    }
  }
  loss *= inv_n;
  const size_t nw = static_cast<size_t>(k) * d;
  for (size_t i = 0; i < nw; ++i) loss += 0.5 * l2 * params[i] * params[i];
  if (grad) {
    grad->assign(params.size(), 0.0);
    double* gw = grad->data();
    double* gb = grad->data() + nw;
    for (int64_t i = 0; i < n; ++i) {
      const double* xi = x.data() + i * d;
      for (int c = 0; c < k; ++c) {
        const double g = z[static_cast<size_t>(i * k + c)];
        if (g == 0) continue;
        double* gwc = gw + static_cast<int64_t>(c) * d;
        for (int64_t j = 0; j < d; ++j) gwc[j] += g * xi[j];
        gb[c] += g;
      }
    }
    for (size_t i = 0; i < nw; ++i) gw[i] += l2 * params[i];
  }
  return loss;
}

LogisticFit fit_logistic(const std::vector<double>& x, const std::vector<uint8_t>& y, int64_t n,
                         int64_t d, int k, const LogisticOptions& o, const LogisticModel* init) {
  if (static_cast<int64_t>(x.size()) != n * d || static_cast<int64_t>(y.size()) != n * k) {
    throw std::invalid_argument("fit_logistic: x has " + std::to_string(x.size()) +
                                " values and y " + std::to_string(y.size()) +
                                " for n = " + std::to_string(n) + ", d = " + std::to_string(d) +
                                ", k = " + std::to_string(k));
  }
  const size_t np = static_cast<size_t>(k) * d + k;
  std::vector<double> p(np, 0.0);
  if (init && init->d == d && init->k == k) {
    std::copy(init->w.begin(), init->w.end(), p.begin());
    std::copy(init->b.begin(), init->b.end(), p.begin() + static_cast<int64_t>(k) * d);
  }
  std::vector<double> g, g_new, p_new, dir;
  double f = logistic_objective(p, x, y, n, d, k, o.l2, &g, o.softmax);
  std::deque<std::vector<double>> s_hist, y_hist;
  std::deque<double> rho_hist;
  LogisticFit fit;
  for (int it = 0; it < o.max_iterations; ++it) {
    // Two-loop recursion: dir = -H g.
    dir = g;
    std::vector<double> alpha(s_hist.size());
    for (size_t m = s_hist.size(); m-- > 0;) {
      alpha[m] = rho_hist[m] * dot(s_hist[m], dir);
      for (size_t i = 0; i < np; ++i) dir[i] -= alpha[m] * y_hist[m][i];
    }
    double gamma = 1.0;
    if (!s_hist.empty())
      gamma = dot(s_hist.back(), y_hist.back()) / dot(y_hist.back(), y_hist.back());
    for (double& v : dir) v *= gamma;
    for (size_t m = 0; m < s_hist.size(); ++m) {
      const double beta = rho_hist[m] * dot(y_hist[m], dir);
      for (size_t i = 0; i < np; ++i) dir[i] += s_hist[m][i] * (alpha[m] - beta);
    }
    for (double& v : dir) v = -v;
    double slope = dot(g, dir);
    if (!(slope < 0)) {  // not a descent direction: restart from the gradient
      s_hist.clear(), y_hist.clear(), rho_hist.clear();
      dir = g;
      for (double& v : dir) v = -v;
      slope = dot(g, dir);
    }
    if (slope > -1e-20) {
      fit.converged = true;
      break;
    }
    // Backtracking (Armijo).
    double step = s_hist.empty() ? std::min(1.0, 1.0 / std::sqrt(-slope)) : 1.0;
    double f_new = 0;
    bool accepted = false;
    for (int ls = 0; ls < 40; ++ls) {
      p_new = p;
      for (size_t i = 0; i < np; ++i) p_new[i] += step * dir[i];
      f_new = logistic_objective(p_new, x, y, n, d, k, o.l2, &g_new, o.softmax);
      if (f_new <= f + 1e-4 * step * slope) {
        accepted = true;
        break;
      }
      step *= 0.5;
    }
    fit.iterations = it + 1;
    if (!accepted) {
      fit.converged = true;  // no decrease possible at float64 precision
      break;
    }
    std::vector<double> s(np), yv(np);
    for (size_t i = 0; i < np; ++i) s[i] = p_new[i] - p[i], yv[i] = g_new[i] - g[i];
    const double sy = dot(s, yv);
    if (sy > 1e-12) {
      s_hist.push_back(std::move(s));
      y_hist.push_back(std::move(yv));
      rho_hist.push_back(1.0 / sy);
      if (static_cast<int>(s_hist.size()) > o.history) {
        s_hist.pop_front(), y_hist.pop_front(), rho_hist.pop_front();
      }
    }
    const double change = std::fabs(f - f_new) / std::max({std::fabs(f), std::fabs(f_new), 1.0});
    p.swap(p_new);
    g.swap(g_new);
    f = f_new;
    if (change < o.tolerance) {
      fit.converged = true;
      break;
    }
  }
  fit.objective = f;
  fit.model.d = d;
  fit.model.k = k;
  fit.model.softmax = o.softmax;
  fit.model.w.assign(p.begin(), p.begin() + static_cast<int64_t>(k) * d);
  fit.model.b.assign(p.begin() + static_cast<int64_t>(k) * d, p.end());
  return fit;
}

}  // namespace acl::eval
