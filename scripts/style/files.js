// Which files the style check reads, and which of them are protocol cores.
'use strict';
const { readdirSync, statSync, existsSync } = require('node:fs');
const { join, relative, sep } = require('node:path');

/** The packages whose whole src (outside tool/ and bin/) is a protocol core. */
const purePackages = ['denc', 'crush', 'maps'];

/** Every .ts source (not .d.ts) under `dir`, skipping node_modules and build output. */
function walk(dir, out = []) {
  if (!existsSync(dir)) return out;
  for (const e of readdirSync(dir)) {
    if (e === 'node_modules' || e === 'dist') continue;
    const p = join(dir, e);
    if (statSync(p).isDirectory()) walk(p, out);
    else if (p.endsWith('.ts') && !p.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

/** The path of `file` relative to `root`, with forward slashes on every platform. */
function relPath(root, file) {
  return relative(root, file).split(sep).join('/');
}

/**
 * A protocol core: any file under a `core/` directory of packages/<pkg>/src, and every file of the
 * pure packages outside their `tool/` and `bin/` folders.
 */
function isCore(rel) {
  const parts = rel.split('/');
  if (parts[0] !== 'packages' || parts[2] !== 'src') return false;
  if (parts.includes('core')) return true;
  return purePackages.includes(parts[1]) && parts[3] !== 'tool' && parts[3] !== 'bin';
}

/** The files the check reads: sources and tests of every package, the root tests and the benchmarks. */
function sourceFiles(root) {
  return [...walk(join(root, 'packages')), ...walk(join(root, 'test')), ...walk(join(root, 'bench'))];
}

module.exports = { purePackages, walk, relPath, isCore, sourceFiles };
