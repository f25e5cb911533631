// The rules read one line at a time: type escapes, and what a protocol core may not call.
'use strict';

/** Modules whose import means I/O (files, sockets, processes, threads, the terminal, LevelDB). */
const ioModules = /^(node:)?(fs|fs\/promises|net|child_process|http|https|http2|tls|dgram|worker_threads|cluster|readline)$|^(level|classic-level)$/;

/** node:net's address parsers are pure functions; importing only them is not I/O. */
const pureNetNames = new Set(['isIP', 'isIPv4', 'isIPv6']);

/**
 * Whether importing `names` (the braced names, or undefined for a default/namespace/bare import)
 * from `spec` loads I/O.
 */
function isIoImport(spec, names) {
  if (!ioModules.test(spec)) return false;
  if (/^(node:)?net$/.test(spec) && names && names.length > 0 && names.every((n) => pureNetNames.has(n))) return false;
  return true;
}

/** The code of a line with its line comment removed and its string literals emptied. */
function codeOf(line) {
  return line.replace(/\/\/.*$/, '').replace(/'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*"|`(?:[^`\\]|\\.)*`/g, "''");
}

/** Randomness and clock reads a core must take as inputs instead (STYLE.md §1, §9). */
const entropyCalls = [
  [/\brandomUUID\b/, 'randomUUID'],
  [/\brandomBytes\b/, 'randomBytes'],
  [/\bMath\.random\b/, 'Math.random'],
  [/\bDate\.now\b/, 'Date.now'],
  [/\bperformance\.now\b/, 'performance.now'],
  [/\bnew\s+Date\s*\(\s*\)/, 'new Date()'],
];
const timerCalls = /\b(setTimeout|setInterval|setImmediate)\s*\(/;

/** The problems on the lines of one file; `core` turns on the protocol-core rules. */
function lineProblems(rel, text, core) {
  const problems = [];
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    const code = codeOf(line);
    const where = `${rel}:${i + 1}`;
    if (/@ts-nocheck/.test(line)) problems.push(`${where}: @ts-nocheck is not allowed`);
    if (/@ts-(ignore|expect-error)\s*$/.test(line)) problems.push(`${where}: @ts-ignore/@ts-expect-error needs a reason after it`);
    if (/(:\s*any\b|\bas any\b|<any>|\bany\[\]|Array<any>|Record<string,\s*any>)/.test(code)) {
      const prev = lines[i - 1] || '';
      if (!/\/\/\s*any:/.test(line) && !/\/\/\s*any:/.test(prev)) problems.push(`${where}: 'any' without a '// any: <reason>' comment`);
    }
    if (!core) return;
    const m = /(?:from\s+|require\()\s*['"]([^'"]+)['"]/.exec(line);
    if (m) {
      const braced = /\{([^}]*)\}/.exec(line);
      const names = braced ? braced[1].split(',').map((s) => s.trim().split(/\s+as\s+/)[0]).filter(Boolean) : undefined;
      if (isIoImport(m[1], names)) problems.push(`${where}: protocol-core code imports I/O module '${m[1]}'`);
    }
    if (timerCalls.test(code)) problems.push(`${where}: protocol-core code sets a timer; let the driver own timers`);
    for (const [re, name] of entropyCalls) {
      if (re.test(code)) problems.push(`${where}: protocol-core code uses ${name}; take time and randomness as inputs`);
    }
  });
  return problems;
}

module.exports = { ioModules, isIoImport, codeOf, lineProblems };
