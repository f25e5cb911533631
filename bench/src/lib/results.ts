import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { repoRoot } from '@ts-ceph/common';

/**
 * bench/RESULTS.md is one file with a section per benchmark (`## <name>`). Each run replaces its own
 * section with a table and a stamp: the commit, whether the tree was dirty, the machine, the date.
 * Results are ratios against the real thing measured in the same run (STYLE §15).
 */
export interface BenchRow {
  workload: string;
  ours: string;
  reference: string;
  ratio: string;
  note?: string;
}

export function stamp(): string {
  const root = repoRoot();
  let commit = 'unknown';
  let dirty = '';
  try {
    commit = execFileSync('git', ['-C', root, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8' }).trim();
    dirty = execFileSync('git', ['-C', root, 'status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8' }).trim() ? ' (dirty tree)' : '';
  } catch {
    // not a git checkout: keep "unknown"
  }
  const cpu = cpus()[0]?.model ?? 'unknown cpu';
  return `commit ${commit}${dirty}, ${cpus().length} × ${cpu}, ${Math.round(totalmem() / 2 ** 30)} GiB, node ${process.version}, ${new Date().toISOString().slice(0, 10)}`;
}

export function table(rows: BenchRow[], refName = 'reference'): string {
  const head = `| workload | ts-ceph | ${refName} | ratio | note |\n|---|---|---|---|---|`;
  return [head, ...rows.map((r) => `| ${r.workload} | ${r.ours} | ${r.reference} | ${r.ratio} | ${r.note ?? ''} |`)].join('\n');
}

/** Replace (or append) section `## name` of bench/RESULTS.md with `body`. */
export function writeSection(name: string, body: string): void {
  const file = join(repoRoot(), 'bench', 'RESULTS.md');
  const text = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmark results\n\nEach section is rewritten by its benchmark (`npm run bench -- <name>`); figures are from one run on the stated machine and commit.\n';
  const header = `## ${name}`;
  const section = `${header}\n\n${body.trim()}\n`;
  const start = text.indexOf(`\n${header}\n`);
  let next: string;
  if (start < 0) next = `${text.trimEnd()}\n\n${section}`;
  else {
    const after = text.indexOf('\n## ', start + header.length + 1);
    next = text.slice(0, start + 1) + section + (after < 0 ? '' : text.slice(after));
  }
  writeFileSync(file, next.endsWith('\n') ? next : next + '\n');
}

/** CPU time (user+system, ms) of this process between two samples. */
export function cpuMs(since?: NodeJS.CpuUsage): number {
  const u = process.cpuUsage(since);
  return (u.user + u.system) / 1000;
}

/** Fraction formatted as a ratio, e.g. 0.8321 -> "0.83×". */
export function ratio(ours: number, ref: number): string {
  return ref > 0 ? `${(ours / ref).toFixed(2)}×` : 'n/a';
}
