// The import graph of packages/*/src: a protocol core must not reach I/O through any chain of
// imports, including a package root that re-exports a socket or file driver next to the pure code.
'use strict';
const { readFileSync, existsSync } = require('node:fs');
const { join, dirname, resolve } = require('node:path');
const { relPath } = require('./files');
const { isIoImport } = require('./lines');

/** Comments removed, so an import in a comment is not read as one. */
function stripComments(text) {
  return text.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|\s)\/\/.*$/gm, '$1');
}

/**
 * The runtime imports of a source text: `import ... from 'x'`, `export ... from 'x'`, `import 'x'`,
 * `require('x')` and `import('x')`. Type-only imports (`import type`, `export type`) are erased by
 * tsc and load nothing, so they are left out. Each entry: { spec, names } where names are the
 * braced names, or undefined for default, namespace and bare imports.
 */
function importsOf(text) {
  const src = stripComments(text);
  const out = [];
  const stmt = /\b(import|export)\s+(type\s+)?([^'";]*?)\s*from\s*['"]([^'"]+)['"]|\bimport\s*['"]([^'"]+)['"]|\b(?:require|import)\s*\(\s*['"]([^'"]+)['"]\s*\)/g;
  for (let m; (m = stmt.exec(src)); ) {
    if (m[4] !== undefined) {
      if (m[2]) continue;
      const braced = /^\{([\s\S]*)\}$/.exec(m[3].trim());
      const names = braced ? braced[1].split(',').map((s) => s.trim().replace(/^type\s+/, '').split(/\s+as\s+/)[0]).filter(Boolean) : undefined;
      out.push({ spec: m[4], names });
    } else out.push({ spec: m[5] ?? m[6], names: undefined });
  }
  return out;
}

/** A source file for a path without extension (or with tsc's `.js`): x.ts, x/index.ts. */
function resolveSource(base) {
  const stem = base.replace(/\.js$/, '');
  for (const c of [stem + '.ts', join(stem, 'index.ts')]) if (existsSync(c)) return c;
  return undefined;
}

/** The source file a built path of a package maps back to: dist/src/x.js -> src/x.ts. */
function distToSource(pkgDir, target) {
  const built = target.replace(/^\.\//, '').replace(/^dist\//, '').replace(/\.(d\.ts|js)$/, '');
  return resolveSource(join(pkgDir, built));
}

/** The entry points of every workspace package: name -> { '.': file, './core': file, ... }. */
function packageEntries(root) {
  const entries = new Map();
  const pkgsDir = join(root, 'packages');
  if (!existsSync(pkgsDir)) return entries;
  for (const dir of require('node:fs').readdirSync(pkgsDir)) {
    const pj = join(pkgsDir, dir, 'package.json');
    if (!existsSync(pj)) continue;
    const j = JSON.parse(readFileSync(pj, 'utf8'));
    const map = {};
    if (j.main) map['.'] = distToSource(join(pkgsDir, dir), j.main);
    for (const [sub, t] of Object.entries(j.exports || {})) {
      const target = typeof t === 'string' ? t : t.default ?? t.require ?? t.import ?? t.types;
      if (target) map[sub] = distToSource(join(pkgsDir, dir), target);
    }
    entries.set(j.name, map);
  }
  return entries;
}

/** Where an import lands: a source file, { io: spec } for an I/O module, or undefined (pure/external). */
function resolveImport(from, imp, entries) {
  if (imp.spec.startsWith('.')) return resolveSource(resolve(dirname(from), imp.spec));
  const m = /^(@ts-ceph\/[^/]+)(\/.*)?$/.exec(imp.spec);
  if (m) {
    const map = entries.get(m[1]);
    return map ? map['.' + (m[2] || '')] : undefined;
  }
  return isIoImport(imp.spec, imp.names) ? { io: imp.spec } : undefined;
}

/**
 * For each core file, the first chain of imports (breadth first, so the shortest) that ends in an
 * I/O module: a problem per core file that has one. `allowed` lists the core files (repository
 * paths) the ratchet still lets reach I/O; the walk does not follow their imports, so a pure file
 * that imports one is not blamed for it. Returns { problems, stale }: stale lists allowed files
 * that no longer reach I/O, to drop from the ratchet.
 */
function coreImportProblems(root, files, isCoreRel, allowed = []) {
  const entries = packageEntries(root);
  const allowedFiles = new Set(allowed.map((rel) => join(root, rel)));
  const edges = new Map();
  const edgesOf = (file, follow = !allowedFiles.has(file)) => {
    if (!follow) return [];
    if (!edges.has(file)) {
      const text = readFileSync(file, 'utf8');
      edges.set(file, importsOf(text).map((imp) => resolveImport(file, imp, entries)).filter(Boolean));
    }
    return edges.get(file);
  };
  const problems = [];
  const stale = [];
  for (const file of files) {
    const rel = relPath(root, file);
    if (!isCoreRel(rel)) continue;
    if (allowedFiles.has(file)) {
      if (!ioChain(file, (f) => edgesOf(f, f === file || !allowedFiles.has(f)))) stale.push(`${rel}: no longer reaches I/O`);
      continue;
    }
    const chain = ioChain(file, edgesOf);
    if (!chain) continue;
    const path = chain.slice(0, -1).map((f) => relPath(root, f)).join(' -> ');
    problems.push(`${rel}: protocol core reaches I/O module '${chain[chain.length - 1]}' through ${path}; import a narrow entry (e.g. @ts-ceph/<pkg>/core) instead of the package root`);
  }
  for (const rel of allowed) if (!existsSync(join(root, rel))) stale.push(`${rel}: no longer exists`);
  return { problems, stale };
}

/** The shortest import chain from `start` to an I/O module (files..., module name), or undefined. */
function ioChain(start, edgesOf) {
  const parent = new Map([[start, undefined]]);
  const queue = [start];
  while (queue.length) {
    const file = queue.shift();
    for (const to of edgesOf(file)) {
      if (typeof to === 'object') {
        const chain = [to.io, file];
        for (let p = parent.get(file); p; p = parent.get(p)) chain.push(p);
        return chain.reverse();
      }
      if (!parent.has(to)) {
        parent.set(to, file);
        queue.push(to);
      }
    }
  }
  return undefined;
}

module.exports = { importsOf, packageEntries, resolveImport, coreImportProblems };
