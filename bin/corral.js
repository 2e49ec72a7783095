#!/usr/bin/env node
// The `corral` command: runs the compiled CLI (npm ci and npm run build produce dist/).
import '../dist/src/bin.js';
