// Worker thread: solves one planner problem. The search is CPU-bound for up to the plan's
// budget, so it runs here and the boot services and the API keep the main event loop.
import { parentPort, workerData } from 'node:worker_threads';
import { solve } from '../planner/solve.js';
import type { Problem, SolveOptions } from '../planner/types.js';

const { problem, opts } = workerData as { problem: Problem; opts: Omit<SolveOptions, 'now'> };
parentPort!.postMessage(solve(problem, opts));
