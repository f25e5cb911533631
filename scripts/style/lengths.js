// File and function lengths, held to a ratchet: what is long today is listed with its length in
// scripts/style-ratchet.json and may only shrink; anything new must stay under the limits.
'use strict';

/** Hard cap: no source file may be longer, ratchet or not. */
const fileLinesMax = 900;
/** Files longer than this must be listed in the ratchet (and may not grow past their entry). */
const fileLinesRatchet = 500;
/** Functions longer than this must be listed in the ratchet (and may not grow past their entry). */
const functionLinesRatchet = 100;

/** Lines as `wc -l` counts them (a last line without a newline still counts). */
function lineCount(text) {
  if (text === '') return 0;
  const n = text.split('\n').length;
  return text.endsWith('\n') ? n - 1 : n;
}

/**
 * The text with comments, string and template literals blanked to spaces (newlines kept), so a
 * brace in a string or a comment does not count. Regular-expression literals are not recognised:
 * a brace inside one would throw the count off (none in our tree does).
 */
function blankNonCode(text) {
  let out = '';
  let i = 0;
  const blank = (s) => s.replace(/[^\n]/g, ' ');
  while (i < text.length) {
    const c = text[i];
    const two = text.slice(i, i + 2);
    let end = -1;
    if (two === '//') end = text.indexOf('\n', i) === -1 ? text.length : text.indexOf('\n', i);
    else if (two === '/*') end = text.indexOf('*/', i + 2) === -1 ? text.length : text.indexOf('*/', i + 2) + 2;
    else if (c === "'" || c === '"' || c === '`') {
      end = i + 1;
      // A quoted string ends at its quote or, unterminated (a quote inside a regex), at the line end.
      while (end < text.length && text[end] !== c && (c === '`' || text[end] !== '\n')) end += text[end] === '\\' ? 2 : 1;
      end = Math.min(end + 1, text.length);
    }
    if (end === -1) {
      out += c;
      i += 1;
    } else {
      out += blank(text.slice(i, end));
      i = end;
    }
  }
  return out;
}

const notMethods = new Set(['if', 'for', 'while', 'switch', 'catch', 'return', 'function', 'new', 'await', 'super', 'typeof', 'with', 'do', 'else', 'try', 'throw', 'yield', 'void', 'delete', 'in', 'of']);
const declPatterns = [
  /\bfunction\b\s*\*?\s*([A-Za-z_$][\w$]*)?\s*[<(]/,
  /(?:const|let|var)\s+([A-Za-z_$][\w$]*)\s*(?::[^=]+)?=\s*(?:async\s+)?(?:function\b|\([^)]*\)?|[A-Za-z_$][\w$]*\s*=>)/,
  /^\s*([A-Za-z_$][\w$]*)\s*:\s*(?:async\s+)?(?:function\b|\([^)]*\)?\s*(?::[^=]+)?=>)/,
  /^\s*(?:(?:public|private|protected|static|async|override|abstract|get|set)\s+)*\*?\s*([A-Za-z_$][\w$]*)\s*(?:<[^>]*>)?\s*\(/,
];

/**
 * The functions of a source text and their lengths in lines, found by a simple scan, good enough to
 * hold a line limit: a line that declares a function (`function f(`, `const f = (...) =>`,
 * `f: (...) =>`, or a method `f(...) {`) opens a body at the last `{` of the first line, within the
 * next eight, whose code ends with `{`; the body ends at the brace that matches it. Anonymous
 * callbacks passed as arguments are not counted. Returns [{ name, line, lines }].
 */
function functionsOf(text) {
  const code = blankNonCode(text).split('\n');
  const found = [];
  for (let i = 0; i < code.length; i++) {
    const name = declName(code[i]);
    if (name === undefined) continue;
    const open = bodyStart(code, i);
    if (!open) continue;
    const end = matchBrace(code, open.line, open.col);
    if (end !== undefined) found.push({ name, line: i + 1, lines: end - i + 1 });
  }
  return found;
}

function declName(line) {
  for (const re of declPatterns) {
    const m = re.exec(line);
    if (!m) continue;
    const name = m[1] ?? '(anonymous)';
    if (re === declPatterns[3] && notMethods.has(name)) return undefined;
    return name;
  }
  return undefined;
}

function bodyStart(code, from) {
  for (let k = from; k < Math.min(code.length, from + 8); k++) {
    const t = code[k].trimEnd();
    if (t.endsWith('{')) return { line: k, col: t.length - 1 };
    if (t.endsWith(';') || (k > from && declName(code[k]) !== undefined)) return undefined;
  }
  return undefined;
}

function matchBrace(code, line, col) {
  let depth = 0;
  for (let k = line; k < code.length; k++) {
    const s = code[k];
    for (let j = k === line ? col : 0; j < s.length; j++) {
      if (s[j] === '{') depth++;
      else if (s[j] === '}' && --depth === 0) return k;
    }
  }
  return undefined;
}

/**
 * Test data tables (a `test/data/` folder: vectors ported or generated from Ceph's own tests) are
 * rows, not code: they are held to the hard cap only, not to the 500-line ratchet.
 */
const isTestData = (rel) => /(^|\/)test\/data\//.test(rel);

/** The measured lengths over the ratchet limits: { files: {rel: n}, functions: {'rel#name': n} }. */
function measure(sources) {
  const files = {};
  const functions = {};
  for (const { rel, text } of sources) {
    const n = lineCount(text);
    if (n > fileLinesRatchet && !isTestData(rel)) files[rel] = n;
    const seen = new Map();
    for (const f of functionsOf(text)) {
      const k = seen.get(f.name) ?? 0;
      seen.set(f.name, k + 1);
      if (f.lines > functionLinesRatchet) functions[`${rel}#${f.name}${k ? `#${k + 1}` : ''}`] = f.lines;
    }
  }
  return { files: sortKeys(files), functions: sortKeys(functions) };
}

function sortKeys(o) {
  return Object.fromEntries(Object.entries(o).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * Compare measured lengths with the ratchet. Returns { problems, stale, next }: problems for
 * anything over a limit that the ratchet does not allow; stale entries (shorter now, or gone) that
 * --update-ratchet would shrink; and `next`, the ratchet --update-ratchet writes (shrunk entries,
 * grown or new ones only with allowGrowth).
 */
function compareRatchet(measured, ratchet, { allowGrowth = false } = {}) {
  const problems = [];
  const stale = [];
  const next = { files: {}, functions: {} };
  for (const kind of ['files', 'functions']) {
    const limit = kind === 'files' ? fileLinesRatchet : functionLinesRatchet;
    const noun = kind === 'files' ? 'file' : 'function';
    const old = ratchet[kind] || {};
    for (const [k, n] of Object.entries(measured[kind])) {
      const had = old[k];
      if (had === undefined || n > had) {
        if (allowGrowth) next[kind][k] = n;
        else if (had !== undefined) next[kind][k] = had;
        problems.push(had === undefined
          ? `${k}: ${noun} is ${n} lines (limit ${limit}, not in the ratchet); split it`
          : `${k}: ${noun} grew to ${n} lines (the ratchet allows ${had}); split it`);
      } else next[kind][k] = n;
      if (had !== undefined && n < had) stale.push(`${k}: ${had} -> ${n}`);
    }
    for (const k of Object.keys(old)) if (!(k in measured[kind])) stale.push(`${k}: ${old[k]} -> under ${limit}`);
    next[kind] = sortKeys(next[kind]);
  }
  if (allowGrowth) problems.length = 0;
  return { problems, stale, next };
}

module.exports = { fileLinesMax, fileLinesRatchet, functionLinesRatchet, lineCount, blankNonCode, functionsOf, measure, compareRatchet };
