/** BENCH_QUICK=1: every benchmark shorter and smaller, a smoke run whose figures mean little. */
export const QUICK = process.env.BENCH_QUICK === '1';
