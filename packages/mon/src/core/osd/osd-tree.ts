/**
 * `ceph osd tree` (OSDMap::print_tree with CrushTreeDumper, src/crush/CrushTreeDumper.h): a
 * depth-first walk of the non-shadow roots, each bucket's children sorted by (class, name), then the
 * OSDs that exist but are in no bucket ("stray").
 */
import { CrushWrapper, getItemClass } from '@ts-ceph/crush';
import { OSDMap, crushOf, exists, isUp, isDestroyed, isIn, isOut, isDown, weightf, primaryAffinityf } from '@ts-ceph/maps';
import { JSONFormatter } from '../formatter';
import { TextTable } from '../text-table';

interface Item {
  id: number;
  parent: number;
  depth: number;
  /** float, as Ceph's Item.weight */
  weight: number;
  children: number[];
}

/** OSDMap::DUMP_* filters (`osd tree up|down|in|out|destroyed`). */
export const TreeFilter = { IN: 1, OUT: 2, UP: 4, DOWN: 8, DESTROYED: 16 } as const;

class TreeWalker {
  private readonly touched = new Set<number>();
  private readonly queue: Item[] = [];
  private roots: number[];
  private rootIdx = 0;

  constructor(
    private readonly cw: CrushWrapper,
    private readonly shouldDumpLeaf: (id: number) => boolean,
    private readonly dumpEmptyBuckets: boolean,
    root?: string,
    showShadow = false,
  ) {
    this.roots = root !== undefined ? (cw.nameExists(root) ? [cw.getItemId(root)] : []) : showShadow ? cw.findRoots() : cw.findNonshadowRoots();
  }

  private shouldDump(id: number): boolean {
    if (id >= 0) return this.shouldDumpLeaf(id);
    if (this.dumpEmptyBuckets) return true;
    const b = this.cw.getBucket(id);
    return !!b && [...b.items].reverse().some((c) => this.shouldDump(c));
  }

  next(): Item | undefined {
    if (this.queue.length === 0) {
      while (this.rootIdx < this.roots.length && !this.shouldDump(this.roots[this.rootIdx]!)) this.rootIdx++;
      if (this.rootIdx >= this.roots.length) return undefined;
      const r = this.roots[this.rootIdx++]!;
      this.queue.push({ id: r, parent: 0, depth: 0, weight: Math.fround((this.cw.getBucketWeight(r) >>> 0) / 0x10000), children: [] });
    }
    const qi = this.queue.shift()!;
    this.touched.add(qi.id);
    if (qi.id < 0) {
      const b = this.cw.getBucket(qi.id);
      const sorted = new Map<string, [number, number]>();
      if (b) {
        for (let k = b.items.length - 1; k >= 0; k--) {
          const id = b.items[k]!;
          if (!this.shouldDump(id)) continue;
          const key = id >= 0 ? `${getItemClass(this.cw, id) ?? ''}_osd.${String(id).padStart(8, '0')}` : `_${this.cw.getItemName(id) ?? ''}`;
          sorted.set(key, [id, Math.fround((this.cw.getBucketItemWeight(qi.id, k) >>> 0) / 0x10000)]);
        }
      }
      const keys = [...sorted.keys()].sort((a, c) => (a < c ? -1 : a > c ? 1 : 0)).reverse();
      for (const key of keys) {
        const [id, w] = sorted.get(key)!;
        qi.children.push(id);
        this.queue.unshift({ id, parent: qi.id, depth: qi.depth + 1, weight: w, children: [] });
      }
    }
    return qi;
  }

  isTouched(id: number): boolean {
    return this.touched.has(id);
  }
}

/** weightf_t: "-" below -0.01, "0" below 1e-6, else five decimals. */
export function weightfText(v: number): string {
  if (v < -0.01) return '-';
  if (v < 0.000001) return '0';
  return Math.fround(v).toFixed(5);
}

function leafFilter(m: OSDMap, filter: number): (id: number) => boolean {
  if (!filter) return () => true;
  return (i) =>
    ((filter & TreeFilter.UP) !== 0 && isUp(m, i)) ||
    ((filter & TreeFilter.DOWN) !== 0 && isDown(m, i)) ||
    ((filter & TreeFilter.IN) !== 0 && isIn(m, i)) ||
    ((filter & TreeFilter.OUT) !== 0 && isOut(m, i)) ||
    ((filter & TreeFilter.DESTROYED) !== 0 && isDestroyed(m, i));
}

function osdStatus(m: OSDMap, id: number): string {
  return isUp(m, id) ? 'up' : isDestroyed(m, id) ? 'destroyed' : 'down';
}

export function printOsdTree(m: OSDMap, filter = 0, bucket = ''): string {
  const cw = crushOf(m);
  const leaf = leafFilter(m, filter);
  const t = new TextTable();
  t.defineColumn('ID', 'left', 'right').defineColumn('CLASS', 'left', 'right').defineColumn('WEIGHT', 'left', 'right');
  t.defineColumn('TYPE NAME', 'left', 'left').defineColumn('STATUS', 'left', 'right').defineColumn('REWEIGHT', 'left', 'right').defineColumn('PRI-AFF', 'left', 'right');
  const row = (qi: Item) => {
    t.cell(qi.id).cell(getItemClass(cw, qi.id) ?? '').cell(weightfText(qi.weight));
    const indent = '    '.repeat(qi.depth);
    t.cell(qi.id < 0 ? `${indent}${cw.getTypeName(cw.getBucket(qi.id)?.type ?? 0) ?? ''} ${cw.getItemName(qi.id) ?? ''}` : `${indent}osd.${qi.id}`);
    if (qi.id >= 0) {
      if (!exists(m, qi.id)) t.cell('DNE').cell(0);
      else t.cell(osdStatus(m, qi.id)).cell(weightfText(weightf(m, qi.id))).cell(weightfText(primaryAffinityf(m, qi.id)));
    }
    padRow(t);
  };
  const w = new TreeWalker(cw, leaf, !filter, bucket || undefined);
  for (let qi = w.next(); qi; qi = w.next()) row(qi);
  if (!bucket) for (let i = 0; i < m.maxOsd; i++) if (exists(m, i) && !w.isTouched(i) && leaf(i)) row({ id: i, parent: 0, depth: 0, weight: 0, children: [] });
  return t.toString();
}

/** A TextTable row may end early (buckets have no STATUS...); Ceph pads the missing cells. */
function padRow(t: TextTable): void {
  t.fillRow('');
}

export function dumpOsdTree(f: JSONFormatter, m: OSDMap, filter = 0, bucket = ''): void {
  const cw = crushOf(m);
  const leaf = leafFilter(m, filter);
  const item = itemDumper(f, cw, m);
  const w = new TreeWalker(cw, leaf, !filter, bucket || undefined);
  f.openArray('nodes');
  for (let qi = w.next(); qi; qi = w.next()) item(qi);
  f.close();
  if (!bucket) {
    f.openArray('stray');
    for (let i = 0; i < m.maxOsd; i++) if (exists(m, i) && !w.isTouched(i) && leaf(i)) item({ id: i, parent: 0, depth: 0, weight: 0, children: [] });
    f.close();
  }
}

/**
 * CrushTreeDumper's item (and OSDMap's additions when `m` is given: exists, status, reweight,
 * primary_affinity).
 */
function itemDumper(f: JSONFormatter, cw: CrushWrapper, m?: OSDMap): (qi: Item) => void {
  return (qi: Item) => {
    f.openObject('item');
    f.dumpInt('id', qi.id);
    const c = getItemClass(cw, qi.id);
    if (c) f.dumpString('device_class', c);
    if (qi.id < 0) {
      const type = cw.getBucket(qi.id)?.type ?? 0;
      f.dumpString('name', cw.getItemName(qi.id) ?? '');
      f.dumpString('type', cw.getTypeName(type) ?? '');
      f.dumpInt('type_id', type);
    } else {
      f.dumpString('name', `osd.${qi.id}`);
      f.dumpString('type', cw.getTypeName(0) ?? '');
      f.dumpInt('type_id', 0);
      f.dumpFloat('crush_weight', qi.weight);
      f.dumpUnsigned('depth', qi.depth);
    }
    if (qi.parent < 0) {
      // Per-pool weight sets (choose_args) are not used by ts-mon's maps; the section is always there.
      f.openObject('pool_weights');
      f.close();
    }
    if (qi.id >= 0 && m) {
      f.dumpUnsigned('exists', exists(m, qi.id) ? 1 : 0);
      f.dumpString('status', osdStatus(m, qi.id));
      f.dumpFloat('reweight', weightf(m, qi.id));
      f.dumpFloat('primary_affinity', primaryAffinityf(m, qi.id));
    } else if (qi.id < 0) {
      f.openArray('children');
      for (const c of qi.children) f.dumpInt('child', c);
      f.close();
    }
    f.close();
  };
}

/** `ceph osd crush tree [--show-shadow]` (CrushWrapper::dump_tree), plain form. */
export function printCrushTree(cw: CrushWrapper, showShadow: boolean): string {
  const t = new TextTable();
  t.defineColumn('ID', 'left', 'right').defineColumn('CLASS', 'left', 'right').defineColumn('WEIGHT', 'left', 'right').defineColumn('TYPE NAME', 'left', 'left');
  const w = new TreeWalker(cw, () => true, true, undefined, showShadow);
  for (let qi = w.next(); qi; qi = w.next()) {
    t.cell(qi.id).cell(getItemClass(cw, qi.id) ?? '').cell(weightfText(qi.weight));
    const indent = '    '.repeat(qi.depth);
    t.cell(qi.id < 0 ? `${indent}${cw.getTypeName(cw.getBucket(qi.id)?.type ?? 0) ?? ''} ${cw.getItemName(qi.id) ?? ''}` : `${indent}${cw.getItemName(qi.id) ?? `osd.${qi.id}`}`);
    padRow(t);
  }
  return t.toString();
}

/** The JSON form: nodes, then the devices no bucket holds ("stray"). */
export function dumpCrushTree(f: JSONFormatter, cw: CrushWrapper, showShadow: boolean): void {
  const item = itemDumper(f, cw);
  const w = new TreeWalker(cw, () => true, true, undefined, showShadow);
  f.openArray('nodes');
  for (let qi = w.next(); qi; qi = w.next()) item(qi);
  f.close();
  f.openArray('stray');
  const maxId = cw.nameMap.size ? Math.max(...cw.nameMap.keys()) : -1;
  for (let i = 0; i <= maxId; i++) if (cw.itemExists(i) && !w.isTouched(i)) item({ id: i, parent: 0, depth: 0, weight: 0, children: [] });
  f.close();
}
