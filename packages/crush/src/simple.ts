/**
 * The maps Ceph builds from nothing: the initial CRUSH map of a new cluster
 * (OSDMap::build_simple_crush_map[_from_conf], what `osdmaptool --createsimple N` and the first
 * monitor make) and the layered test maps of `crushtool --build`.
 */
import { Errno } from '@ts-ceph/common/core';
import { insertItem } from './edit';
import { addSimpleRuleAt } from './edit-rules';
import { bucketAlgByName, CEPH_PG_TYPE_REPLICATED, CRUSH_HASH_DEFAULT } from './types';
import { CrushWrapper } from './wrapper';

/** OSDMap::_build_crush_types: osd, host, chassis, rack, row, pdu, pod, room, datacenter, zone, region, root. Returns the root type. */
export function buildCrushTypes(cw: CrushWrapper): number {
  const names = ['osd', 'host', 'chassis', 'rack', 'row', 'pdu', 'pod', 'room', 'datacenter', 'zone', 'region', 'root'];
  names.forEach((n, i) => cw.setTypeName(i, n));
  return names.length - 1;
}

export interface SimpleRuleOptions {
  /** osd_crush_chooseleaf_type: the failure domain type id (default 1, host). */
  chooseleafType?: number;
  /** osd_pool_default_crush_rule: the rule id to use (default -1: the first replicated ruleset or the lowest free id). */
  defaultRule?: number;
}

/** OSDMap::build_simple_crush_rules: the "replicated_rule" (take root, chooseleaf firstn 0 type host, emit). */
export function buildSimpleCrushRules(cw: CrushWrapper, root: string, opts: SimpleRuleOptions = {}, err: string[] = []): number {
  let rule = opts.defaultRule ?? -1;
  if (rule < 0) rule = cw.findFirstRuleset(CEPH_PG_TYPE_REPLICATED);
  else if (!cw.rulesetExists(rule)) rule = -1;
  const failureDomain = cw.getTypeName(opts.chooseleafType ?? 1);
  if (failureDomain === undefined) {
    err.push(`no type ${opts.chooseleafType ?? 1} for the failure domain`);
    return -Errno.EINVAL;
  }
  const r = addSimpleRuleAt(cw, 'replicated_rule', root, failureDomain, '', 'firstn', CEPH_PG_TYPE_REPLICATED, rule, err);
  return r < 0 ? r : 0;
}

/**
 * OSDMap::build_simple_crush_map: types, an empty straw2 root "default", osd.0..N-1 (weight 1.0)
 * under host "localhost" / rack "localrack", and the replicated rule.
 */
export function buildSimpleCrushMap(nosd: number, opts: SimpleRuleOptions = {}): CrushWrapper {
  const cw = CrushWrapper.create();
  const rootType = buildCrushTypes(cw);
  const root = cw.addBucket(0, 0, CRUSH_HASH_DEFAULT, rootType, [], []);
  cw.setItemName(root.id, 'default');
  const loc = { host: 'localhost', rack: 'localrack', root: 'default' };
  for (let o = 0; o < nosd; o++) insertItem(cw, o, 1.0, `osd.${o}`, loc);
  buildSimpleCrushRules(cw, 'default', opts);
  cw.finalize();
  return cw;
}

/** One [osd.N] section of ceph.conf, as build_simple_crush_map_from_conf reads it. */
export interface ConfOsd {
  id: number;
  host?: string;
  rack?: string;
  row?: string;
  room?: string;
  datacenter?: string;
}

/** OSDMap::build_simple_crush_map_from_conf: OSDs placed by their ceph.conf host/rack/row/room/datacenter. */
export function buildSimpleCrushMapFromConf(osds: readonly ConfOsd[], opts: SimpleRuleOptions = {}): CrushWrapper {
  const cw = CrushWrapper.create();
  const rootType = buildCrushTypes(cw);
  const root = cw.addBucket(0, 0, CRUSH_HASH_DEFAULT, rootType, [], []);
  cw.setItemName(root.id, 'default');
  for (const o of osds) {
    const loc: Record<string, string> = { host: o.host || 'unknownhost', rack: o.rack || 'unknownrack' };
    if (o.row) loc.row = o.row;
    if (o.room) loc.room = o.room;
    if (o.datacenter) loc.datacenter = o.datacenter;
    loc.root = 'default';
    insertItem(cw, o.id, 1.0, `osd.${o.id}`, loc);
  }
  buildSimpleCrushRules(cw, 'default', opts);
  cw.finalize();
  return cw;
}

/** One `crushtool --build` layer: "name (uniform|list|tree|straw|straw2) size" (size 0 = everything). */
export interface BuildLayer {
  name: string;
  alg: string;
  size: number;
}

/** C's snprintf into a 20-byte buffer. */
function clip19(s: string): string {
  return s.length > 19 ? s.slice(0, 19) : s;
}

/**
 * `crushtool --build --num_osds N layer...`: devices osd.0..N-1, then for each layer buckets of
 * `size` items of the layer below, named <layer><i> (or <layer> when size is 0). Warnings (several
 * roots) go to `warn`; returns the map or a negative errno with the reason in `warn`.
 */
export function buildLayeredMap(numOsds: number, layers: readonly BuildLayer[], warn: string[] = []): CrushWrapper | number {
  if (!layers.length) {
    warn.push('must specify at least one layer');
    return -Errno.EINVAL;
  }
  const cw = CrushWrapper.create();
  cw.maxDevices = numOsds;
  let lowerItems: number[] = [];
  let lowerWeights: number[] = [];
  for (let i = 0; i < numOsds; i++) {
    lowerItems.push(i);
    lowerWeights.push(0x10000);
    cw.setItemName(i, `osd.${i}`);
  }
  cw.setTypeName(0, 'osd');
  let type = 1;
  for (const l of layers) {
    cw.setTypeName(type, l.name);
    const alg = bucketAlgByName(l.alg);
    if (alg < 0) {
      warn.push(`unknown bucket type '${l.alg}'`);
      return -Errno.EINVAL;
    }
    const curItems: number[] = [];
    const curWeights: number[] = [];
    let pos = 0;
    for (let i = 0; pos < lowerItems.length; i++) {
      const items: number[] = [];
      const weights: number[] = [];
      let weight = 0;
      for (let j = 0; (j < l.size || l.size === 0) && pos < lowerItems.length; j++) {
        items.push(lowerItems[pos]);
        weights.push(lowerWeights[pos]);
        weight = (weight + lowerWeights[pos]) | 0;
        pos++;
      }
      const { r, id } = cw.addBucket(0, alg, CRUSH_HASH_DEFAULT, type, items, weights);
      if (r < 0) {
        warn.push(` Couldn't add bucket: error ${r}`);
        return r;
      }
      const format = l.size ? clip19(`${l.name}%d`) : clip19(l.name);
      cw.setItemName(id, clip19(format.replace('%d', String(i))));
      curItems.push(id);
      curWeights.push(weight);
    }
    lowerItems = curItems;
    lowerWeights = curWeights;
    type++;
  }
  const last = layers[layers.length - 1];
  const root = last.size === 0 ? last.name : `${last.name}0`;
  const roots = cw.findRoots();
  if (roots.length > 1) {
    warn.push(
      `The crush rulesets will use the root ${root}\nand ignore the others.\nThere are ${roots.length} roots, they can be\n` +
        `grouped into a single root by appending something like:\n  root straw 0\n`,
    );
  }
  const r = buildSimpleCrushRules(cw, root, {}, warn);
  return r < 0 ? r : cw;
}
