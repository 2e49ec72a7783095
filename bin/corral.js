#!/usr/bin/env node
// Entry point: runs the compiled CLI (npm ci / npm run build produce dist/).
import { main } from '../dist/src/cli.js';

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`corral: ${err?.stack ?? err}\n`);
    process.exitCode = 1;
  },
);
