// Lanczos against the cost of its own products (issue 19, item 1): scripts/native/bench_lanczos.cpp
// (a warm recording every step of a GD run, and a cold top-1 solve, each over the thread CPU time
// of the products it made; targets <= 2 and <= 3), at the Marion-Chizat size (P = 230) and at
// Jacot et al.'s deep size (P = 22 000).
'use strict';
const { runNative } = require('./_native');

exports.run = async () => runNative('bench_lanczos');
