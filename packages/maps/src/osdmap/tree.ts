import { CrushWrapper, DEFAULT_CHOOSE_ARGS, getItemClass } from '@ts-ceph/crush';
import { Formatter } from '../format/formatter';
import { formatFixed } from '../format/number';
import { cmpStr } from '../format/text';
import { crushOf } from './crush';
import { OSDMap, exists, isDestroyed, isUp, primaryAffinityf, weightf } from './types';

/**
 * OSDMap::print_tree (`ceph osd tree`, `osdmaptool --tree`): CrushTreeDumper's walk of the CRUSH
 * hierarchy (src/crush/CrushTreeDumper.h) rendered as Ceph's TextTable or through a Formatter.
 */

interface Item {
  id: number;
  parent: number;
  depth: number;
  /** C float. */
  weight: number;
  children: number[];
}

function f32div(w: number): number {
  return Math.fround(Math.fround(w) / Math.fround(0x10000));
}

/** CrushTreeDumper::Dumper: depth-first, children sorted by class+osd id or by bucket name. */
function walk(cw: CrushWrapper, m: OSDMap, visit: (qi: Item) => void): Set<number> {
  const touched = new Set<number>();
  for (const root of cw.findNonshadowRoots()) {
    const b = cw.getBucket(root);
    const stack: Item[] = [{ id: root, parent: 0, depth: 0, weight: f32div(b ? b.weight : 0), children: [] }];
    while (stack.length) {
      const qi = stack.shift()!;
      touched.add(qi.id);
      const bucket = qi.id < 0 ? cw.getBucket(qi.id) : null;
      if (bucket) {
        const sorted = new Map<string, [number, number]>();
        for (let k = bucket.items.length - 1; k >= 0; k--) {
          const id = bucket.items[k]!;
          const key = id >= 0 ? `${getItemClass(cw, id) ?? ''}_osd.${String(id).padStart(8, '0')}` : `_${cw.getItemName(id) ?? ''}`;
          sorted.set(key, [id, f32div(cw.getBucketItemWeight(qi.id, k))]);
        }
        const keys = [...sorted.keys()].sort(cmpStr).reverse();
        for (const k of keys) {
          const [id, w] = sorted.get(k)!;
          qi.children.push(id);
          stack.unshift({ id, parent: qi.id, depth: qi.depth + 1, weight: w, children: [] });
        }
      }
      visit(qi);
    }
  }
  void m;
  return touched;
}

/** weightf_t's operator<<: "-" below -0.01, "0" for ~0, else fixed with 5 decimals. */
function weightfStr(v: number): string {
  if (v < Math.fround(-0.01)) return '-';
  if (v < Math.fround(0.000001)) return '0';
  return formatFixed(v, 5);
}

function statusOf(m: OSDMap, id: number): string {
  return isUp(m, id) ? 'up' : isDestroyed(m, id) ? 'destroyed' : 'down';
}

/** TextTable rendering: LEFT/RIGHT aligned columns separated by two spaces. */
function renderTable(cols: [string, 'L' | 'R', 'L' | 'R'][], rows: string[][]): string {
  const width = cols.map(([h], i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const pad = (s: string, w: number, a: 'L' | 'R') => (a === 'L' ? s.padEnd(w) : s.padStart(w));
  let out = `${cols.map(([h, ha], i) => pad(h, width[i]!, ha)).join('  ')}\n`;
  for (const r of rows) out += `${cols.map(([, , ca], i) => pad(r[i] ?? '', width[i]!, ca)).join('  ')}\n`;
  return out;
}

/** The plain `ceph osd tree` table. */
export function printOsdTree(m: OSDMap): string {
  const cw = crushOf(m);
  const rows: string[][] = [];
  const item = (qi: Item) => {
    const r = [String(qi.id), getItemClass(cw, qi.id) ?? '', weightfStr(qi.weight)];
    const indent = '    '.repeat(qi.depth);
    if (qi.id < 0) r.push(`${indent}${cw.getTypeName(cw.getBucket(qi.id)?.type ?? 0) ?? ''} ${cw.getItemName(qi.id) ?? ''}`);
    else r.push(`${indent}osd.${qi.id}`);
    if (qi.id >= 0) {
      if (!exists(m, qi.id)) r.push('DNE', '0');
      else r.push(statusOf(m, qi.id), weightfStr(weightf(m, qi.id)), weightfStr(primaryAffinityf(m, qi.id)));
    }
    rows.push(r);
  };
  const touched = walk(cw, m, item);
  for (let i = 0; i < m.maxOsd; i++) if (exists(m, i) && !touched.has(i)) item({ id: i, parent: 0, depth: 0, weight: 0, children: [] });
  return renderTable(
    [
      ['ID', 'L', 'R'],
      ['CLASS', 'L', 'R'],
      ['WEIGHT', 'L', 'R'],
      ['TYPE NAME', 'L', 'L'],
      ['STATUS', 'L', 'R'],
      ['REWEIGHT', 'L', 'R'],
      ['PRI-AFF', 'L', 'R'],
    ],
    rows,
  );
}

function dumpItemFields(f: Formatter, cw: CrushWrapper, m: OSDMap, qi: Item): void {
  f.dumpInt('id', qi.id);
  const cls = getItemClass(cw, qi.id);
  if (cls !== undefined) f.dumpString('device_class', cls);
  if (qi.id < 0) {
    const type = cw.getBucket(qi.id)?.type ?? 0;
    f.dumpString('name', cw.getItemName(qi.id) ?? '');
    f.dumpString('type', cw.getTypeName(type) ?? '');
    f.dumpInt('type_id', type);
  } else {
    f.dumpStream('name', `osd.${qi.id}`);
    f.dumpString('type', cw.getTypeName(0) ?? '');
    f.dumpInt('type_id', 0);
    f.dumpFloat('crush_weight', qi.weight);
    f.dumpUnsigned('depth', qi.depth);
  }
  if (qi.parent < 0) {
    f.openObject('pool_weights');
    const parent = cw.getBucket(qi.parent);
    for (const [index, cmap] of [...cw.chooseArgs.entries()].sort((a, b) => a[0] - b[0])) {
      const bidx = -1 - qi.parent;
      const arg = cmap[bidx];
      if (!parent || !arg || arg.weightSet.length < 1) continue;
      let bpos = 0;
      while (bpos < arg.weightSet[0]!.length && parent.items[bpos] !== qi.id) bpos++;
      const name = index === DEFAULT_CHOOSE_ARGS ? '(compat)' : (m.poolName.get(index) ?? String(index));
      f.openArray(name);
      for (const pos of arg.weightSet) f.dumpFloat('weight', f32div(pos[bpos] ?? 0));
      f.close();
    }
    f.close();
  }
  if (qi.id >= 0) {
    f.dumpUnsigned('exists', exists(m, qi.id) ? 1 : 0);
    f.dumpString('status', statusOf(m, qi.id));
    f.dumpFloat('reweight', weightf(m, qi.id));
    f.dumpFloat('primary_affinity', primaryAffinityf(m, qi.id));
  }
}

/** `ceph osd tree -f json`: the "nodes" and "stray" arrays (inside the caller's "tree" section). */
export function dumpOsdTree(f: Formatter, m: OSDMap): void {
  const cw = crushOf(m);
  const item = (qi: Item) => {
    f.openObject('item');
    dumpItemFields(f, cw, m, qi);
    if (qi.id < 0) {
      f.openArray('children');
      for (const c of qi.children) f.dumpInt('child', c);
      f.close();
    }
    f.close();
  };
  f.openArray('nodes');
  const touched = walk(cw, m, item);
  f.close();
  f.openArray('stray');
  for (let i = 0; i < m.maxOsd; i++) if (exists(m, i) && !touched.has(i)) item({ id: i, parent: 0, depth: 0, weight: 0, children: [] });
  f.close();
}
