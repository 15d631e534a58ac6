// Butterworth design and zero-phase filtering, checked against an analytic first-order design,
// scipy.signal reference coefficients and outputs, and the measured response to sines.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "tests/test_signal_util.h"
#include "train/preprocess/butterworth.h"
#include "train/preprocess/filtfilt.h"

namespace {

using namespace acl::preprocess;

using acl::testing::fit_tone;
using acl::testing::kPi;
using acl::testing::tone;

void expect_poly_near(std::vector<double> got, const std::vector<double>& want, double tol,
                      const char* what) {
  while (got.size() > want.size() && got.back() == 0.0) got.pop_back();
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < want.size(); ++i) {
    EXPECT_NEAR(got[i], want[i], tol * (1.0 + std::abs(want[i]))) << what << "[" << i << "]";
  }
}

TEST(Butterworth, FirstOrderLowpassMatchesAnalyticBilinear) {
  // H(s) = wc / (s + wc) with wc = 2 fs tan(pi fc / fs); bilinear gives, with K = tan(pi fc / fs),
  // b = K / (1 + K) [1, 1], a = [1, (K - 1) / (K + 1)].
  const double fs = 360, fc = 17;
  const double k = std::tan(kPi * fc / fs);
  const Sos sos = butterworth_lowpass(1, fc, fs);
  ASSERT_EQ(sos.size(), 1u);
  EXPECT_NEAR(sos[0][0], k / (1 + k), 1e-14);
  EXPECT_NEAR(sos[0][1], k / (1 + k), 1e-14);
  EXPECT_EQ(sos[0][2], 0.0);
  EXPECT_EQ(sos[0][3], 1.0);
  EXPECT_NEAR(sos[0][4], (k - 1) / (k + 1), 1e-14);
  EXPECT_EQ(sos[0][5], 0.0);
}

// Reference values printed by scipy 1.17.1 (numpy 2.4.6), python3:
//   scipy.signal.butter(2, 0.5, 'highpass', fs=500, output='sos')
//   scipy.signal.butter(1, [5, 15], 'bandpass', fs=100)          (b, a)
//   scipy.signal.butter(2, [0.5, 45], 'bandpass', fs=500)        (b, a)
//   scipy.signal.butter(3, 40, 'lowpass', fs=500)                (b, a)
TEST(Butterworth, SingleSectionsMatchScipy) {
  const Sos hp = butterworth_highpass(2, 0.5, 500);
  ASSERT_EQ(hp.size(), 1u);
  const double hp_ref[6] = {0.9955669720176472,  -1.9911339440352944, 0.9955669720176472, 1.0,
                            -1.9911142922016536, 0.9911535958689355};
  for (int j = 0; j < 6; ++j) EXPECT_NEAR(hp[0][static_cast<size_t>(j)], hp_ref[j], 1e-13) << j;

  const Sos bp = butterworth_bandpass(1, 5, 15, 100);
  ASSERT_EQ(bp.size(), 1u);
  const double bp_ref[6] = {
      0.24523727525278566, 0.0, -0.24523727525278566, 1.0, -1.2840790438404122, 0.5095254494944287};
  for (int j = 0; j < 6; ++j) EXPECT_NEAR(bp[0][static_cast<size_t>(j)], bp_ref[j], 1e-13) << j;
}

TEST(Butterworth, CascadesMatchScipyTransferFunctions) {
  std::vector<double> b, a;
  sos_to_tf(butterworth_bandpass(2, 0.5, 45, 500), b, a);
  expect_poly_near(b, {0.05538468336069408, 0.0, -0.11076936672138817, 0.0, 0.05538468336069408},
                   1e-12, "bandpass b");
  expect_poly_near(
      a, {1.0, -3.2269752382324715, 3.910359485156788, -2.1377853116528627, 0.45441000304803014},
      1e-12, "bandpass a");
  sos_to_tf(butterworth_lowpass(3, 40, 500), b, a);
  expect_poly_near(
      b, {0.01018257673643694, 0.03054773020931082, 0.03054773020931082, 0.01018257673643694},
      1e-12, "lowpass b");
  expect_poly_near(a, {1.0, -2.003797477370017, 1.4470540194893793, -0.361795928227867}, 1e-12,
                   "lowpass a");
}

TEST(Butterworth, DesignedResponseMatchesAnalyticMagnitude) {
  const Sos sos = butterworth_bandpass(3, 0.5, 45, 500);
  for (double f : {0.05, 0.3, 0.5, 1.0, 10.0, 45.0, 80.0, 200.0}) {
    EXPECT_NEAR(std::abs(sos_response(sos, f, 500)), butterworth_bandpass_gain(3, 0.5, 45, 500, f),
                1e-9)
        << f;
  }
  EXPECT_NEAR(std::abs(sos_response(sos, 0.5, 500)), std::sqrt(0.5), 1e-12);
  EXPECT_NEAR(std::abs(sos_response(sos, 45, 500)), std::sqrt(0.5), 1e-12);
}

TEST(Filtfilt, MatchesScipySosfiltfiltOddPadding) {
  // x[i] = sin(2 pi 7 i / 500) + 0.5 sin(2 pi 60 i / 500) + 0.3 + 0.001 i, i < 300; reference is
  //   scipy.signal.sosfiltfilt(scipy.signal.butter(2, [0.5, 45], 'bandpass', fs=500,
  //                                                output='sos'), x)   (scipy 1.17.1)
  const int n = 300;
  std::vector<double> x(n);
  for (int i = 0; i < n; ++i) {
    x[static_cast<size_t>(i)] =
        std::sin(2 * kPi * 7 * i / 500) + 0.5 * std::sin(2 * kPi * 60 * i / 500) + 0.3 + 0.001 * i;
  }
  sosfiltfilt(butterworth_bandpass(2, 0.5, 45, 500), x.data(), n);
  const std::pair<int, double> ref[] = {
      {0, 0.35820623947845454},    {1, 0.5203850984544367},     {2, 0.6409290439730768},
      {29, 0.8922373695884565},    {59, -0.5632374117247405},   {89, 1.106437245163719},
      {119, -0.6297725751674924},  {149, 0.46350948805956527},  {179, -0.12122665087292409},
      {209, -0.6387883748319534},  {239, 0.3069667952470769},   {269, -1.503668003867368},
      {297, -0.11724923964601752}, {298, -0.19784154796419917}, {299, -0.2711449899447944}};
  for (const auto& [i, want] : ref)
    EXPECT_NEAR(x[static_cast<size_t>(i)], want, 1e-9) << "sample " << i;
}

// filtfilt applies H twice, forwards and backwards, so a tone at f comes out scaled by |H(f)|^2
// with zero phase shift. With the analog-prototype magnitude |H|^2 = 1 / (1 + e^(2N)), this tests
// |H(f)|^2 = 0.5 exactly at both band edges (-3 dB of the one-pass filter, -6 dB after filtfilt),
// ~1 in the pass band and the computed small value in the stop bands.
TEST(Filtfilt, MeasuredGainIsSquaredButterworthMagnitudeWithZeroPhase) {
  const double fs = 500;
  const BandpassOptions opt;                 // 0.5-45 Hz, order 2
  const int n = static_cast<int>(400 * fs);  // 400 s: 20 periods of 0.05 Hz
  for (double f : {0.05, 0.5, 5.0, 20.0, 45.0, 100.0}) {
    std::vector<float> x = tone(f, fs, n);
    bandpass_filter(x.data(), 1, n, fs, opt);
    const acl::testing::ToneFit fit = fit_tone(x, f, fs, n / 4, n - n / 4);
    const double h = butterworth_bandpass_gain(2, 0.5, 45, fs, f);
    EXPECT_NEAR(fit.amp, h * h, 2e-4) << f << " Hz";
    if (h * h > 0.01) {
      EXPECT_NEAR(fit.phase, 0.0, 1e-3) << f << " Hz";
    }
  }
  // The values the formula gives, stated: edges exactly 0.5; 5 Hz within 1 % of 1; 20 Hz 0.97
  // (order 2 is a gentle band-pass: (400 - 22.5) / (20 * 44.5) = 0.42, 1 / (1 + 0.42^4)).
  EXPECT_NEAR(std::pow(butterworth_bandpass_gain(2, 0.5, 45, fs, 0.5), 2), 0.5, 1e-12);
  EXPECT_NEAR(std::pow(butterworth_bandpass_gain(2, 0.5, 45, fs, 45), 2), 0.5, 1e-12);
  EXPECT_GT(std::pow(butterworth_bandpass_gain(2, 0.5, 45, fs, 5), 2), 0.99);
  EXPECT_NEAR(std::pow(butterworth_bandpass_gain(2, 0.5, 45, fs, 20), 2), 0.97, 0.005);
  EXPECT_LT(std::pow(butterworth_bandpass_gain(2, 0.5, 45, fs, 0.05), 2), 1e-3);
  EXPECT_LT(std::pow(butterworth_bandpass_gain(2, 0.5, 45, fs, 100), 2), 0.05);
}

TEST(Filtfilt, PeaksOfASineStayInPlace) {
  // A 1.7 Hz sine riding on a 0.1 Hz drift: after the 0.5-45 Hz band-pass the drift is gone and
  // every maximum is at the same sample as in the clean sine.
  const double fs = 250, f = 1.7;
  const int n = static_cast<int>(30 * fs);
  std::vector<float> x(static_cast<size_t>(n)), clean(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    clean[static_cast<size_t>(i)] = static_cast<float>(std::sin(2 * kPi * f * i / fs + 0.4));
    x[static_cast<size_t>(i)] =
        clean[static_cast<size_t>(i)] + static_cast<float>(0.8 * std::sin(2 * kPi * 0.1 * i / fs));
  }
  bandpass_filter(x.data(), 1, n, fs);
  int checked = 0;
  for (int i = static_cast<int>(3 * fs); i < n - static_cast<int>(3 * fs); ++i) {
    if (clean[static_cast<size_t>(i)] > clean[static_cast<size_t>(i - 1)] &&
        clean[static_cast<size_t>(i)] >= clean[static_cast<size_t>(i + 1)]) {
      int best = i;
      for (int j = i - 10; j <= i + 10; ++j) {
        if (x[static_cast<size_t>(j)] > x[static_cast<size_t>(best)]) best = j;
      }
      EXPECT_EQ(best, i);
      ++checked;
    }
  }
  EXPECT_GT(checked, 30);
}

TEST(Filtfilt, NoEdgeTransientOnAnOffsetSignal) {
  // A large DC offset must not ring at the ends (odd padding + steady-state initial conditions):
  // what remains is a slow 0.06 mV settling at the very ends (scipy's sosfiltfilt gives the same
  // 0.0632 at sample 0), under 1.5 % of the 5.0 offset removed; with zero initial states it
  // would be of the order of the offset itself.
  const double fs = 100;
  const int n = 1000;
  std::vector<float> x(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i)
    x[static_cast<size_t>(i)] = static_cast<float>(5.0 + 0.2 * std::sin(2 * kPi * 8 * i / fs));
  bandpass_filter(x.data(), 1, n, fs);
  for (int i = 0; i < n; ++i) {
    ASSERT_NEAR(x[static_cast<size_t>(i)], 0.2 * std::sin(2 * kPi * 8 * i / fs), 0.075) << i;
  }
}

TEST(Bandpass, UpperEdgeAtOrAboveNyquistGivesHighpassOnly) {
  const Sos sos = design_bandpass({0.5, 45, 2}, 80);  // 45 >= 40
  ASSERT_EQ(sos.size(), 1u);
  const Sos hp = butterworth_highpass(2, 0.5, 80);
  for (int j = 0; j < 6; ++j)
    EXPECT_EQ(sos[0][static_cast<size_t>(j)], hp[0][static_cast<size_t>(j)]);
  EXPECT_NEAR(std::abs(sos_response(sos, 39.9, 80)), 1.0, 1e-6);
}

TEST(Bandpass, SosfiltZiIsTheStepSteadyState) {
  const Sos sos = butterworth_lowpass(4, 10, 100);
  const auto zi = sosfilt_zi(sos);
  std::vector<double> ones(50, 1.0);
  auto state = zi;
  sosfilt(sos, ones.data(), 50, state.data());
  for (double v : ones) EXPECT_NEAR(v, 1.0, 1e-12);
  for (size_t s = 0; s < zi.size(); ++s) {
    EXPECT_NEAR(state[s][0], zi[s][0], 1e-12);
    EXPECT_NEAR(state[s][1], zi[s][1], 1e-12);
  }
}

TEST(Bandpass, RejectsBadEdges) {
  EXPECT_THROW(butterworth_bandpass(2, 45, 0.5, 500), std::invalid_argument);
  EXPECT_THROW(butterworth_lowpass(2, 300, 500), std::invalid_argument);
  EXPECT_THROW(butterworth_highpass(0, 1, 500), std::invalid_argument);
  EXPECT_THROW(design_bandpass({0.0, 300, 2}, 500), std::invalid_argument);
}

}  // namespace
