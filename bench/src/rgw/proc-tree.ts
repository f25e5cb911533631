// CPU time and RSS of a gateway and its child processes (ts-rgw's worker processes), from /proc:
// a parent's own counters do not include live children.
import { readdirSync, readFileSync } from 'node:fs';
import { procCpuUs, procRssBytes } from '../osd/clusters';

/** `pid` and every live descendant (from /proc/<pid>/task/<tid>/children). */
export function processTree(pid: number): number[] {
  const out = [pid];
  for (let i = 0; i < out.length; i++) {
    try {
      for (const t of readdirSync(`/proc/${out[i]}/task`)) {
        const kids = readFileSync(`/proc/${out[i]}/task/${t}/children`, 'utf8').trim();
        if (kids) out.push(...kids.split(' ').map(Number));
      }
    } catch {
      // the process exited while we looked
    }
  }
  return out;
}

const sum = (pids: number[], f: (pid: number) => number): number =>
  pids.reduce((a, p) => {
    try {
      return a + f(p);
    } catch {
      return a;
    }
  }, 0);

/** User + system µs of `pid` and its live descendants. */
export const treeCpuUs = (pid: number): number => sum(processTree(pid), procCpuUs);

/** VmRSS of `pid` and its live descendants, summed. */
export const treeRssBytes = (pid: number): number => sum(processTree(pid), procRssBytes);
