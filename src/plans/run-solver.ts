// Runs the planner's solver off the main thread (solve-worker.ts), one worker per solve, so a
// plan with a minute's budget never holds DHCP, TFTP or the API. Where workers cannot start
// (a restricted runtime) it solves here with the same budget.
import { Worker } from 'node:worker_threads';
import { solve } from '../planner/solve.js';
import type { Problem, SolveOptions, SolveResult } from '../planner/types.js';

export type SolverRunner = (problem: Problem, opts: Omit<SolveOptions, 'now'>) => Promise<SolveResult>;

/** Problems smaller than this are solved in place: a worker's start-up (~30 ms) would dominate. */
const SMALL = 2_000;

const size = (p: Problem) => p.demands.reduce((n, d) => n + d.candidates.length, 0);

export const workerSolver: SolverRunner = (problem, opts) => {
  if (size(problem) < SMALL) return Promise.resolve(solve(problem, opts));
  const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js';
  return new Promise((resolve, reject) => {
    let w: Worker;
    try {
      w = new Worker(new URL(`./solve-worker${ext}`, import.meta.url), { workerData: { problem, opts } });
    } catch {
      resolve(solve(problem, opts));
      return;
    }
    w.once('message', (r: SolveResult) => {
      resolve(r);
      void w.terminate();
    });
    w.once('error', reject);
    w.once('exit', (code) => code !== 0 && reject(new Error(`solver worker exited with ${code}`)));
  });
};

/** In the calling thread (tests with a fake clock). */
export const inlineSolver: SolverRunner = (problem, opts) => Promise.resolve(solve(problem, opts));
