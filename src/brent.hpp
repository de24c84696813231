// Brent's root finder, as scipy's brentq (Brent 1973, as in scipy/optimize/Zeros/brentq.c, step for
// step): on [a, b] with g(a) = fa and g(b) = fb of opposite signs (or one of them 0), the
// bracket shrinks by secant or inverse quadratic interpolation steps, falling back to bisection
// whenever an interpolation step would not shrink it fast enough. It stops when the bracket's
// half-width is below (xtol + rtol |x|) / 2 or g is exactly 0, and returns the best point; at
// most maxIter evaluations of g. Used to locate events on a step's dense output (events.hpp).
#pragma once

#include <cmath>

namespace dln {

template <class G>
double brentRoot(G&& g, double a, double b, double fa, double fb, double xtol, double rtol, int maxIter = 100) {
  double xpre = a, xcur = b, fpre = fa, fcur = fb;
  double xblk = 0.0, fblk = 0.0, spre = 0.0, scur = 0.0;
  if (fpre == 0) return xpre;
  if (fcur == 0) return xcur;
  for (int i = 0; i < maxIter; ++i) {
    if (fpre != 0 && fcur != 0 && (std::signbit(fpre) != std::signbit(fcur))) {
      xblk = xpre;
      fblk = fpre;
      spre = scur = xcur - xpre;
    }
    if (std::fabs(fblk) < std::fabs(fcur)) {
      xpre = xcur;
      xcur = xblk;
      xblk = xpre;
      fpre = fcur;
      fcur = fblk;
      fblk = fpre;
    }
    const double delta = (xtol + rtol * std::fabs(xcur)) / 2;
    const double sbis = (xblk - xcur) / 2;
    if (fcur == 0 || std::fabs(sbis) < delta) return xcur;
    if (std::fabs(spre) > delta && std::fabs(fcur) < std::fabs(fpre)) {
      double stry;
      if (xpre == xblk) {
        stry = -fcur * (xcur - xpre) / (fcur - fpre);  // secant
      } else {
        const double dpre = (fpre - fcur) / (xpre - xcur);
        const double dblk = (fblk - fcur) / (xblk - xcur);
        stry = -fcur * (fblk * dblk - fpre * dpre) / (dblk * dpre * (fblk - fpre));  // inverse quadratic
      }
      if (2 * std::fabs(stry) < std::fmin(std::fabs(spre), 3 * std::fabs(sbis) - delta)) {
        spre = scur;
        scur = stry;
      } else {
        spre = sbis;
        scur = sbis;
      }
    } else {
      spre = sbis;
      scur = sbis;
    }
    xpre = xcur;
    fpre = fcur;
    xcur += std::fabs(scur) > delta ? scur : (sbis > 0 ? delta : -delta);
    fcur = g(xcur);
  }
  return xcur;
}

}  // namespace dln
