// Summaries of a V8 .cpuprofile (what `node --cpu-prof` writes): self time per function and per file,
// and inclusive time per function of our own files (packages/*), as markdown tables. The profile is
// a call tree of nodes plus a list of sampled node ids with the time since the previous sample.
import { readFileSync } from 'node:fs';

interface CallFrame {
  functionName: string;
  url: string;
  lineNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface ProfileRow {
  name: string;
  where: string;
  us: number;
}

export interface ProfileSummary {
  totalUs: number;
  /** Time outside (idle). */
  idleUs: number;
  self: ProfileRow[];
  selfByFile: ProfileRow[];
  /** Inclusive time of functions in packages/* (each sample counted once per function on its stack). */
  inclusiveOurs: ProfileRow[];
}

/** The part of a script URL worth showing: from packages/ on, or node's internal module path. */
function shortUrl(url: string): string {
  const i = url.indexOf('/packages/');
  if (i >= 0) return url.slice(i + 1).replace('/dist/src/', '/src/').replace(/\.js$/, '.ts');
  return url.replace(/^file:\/\//, '') || '(native)';
}

const isOurs = (url: string): boolean => url.includes('/packages/');

export function summarise(file: string, top = 25): ProfileSummary {
  const p = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const key = (f: CallFrame): string => `${f.functionName || '(anonymous)'}\t${shortUrl(f.url)}:${f.lineNumber + 1}`;
  const self = new Map<string, number>();
  const selfFile = new Map<string, number>();
  const incl = new Map<string, number>();
  const stacks = new Map<number, string[]>();
  const stackOf = (id: number): string[] => {
    let s = stacks.get(id);
    if (s) return s;
    const keys = new Set<string>();
    for (let n: number | undefined = id; n !== undefined; n = parent.get(n)) {
      const f = byId.get(n)!.callFrame;
      if (isOurs(f.url)) keys.add(key(f));
    }
    s = [...keys];
    stacks.set(id, s);
    return s;
  };
  let totalUs = 0;
  let idleUs = 0;
  // timeDeltas[i] is the time before sample i; charge the time after a sample to it (the next delta).
  for (let i = 0; i < p.samples.length; i++) {
    const dt = p.timeDeltas[i + 1] ?? 0;
    const f = byId.get(p.samples[i]!)!.callFrame;
    totalUs += dt;
    if (f.functionName === '(idle)') {
      idleUs += dt;
      continue;
    }
    const k = key(f);
    self.set(k, (self.get(k) ?? 0) + dt);
    const file = f.url ? shortUrl(f.url) : f.functionName;
    selfFile.set(file, (selfFile.get(file) ?? 0) + dt);
    for (const s of stackOf(p.samples[i]!)) incl.set(s, (incl.get(s) ?? 0) + dt);
  }
  const rows = (m: Map<string, number>): ProfileRow[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, us]) => {
        const [name, where] = k.split('\t');
        return { name: name!, where: where ?? '', us };
      });
  return { totalUs, idleUs, self: rows(self), selfByFile: rows(selfFile), inclusiveOurs: rows(incl) };
}

export function profileMarkdown(s: ProfileSummary, what = "ts-osd's main thread"): string {
  const busy = s.totalUs - s.idleUs;
  const pct = (us: number): string => `${((us / busy) * 100).toFixed(1)} %`;
  const tbl = (title: string, rows: ProfileRow[], withWhere: boolean): string =>
    [
      `### ${title}`,
      '',
      withWhere ? '| # | function | where | ms | of busy |\n|---|---|---|---|---|' : '| # | file | ms | of busy |\n|---|---|---|---|',
      ...rows.map((r, i) => (withWhere ? `| ${i + 1} | ${r.name} | ${r.where} | ${(r.us / 1000).toFixed(0)} | ${pct(r.us)} |` : `| ${i + 1} | ${r.name} | ${(r.us / 1000).toFixed(0)} | ${pct(r.us)} |`)),
    ].join('\n');
  return [
    `Profiled ${(s.totalUs / 1e6).toFixed(1)} s of ${what}, busy ${(busy / 1e6).toFixed(1)} s (the rest idle, waiting for I/O or messages).`,
    '',
    tbl('Self time by function (top 25)', s.self, true),
    '',
    tbl('Self time by file (top 25)', s.selfByFile, false),
    '',
    tbl('Inclusive time of our functions (packages/*, top 25)', s.inclusiveOurs, true),
  ].join('\n');
}
