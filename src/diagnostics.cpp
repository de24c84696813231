#include "diagnostics.hpp"

#include <algorithm>
#include <cmath>

#include "linalg.hpp"

namespace dln::diagnostics {

std::vector<LayerSpectrum> layerSpectra(const NetworkSpec& spec, const double* theta) {
  std::vector<LayerSpectrum> out(spec.depth());
  for (std::size_t l = 0; l < spec.depth(); ++l) {
    const std::size_t m = spec.rows(l), n = spec.cols(l), k = std::min(m, n);
    const double* W = theta + spec.offset(l);
    std::vector<double> s(k), U(m * k), V(n * k);
    linalg::svd(m, n, W, s.data(), U.data(), V.data());
    LayerSpectrum& ls = out[l];
    ls.sigma = s[0];
    double f = 0.0;
    for (std::size_t i = 0; i < m * n; ++i) f += W[i] * W[i];
    ls.frobenius2 = f;
    ls.u.resize(m);
    ls.v.resize(n);
    for (std::size_t i = 0; i < m; ++i) ls.u[i] = U[i * k];
    for (std::size_t i = 0; i < n; ++i) ls.v[i] = V[i * k];
  }
  return out;
}

std::vector<double> rankOneGaps(const std::vector<LayerSpectrum>& spectra) {
  std::vector<double> gaps;
  for (const auto& s : spectra) gaps.push_back(s.frobenius2 - s.sigma * s.sigma);
  return gaps;
}

double singularSpread(const std::vector<LayerSpectrum>& spectra) {
  double lo = INFINITY, hi = -INFINITY;
  for (const auto& s : spectra) {
    lo = std::min(lo, s.sigma * s.sigma);
    hi = std::max(hi, s.sigma * s.sigma);
  }
  return spectra.empty() ? 0.0 : hi - lo;
}

std::vector<double> alignments(const std::vector<LayerSpectrum>& spectra) {
  std::vector<double> out;
  for (std::size_t l = 0; l + 1 < spectra.size(); ++l) {
    const auto& u = spectra[l].u;      // in R^{d_{l+1}}
    const auto& v = spectra[l + 1].v;  // in R^{d_{l+1}}
    double d = 0.0;
    for (std::size_t i = 0; i < u.size(); ++i) d += u[i] * v[i];
    out.push_back(d * d);
  }
  return out;
}

namespace {

// out[i][j] = sum_k M[k][i] M[k][j] for j >= i (M: rows x d, row-major; entries below the
// diagonal inside the 4 x 4 tiles that straddle it get their own sums too), each entry summed
// from 0.0 over k in increasing order: the bits of one plain sum per entry. A 4 x 4 tile of
// entries stays in registers while k runs (one pass over M per tile row instead of a pass over
// out per k, which moved out r times through the caches).
// With `subtract`, out[i][j] -= that sum instead (the sum rounded first, then the difference).
void upperGram(std::size_t rows, std::size_t d, const double* M, double* out, bool subtract) {
  constexpr std::size_t T = 4;
  for (std::size_t i0 = 0; i0 < d; i0 += T) {
    for (std::size_t j0 = i0; j0 < d; j0 += T) {
      if (i0 + T <= d && j0 + T <= d) {
        double acc[T][T] = {};
        for (std::size_t k = 0; k < rows; ++k) {
          const double* row = M + k * d;
          for (std::size_t a = 0; a < T; ++a) {
            const double x = row[i0 + a];
            for (std::size_t b = 0; b < T; ++b) acc[a][b] += x * row[j0 + b];
          }
        }
        for (std::size_t a = 0; a < T; ++a)
          for (std::size_t b = 0; b < T; ++b) {
            double& o = out[(i0 + a) * d + j0 + b];
            o = subtract ? o - acc[a][b] : acc[a][b];
          }
      } else {
        for (std::size_t i = i0; i < std::min(i0 + T, d); ++i)
          for (std::size_t j = j0; j < std::min(j0 + T, d); ++j) {
            double sum = 0.0;
            for (std::size_t k = 0; k < rows; ++k) sum += M[k * d + i] * M[k * d + j];
            out[i * d + j] = subtract ? out[i * d + j] - sum : sum;
          }
      }
    }
  }
}

}  // namespace

std::vector<double> balancedness(const NetworkSpec& spec, const double* theta, std::size_t l) {
  const std::size_t d = spec.rows(l);             // = cols(l + 1)
  const double* W = theta + spec.offset(l);       // d x cols(l)
  const double* Wn = theta + spec.offset(l + 1);  // rows(l + 1) x d
  const std::size_t c = spec.cols(l), r = spec.rows(l + 1);
  // Both Gram matrices in register tiles (W's after a transpose): one sum per entry walking a
  // column at stride d took 16 ms at width 200 and 310 ms at 400, at the end of every flow
  // (cancelled ones too). Each entry still sums its products over k in increasing order from 0.0,
  // each Gram matrix on its own, then subtracts: the same bits as before
  // (test/native/diagnostics_test.cpp).
  std::vector<double> D(d * d), Wt(c * d);
  for (std::size_t i = 0; i < d; ++i)
    for (std::size_t k = 0; k < c; ++k) Wt[k * d + i] = W[i * c + k];
  upperGram(r, d, Wn, D.data(), false);
  upperGram(c, d, Wt.data(), D.data(), true);
  for (std::size_t i = 0; i < d; ++i)
    for (std::size_t j = i + 1; j < d; ++j) D[j * d + i] = D[i * d + j];
  return D;
}

std::vector<double> balancednessNorms(const NetworkSpec& spec, const double* theta) {
  std::vector<double> out;
  for (std::size_t l = 0; l + 1 < spec.depth(); ++l) {
    const std::size_t d = spec.rows(l);             // = cols(l + 1)
    const double* W = theta + spec.offset(l);       // d x c
    const double* Wn = theta + spec.offset(l + 1);  // r x d
    const std::size_t c = spec.cols(l), r = spec.rows(l + 1);
    std::vector<double> D(d * d), s(d), U(d * d), V(d * d);
    for (std::size_t i = 0; i < d; ++i)
      for (std::size_t j = 0; j < d; ++j) {
        double v = 0.0;
        for (std::size_t k = 0; k < r; ++k) v += Wn[k * d + i] * Wn[k * d + j];
        for (std::size_t k = 0; k < c; ++k) v -= W[i * c + k] * W[j * c + k];
        D[i * d + j] = v;
      }
    linalg::svd(d, d, D.data(), s.data(), U.data(), V.data());
    out.push_back(s[0]);
  }
  return out;
}

double balancednessDrift(const NetworkSpec& spec, const double* theta,
                         const std::vector<std::vector<double>>& reference) {
  double worst = 0.0;
  for (std::size_t l = 0; l + 1 < spec.depth(); ++l) {
    const std::vector<double> D = balancedness(spec, theta, l);
    double s = 0.0;
    for (std::size_t i = 0; i < D.size(); ++i) {
      const double e = D[i] - reference[l][i];
      s += e * e;
    }
    worst = std::max(worst, std::sqrt(s));
  }
  return worst;
}

double balancednessDrift(const NetworkSpec& spec, const double* theta, const double* theta0) {
  std::vector<std::vector<double>> reference;
  for (std::size_t l = 0; l + 1 < spec.depth(); ++l) reference.push_back(balancedness(spec, theta0, l));
  return balancednessDrift(spec, theta, reference);
}

double lemma2Epsilon(const NetworkSpec& spec, const double* theta0) {
  double maxFro = 0.0;
  for (std::size_t l = 0; l < spec.depth(); ++l) {
    const double* W = theta0 + spec.offset(l);
    double f = 0.0;
    for (std::size_t i = 0; i < spec.layerSize(l); ++i) f += W[i] * W[i];
    maxFro = std::max(maxFro, f);
  }
  double sum = 0.0;
  for (std::size_t l = 0; l + 1 < spec.depth(); ++l) {
    const std::size_t d = spec.rows(l);
    const std::vector<double> D = balancedness(spec, theta0, l);
    std::vector<double> ev(d);
    linalg::symmetricEigen(d, D.data(), ev.data());
    sum += std::max(std::fabs(ev.front()), std::fabs(ev.back()));  // spectral norm of a symmetric matrix
  }
  return 3.0 * maxFro + 2.0 * sum;
}

std::vector<double> distancesFromInit(const NetworkSpec& spec, const double* theta, const double* theta0) {
  std::vector<double> out(spec.depth());
  for (std::size_t l = 0; l < spec.depth(); ++l) {
    double s = 0.0;
    for (std::size_t i = spec.offset(l); i < spec.offset(l) + spec.layerSize(l); ++i) {
      const double e = theta[i] - theta0[i];
      s += e * e;
    }
    out[l] = std::sqrt(s);
  }
  return out;
}

double schattenPower(const double* singular, std::size_t count, double p) {
  double s = 0.0;
  for (std::size_t i = 0; i < count; ++i) s += std::pow(singular[i], p);
  return s;
}

}  // namespace dln::diagnostics
