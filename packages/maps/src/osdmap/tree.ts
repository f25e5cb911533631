import { CrushWrapper, DEFAULT_CHOOSE_ARGS, getItemClass } from '@ts-ceph/crush';
import { Formatter } from '../format/formatter';
import { formatFixed } from '../format/number';
import { cmpStr } from '../format/text';
import { TextTable } from '../format/text-table';
import { crushOf } from './crush';
import { OSDMap, exists, isDestroyed, isDown, isIn, isOut, isUp, primaryAffinityf, weightf } from './types';

/**
 * OSDMap::print_tree (`ceph osd tree [states]`, `osdmaptool --tree`) and CrushWrapper::dump_tree
 * (`ceph osd crush tree [--show-shadow]`): CrushTreeDumper's walk of the CRUSH hierarchy
 * (src/crush/CrushTreeDumper.h) rendered as Ceph's TextTable or through a Formatter.
 */

/** OSDMap::DUMP_* filters (`osd tree up|down|in|out|destroyed`). */
export const TreeFilter = { IN: 1, OUT: 2, UP: 4, DOWN: 8, DESTROYED: 16 } as const;

interface Item {
  id: number;
  parent: number;
  depth: number;
  /** C float. */
  weight: number;
  children: number[];
}

/** What CrushTreeDumper walks: its roots, should_dump_leaf and should_dump_empty_bucket. */
interface Walk {
  roots: number[];
  shouldDumpLeaf: (id: number) => boolean;
  dumpEmptyBuckets: boolean;
}

function f32div(w: number): number {
  return Math.fround(Math.fround(w) / Math.fround(0x10000));
}

/** CrushTreeDumper::should_dump: a leaf by the filter, a bucket if empty ones are shown or a child is. */
function shouldDump(cw: CrushWrapper, w: Walk, id: number): boolean {
  if (id >= 0) return w.shouldDumpLeaf(id);
  if (w.dumpEmptyBuckets) return true;
  const b = cw.getBucket(id);
  return !!b && [...b.items].reverse().some((c) => shouldDump(cw, w, c));
}

/**
 * CrushTreeDumper::Dumper: depth-first from each root, children sorted by class+osd id or by bucket
 * name. Returns the ids it visited (Ceph's `touched`).
 */
function walk(cw: CrushWrapper, w: Walk, visit: (qi: Item) => void): Set<number> {
  const touched = new Set<number>();
  for (const root of w.roots) {
    if (!shouldDump(cw, w, root)) continue;
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
          if (!shouldDump(cw, w, id)) continue;
          const key = id >= 0 ? `${getItemClass(cw, id) ?? ''}_osd.${String(id).padStart(8, '0')}` : `_${cw.getItemName(id) ?? ''}`;
          sorted.set(key, [id, f32div(cw.getBucketItemWeight(qi.id, k))]);
        }
        const keys = [...sorted.keys()].sort(cmpStr).reverse();
        for (const k of keys) {
          const [id, wt] = sorted.get(k)!;
          qi.children.push(id);
          stack.unshift({ id, parent: qi.id, depth: qi.depth + 1, weight: wt, children: [] });
        }
      }
      visit(qi);
    }
  }
  return touched;
}

/** The walk of `osd tree`: the non-shadow roots, leaves by the DUMP_* filter, empty buckets only unfiltered. */
function osdTreeWalk(m: OSDMap, filter: number): Walk {
  const shouldDumpLeaf = !filter
    ? () => true
    : (i: number) =>
        ((filter & TreeFilter.UP) !== 0 && isUp(m, i)) ||
        ((filter & TreeFilter.DOWN) !== 0 && isDown(m, i)) ||
        ((filter & TreeFilter.IN) !== 0 && isIn(m, i)) ||
        ((filter & TreeFilter.OUT) !== 0 && isOut(m, i)) ||
        ((filter & TreeFilter.DESTROYED) !== 0 && isDestroyed(m, i));
  return { roots: crushOf(m).findNonshadowRoots(), shouldDumpLeaf, dumpEmptyBuckets: !filter };
}

/** The walk of `osd crush tree`: every item, shadow roots too when asked. */
function crushTreeWalk(cw: CrushWrapper, showShadow: boolean): Walk {
  return { roots: showShadow ? cw.findRoots() : cw.findNonshadowRoots(), shouldDumpLeaf: () => true, dumpEmptyBuckets: true };
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

/** CrushTreePlainDumper's first columns; a bucket's row ends after TYPE NAME (Ceph pads the rest). */
function plainRow(t: TextTable, cw: CrushWrapper, qi: Item, osdName: (id: number) => string): void {
  t.cell(qi.id).cell(getItemClass(cw, qi.id) ?? '').cell(weightfStr(qi.weight));
  const indent = '    '.repeat(qi.depth);
  t.cell(qi.id < 0 ? `${indent}${cw.getTypeName(cw.getBucket(qi.id)?.type ?? 0) ?? ''} ${cw.getItemName(qi.id) ?? ''}` : `${indent}${osdName(qi.id)}`);
}

function treeTable(extra: string[]): TextTable {
  const t = new TextTable();
  t.defineColumn('ID', 'left', 'right').defineColumn('CLASS', 'left', 'right').defineColumn('WEIGHT', 'left', 'right').defineColumn('TYPE NAME', 'left', 'left');
  for (const h of extra) t.defineColumn(h, 'left', 'right');
  return t;
}

/** The plain `ceph osd tree` table; `filter` is a set of TreeFilter bits. */
export function printOsdTree(m: OSDMap, filter = 0): string {
  const cw = crushOf(m);
  const w = osdTreeWalk(m, filter);
  const t = treeTable(['STATUS', 'REWEIGHT', 'PRI-AFF']);
  const row = (qi: Item) => {
    plainRow(t, cw, qi, (id) => `osd.${id}`);
    if (qi.id >= 0) {
      if (!exists(m, qi.id)) t.cell('DNE').cell(0);
      else t.cell(statusOf(m, qi.id)).cell(weightfStr(weightf(m, qi.id))).cell(weightfStr(primaryAffinityf(m, qi.id)));
    }
    t.fillRow('');
  };
  const touched = walk(cw, w, row);
  for (let i = 0; i < m.maxOsd; i++) if (exists(m, i) && !touched.has(i) && w.shouldDumpLeaf(i)) row({ id: i, parent: 0, depth: 0, weight: 0, children: [] });
  return t.toString();
}

/** `ceph osd crush tree [--show-shadow]`, plain form (CrushTreePlainDumper). */
export function printCrushTree(cw: CrushWrapper, showShadow: boolean): string {
  const t = treeTable([]);
  walk(cw, crushTreeWalk(cw, showShadow), (qi) => {
    plainRow(t, cw, qi, (id) => cw.getItemName(id) ?? `osd.${id}`);
    t.fillRow('');
  });
  return t.toString();
}

/**
 * CrushTreeFormattingDumper::dump_item_fields: the item, and under a bucket its per-pool weight-set
 * weights ("pool_weights", named by `poolName`, "(compat)" for the default choose_args).
 */
function dumpItemFields(f: Formatter, cw: CrushWrapper, poolName: ReadonlyMap<number, string>, qi: Item): void {
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
      const name = index === DEFAULT_CHOOSE_ARGS ? '(compat)' : (poolName.get(index) ?? String(index));
      f.openArray(name);
      for (const pos of arg.weightSet) f.dumpFloat('weight', f32div(pos[bpos] ?? 0));
      f.close();
    }
    f.close();
  }
}

/** CrushTreeFormattingDumper::dump_item: the fields, `more` (OSDMap's additions), a bucket's children. */
function itemDumper(f: Formatter, cw: CrushWrapper, poolName: ReadonlyMap<number, string>, more?: (qi: Item) => void): (qi: Item) => void {
  return (qi) => {
    f.openObject('item');
    dumpItemFields(f, cw, poolName, qi);
    more?.(qi);
    if (qi.id < 0) {
      f.openArray('children');
      for (const c of qi.children) f.dumpInt('child', c);
      f.close();
    }
    f.close();
  };
}

/**
 * `ceph osd tree -f json` (OSDTreeFormattingDumper): the "nodes" and "stray" arrays (inside the
 * caller's "tree" section); `filter` is a set of TreeFilter bits.
 */
export function dumpOsdTree(f: Formatter, m: OSDMap, filter = 0): void {
  const cw = crushOf(m);
  const w = osdTreeWalk(m, filter);
  const item = itemDumper(f, cw, m.poolName, (qi) => {
    if (qi.id < 0) return;
    f.dumpUnsigned('exists', exists(m, qi.id) ? 1 : 0);
    f.dumpString('status', statusOf(m, qi.id));
    f.dumpFloat('reweight', weightf(m, qi.id));
    f.dumpFloat('primary_affinity', primaryAffinityf(m, qi.id));
  });
  f.openArray('nodes');
  const touched = walk(cw, w, item);
  f.close();
  f.openArray('stray');
  for (let i = 0; i < m.maxOsd; i++) if (exists(m, i) && !touched.has(i) && w.shouldDumpLeaf(i)) item({ id: i, parent: 0, depth: 0, weight: 0, children: [] });
  f.close();
}

/**
 * `ceph osd crush tree -f json` (CrushTreeFormattingDumper::dump): "nodes", then the devices no bucket
 * holds ("stray"). `poolName` names the per-pool weight sets, as the monitor passes the OSDMap's.
 */
export function dumpCrushTree(f: Formatter, cw: CrushWrapper, showShadow: boolean, poolName: ReadonlyMap<number, string> = new Map()): void {
  const item = itemDumper(f, cw, poolName);
  f.openArray('nodes');
  const touched = walk(cw, crushTreeWalk(cw, showShadow), item);
  f.close();
  f.openArray('stray');
  const maxId = cw.nameMap.size ? Math.max(...cw.nameMap.keys()) : -1;
  for (let i = 0; i <= maxId; i++) if (cw.itemExists(i) && !touched.has(i)) item({ id: i, parent: 0, depth: 0, weight: 0, children: [] });
  f.close();
}
