// npm run fuzz -- [--target mon|osd] [--seconds N] [--seed S]: the bad-input harness
// (test/fuzz/daemon-fuzz.ts, compiled to dist/test/fuzz/) against a fresh ts-mon and/or ts-osd.
'use strict';
const { existsSync } = require('node:fs');
const { spawnSync } = require('node:child_process');
const { join } = require('node:path');
const file = join(__dirname, '..', 'dist', 'test', 'fuzz', 'run-fuzz.js');
if (!existsSync(file)) {
  console.error('fuzz: dist/test/fuzz/run-fuzz.js is missing (run npm run build first)');
  process.exit(2);
}
const r = spawnSync(process.execPath, ['--enable-source-maps', file, ...process.argv.slice(2)], { stdio: 'inherit' });
process.exit(r.status ?? 1);
