// Structure of the weights (Marion & Chizat, Sec. 4-5; Jacot et al., Prop. 5). Layers are 0-based
// here (W_l is the paper's W_{l+1}); quantities "per layer" have L entries, "between layers" L-1.
//
//   sigma_l      top singular value ||W_l||_2, with left/right singular vectors u_l, v_l
//   rank-one gap ||W_l||_F^2 - ||W_l||_2^2                               (Lemma 2, first bullet)
//   spread       max_{j,l} |sigma_j^2 - sigma_l^2|                        (Lemma 2, second bullet)
//   alignment    <v_{l+1}, u_l>^2, l = 0..L-2                            (Lemma 2, third bullet)
//   D_l          W_{l+1}^T W_{l+1} - W_l W_l^T, l = 0..L-2, constant under gradient flow (Lemma 1)
//   epsilon      3 max_l ||W_l(0)||_F^2 + 2 sum_l ||D_l(0)||_2             (Lemma 2's epsilon)
//   residual     ||theta_l||_F = L ||W_l - W_l(0)||_F for W_l = I + s/sqrt(Ld) N_l + theta_l / L
//   schatten     ||A||_{2/L}^{2/L} = sum_i sigma_i(A)^{2/L}                (Jacot et al., Prop. 5)
#pragma once

#include <vector>

#include "network.hpp"

namespace dln::diagnostics {

struct LayerSpectrum {
  double sigma = 0.0;       // ||W||_2
  double frobenius2 = 0.0;  // ||W||_F^2
  std::vector<double> u;    // top left singular vector (rows)
  std::vector<double> v;    // top right singular vector (cols)
};

std::vector<LayerSpectrum> layerSpectra(const NetworkSpec& spec, const double* theta);

std::vector<double> rankOneGaps(const std::vector<LayerSpectrum>& spectra);
double singularSpread(const std::vector<LayerSpectrum>& spectra);
// <v_{l+1}, u_l>^2 for l = 0..L-2 (empty when L = 1).
std::vector<double> alignments(const std::vector<LayerSpectrum>& spectra);

// D_l (d_{l+1} x d_{l+1}, row-major) for l in [0, L-1).
std::vector<double> balancedness(const NetworkSpec& spec, const double* theta, std::size_t layer);
// ||D_l||_2 for l in [0, L-1): the spectral norm by the SVD of D_l, whose entries are accumulated
// as sum_k (W_{l+1})_{ki} (W_{l+1})_{kj}, then minus (W_l)_{ik} (W_l)_{jk} term by term (the
// order `dlnflow inspect` has always used; balancedness() sums the two parts separately).
std::vector<double> balancednessNorms(const NetworkSpec& spec, const double* theta);
// max_l ||D_l(theta) - D_l(theta0)||_F (0 when L = 1).
double balancednessDrift(const NetworkSpec& spec, const double* theta, const double* theta0);
// Same, against precomputed D_l(theta0) (one block per l, as returned by balancedness()).
double balancednessDrift(const NetworkSpec& spec, const double* theta,
                         const std::vector<std::vector<double>>& reference);

double lemma2Epsilon(const NetworkSpec& spec, const double* theta0);

// ||W_l - W_l(0)||_F for each layer.
std::vector<double> distancesFromInit(const NetworkSpec& spec, const double* theta, const double* theta0);

// sum_i s_i^p over the given singular values.
double schattenPower(const double* singular, std::size_t count, double p);

}  // namespace dln::diagnostics
