/**
 * The CrushWrapper binary encoding (src/crush/CrushWrapper.cc encode/decode): the crushmap file format
 * of crushtool and the crush section of OSDMap. There is no ENCODE_START envelope; optional tails are
 * detected by end of input, and the tunables5 / luminous parts depend on the peer's features exactly
 * as in Ceph. Decoding finishes like Ceph's: choose_args are sanitised and max_devices recomputed.
 */
import { cephError } from '@ts-ceph/common/core';
import { featureBit, hasFeature, Reader, Writer } from '@ts-ceph/denc';
import { updateChooseArgs } from './choose-args';
import { crushLimits } from './limits';
import {
  CRUSH_BUCKET_LIST,
  CRUSH_BUCKET_STRAW,
  CRUSH_BUCKET_STRAW2,
  CRUSH_BUCKET_TREE,
  CRUSH_BUCKET_UNIFORM,
  CRUSH_MAGIC,
  CrushBucket,
  CrushChooseArgMap,
  CrushRule,
  DEFAULT_CHOOSE_ARGS,
  emptyChooseArg,
  newBucket,
} from './types';
import { CrushWrapper, sortedEntries } from './wrapper';

/** has_incompat_choose_args: choose_args that cannot be folded into the straw2 weights for old peers. */
export function hasIncompatChooseArgs(cw: CrushWrapper): boolean {
  if (cw.chooseArgs.size === 0) return false;
  if (cw.chooseArgs.size > 1) return true;
  const [[key, cmap]] = [...cw.chooseArgs.entries()];
  if (key !== DEFAULT_CHOOSE_ARGS) return true;
  for (const a of cmap) {
    if (a.weightSet.length === 0 && a.ids.length === 0) continue;
    if (a.weightSet.length !== 1 || a.ids.length !== 0) return true;
  }
  return false;
}

function encodeBucket(w: Writer, b: CrushBucket, compatWeights: number[] | undefined): void {
  w.u32(b.alg);
  w.i32(b.id).u16(b.type).u8(b.alg).u8(b.hash).u32(b.weight >>> 0).u32(b.items.length);
  for (const it of b.items) w.i32(it);
  switch (b.alg) {
    case CRUSH_BUCKET_UNIFORM:
      w.u32(b.itemWeight >>> 0);
      break;
    case CRUSH_BUCKET_LIST:
      for (let j = 0; j < b.items.length; j++) w.u32(b.itemWeights[j] >>> 0).u32(b.sumWeights[j] >>> 0);
      break;
    case CRUSH_BUCKET_TREE:
      w.u8(b.numNodes & 0xff);
      for (let j = 0; j < (b.numNodes & 0xff); j++) w.u32((b.nodeWeights[j] ?? 0) >>> 0);
      break;
    case CRUSH_BUCKET_STRAW:
      for (let j = 0; j < b.items.length; j++) w.u32(b.itemWeights[j] >>> 0).u32(b.straws[j] >>> 0);
      break;
    case CRUSH_BUCKET_STRAW2: {
      const ws = compatWeights ?? b.itemWeights;
      for (let j = 0; j < b.items.length; j++) w.u32((ws[j] ?? 0) >>> 0);
      break;
    }
    default:
      throw cephError('EINVAL', `crush bucket ${b.id} has unknown algorithm ${b.alg}`);
  }
}

function encodeStringMap(w: Writer, m: ReadonlyMap<number, string>): void {
  w.pairs(sortedEntries(m), (w, k) => w.i32(k), (w, v) => w.string(v));
}

/** CrushWrapper::encode(bl, features) */
export function encodeCrushWrapper(w: Writer, cw: CrushWrapper): void {
  const features = w.features;
  w.u32(CRUSH_MAGIC);
  w.i32(cw.buckets.length).u32(cw.rules.length).i32(cw.maxDevices);

  // Peers without CRUSH_CHOOSE_ARGS get the default weight set folded into the straw2 weights.
  let compat: CrushChooseArgMap | undefined;
  if (cw.chooseArgs.size > 0 && !hasFeature(features, 'CRUSH_CHOOSE_ARGS')) {
    if (hasIncompatChooseArgs(cw)) throw cephError('EINVAL', 'choose_args cannot be encoded for a peer without CRUSH_CHOOSE_ARGS');
    compat = sortedEntries(cw.chooseArgs)[0][1];
  }
  cw.buckets.forEach((b, i) => {
    if (!b) {
      w.u32(0);
      return;
    }
    const arg = compat?.[i];
    encodeBucket(w, b, arg && arg.weightSet.length > 0 ? arg.weightSet[0] : undefined);
  });

  for (const r of cw.rules) {
    w.u32(r ? 1 : 0);
    if (!r) continue;
    w.u32(r.steps.length).u8(r.ruleset).u8(r.type).u8(r.minSize).u8(r.maxSize);
    for (const s of r.steps) w.u32(s.op >>> 0).i32(s.arg1).i32(s.arg2);
  }

  encodeStringMap(w, cw.typeMap);
  encodeStringMap(w, cw.nameMap);
  encodeStringMap(w, cw.ruleNameMap);

  const t = cw.tunables;
  w.u32(t.chooseLocalTries >>> 0).u32(t.chooseLocalFallbackTries >>> 0).u32(t.chooseTotalTries >>> 0).u32(t.chooseleafDescendOnce >>> 0);
  w.u8(t.chooseleafVaryR & 0xff).u8(t.strawCalcVersion & 0xff).u32(t.allowedBucketAlgs >>> 0);
  // A plain bit test in Ceph (features & CEPH_FEATURE_CRUSH_TUNABLES5), not HAVE_FEATURE.
  if (features & featureBit('CRUSH_TUNABLES5')) w.u8(t.chooseleafStable & 0xff);

  if (!hasFeature(features, 'SERVER_LUMINOUS')) return;
  w.pairs(sortedEntries(cw.classMap), (w, k) => w.i32(k), (w, v) => w.i32(v));
  encodeStringMap(w, cw.className);
  w.pairs(
    sortedEntries(cw.classBucket),
    (w, k) => w.i32(k),
    (w, m) => w.pairs(sortedEntries(m), (w, k) => w.i32(k), (w, v) => w.i32(v)),
  );
  w.u32(cw.chooseArgs.size);
  for (const [index, cmap] of sortedEntries(cw.chooseArgs)) {
    w.i64(index);
    const used = cmap.map((a, i) => [a, i] as const).filter(([a]) => a.weightSet.length !== 0 || a.ids.length !== 0);
    w.u32(used.length);
    for (const [a, i] of used) {
      w.u32(i).u32(a.weightSet.length);
      for (const ws of a.weightSet) {
        w.u32(ws.length);
        for (const x of ws) w.u32(x >>> 0);
      }
      w.u32(a.ids.length);
      for (const id of a.ids) w.i32(id);
    }
  }
}

function limitedCount(r: Reader, field: string, max: number, minBytes: number): number {
  const n = r.u32(field);
  if (n > max) r.fail('DENC_LIMIT', `${field} ${n} over limit ${max}`, field);
  if (n * minBytes > r.remaining()) r.fail('DENC_SHORT', `${field} ${n} cannot fit in ${r.remaining()} bytes`, field);
  return n;
}

function decodeBucket(r: Reader, slot: number): CrushBucket | null {
  const alg32 = r.u32('alg');
  if (alg32 === 0) return null;
  if (alg32 < CRUSH_BUCKET_UNIFORM || alg32 > CRUSH_BUCKET_STRAW2) r.fail('DENC_MALFORMED', `unsupported bucket algorithm: ${alg32 | 0}`, 'alg');
  const id = r.i32('id');
  const type = r.u16('type');
  const alg = r.u8('alg');
  const hash = r.u8('hash');
  const b = newBucket(id, alg, hash, type);
  b.weight = r.u32('weight');
  const size = limitedCount(r, 'size', crushLimits.bucketItemsMax, 4);
  for (let j = 0; j < size; j++) b.items.push(r.i32('items'));
  switch (alg) {
    case CRUSH_BUCKET_UNIFORM:
      b.itemWeight = r.u32('item_weight');
      break;
    case CRUSH_BUCKET_LIST:
      r.need(size * 8, 'item_weights');
      for (let j = 0; j < size; j++) {
        b.itemWeights.push(r.u32());
        b.sumWeights.push(r.u32());
      }
      break;
    case CRUSH_BUCKET_TREE: {
      b.numNodes = r.u8('num_nodes');
      r.need(b.numNodes * 4, 'node_weights');
      for (let j = 0; j < b.numNodes; j++) b.nodeWeights.push(r.u32());
      break;
    }
    case CRUSH_BUCKET_STRAW:
      r.need(size * 8, 'item_weights');
      for (let j = 0; j < size; j++) {
        b.itemWeights.push(r.u32());
        b.straws.push(r.u32());
      }
      break;
    case CRUSH_BUCKET_STRAW2:
      r.need(size * 4, 'item_weights');
      for (let j = 0; j < size; j++) b.itemWeights.push(r.u32());
      break;
    default:
      r.fail('DENC_MALFORMED', `bucket in slot ${slot} has unknown algorithm ${alg}`, 'alg');
  }
  return b;
}

function decodeRule(r: Reader): CrushRule | null {
  if (r.u32('yes') === 0) return null;
  const len = limitedCount(r, 'len', crushLimits.ruleStepsMax, 12);
  const rule: CrushRule = { ruleset: r.u8('ruleset'), type: r.u8('type'), minSize: r.u8('min_size'), maxSize: r.u8('max_size'), steps: [] };
  for (let j = 0; j < len; j++) rule.steps.push({ op: r.u32('op'), arg1: r.i32('arg1'), arg2: r.i32('arg2') });
  return rule;
}

/** decode_32_or_64_string_map: keys were once encoded as 64 bits; a zero "length" means skip 4 bytes. */
function decodeStringMap(r: Reader, field: string): Map<number, string> {
  const m = new Map<number, string>();
  const n = limitedCount(r, field, crushLimits.bucketItemsMax, 8);
  for (let i = 0; i < n; i++) {
    const key = r.i32(field);
    let len = r.u32(field);
    if (len === 0) len = r.u32(field);
    m.set(key, r.bytes(len, field).toString('utf8'));
  }
  return m;
}

function decodeChooseArgs(r: Reader, cw: CrushWrapper): void {
  const count = limitedCount(r, 'choose_args', crushLimits.chooseArgsMax, 12);
  for (let i = 0; i < count; i++) {
    const index = r.i64n('choose_args_index');
    const cmap: CrushChooseArgMap = cw.buckets.map(() => emptyChooseArg());
    const size = limitedCount(r, 'choose_arg_map.size', crushLimits.bucketsMax, 12);
    for (let j = 0; j < size; j++) {
      const bi = r.u32('bucket_index');
      if (bi >= cmap.length) r.fail('DENC_MALFORMED', `choose_args bucket index ${bi} >= max_buckets ${cmap.length}`, 'bucket_index');
      const arg = cmap[bi];
      const positions = limitedCount(r, 'weight_set_positions', crushLimits.weightSetPositionsMax, 4);
      arg.weightSet = [];
      for (let k = 0; k < positions; k++) {
        const n = limitedCount(r, 'weight_set.size', crushLimits.bucketItemsMax, 4);
        const ws: number[] = [];
        for (let l = 0; l < n; l++) ws.push(r.u32());
        arg.weightSet.push(ws);
      }
      const idsSize = limitedCount(r, 'ids_size', crushLimits.bucketItemsMax, 4);
      arg.ids = [];
      if (idsSize) {
        const b = cw.buckets[bi];
        if (!b || idsSize !== b.items.length) r.fail('DENC_MALFORMED', `choose_args ids_size ${idsSize} does not match bucket ${-1 - bi}`, 'ids_size');
        for (let k = 0; k < idsSize; k++) arg.ids.push(r.i32('ids'));
      }
    }
    cw.chooseArgs.set(index, cmap);
  }
}

/** CrushWrapper::decode: a fresh CrushWrapper from the input (legacy tunables unless the map has its own). */
export function decodeCrushWrapper(r: Reader): CrushWrapper {
  return r.within('CrushWrapper', () => {
    const cw = new CrushWrapper();
    if (r.u32('magic') !== CRUSH_MAGIC) r.fail('DENC_MALFORMED', 'bad magic number', 'magic');
    const maxBuckets = r.i32('max_buckets');
    const maxRules = r.u32('max_rules');
    cw.maxDevices = r.i32('max_devices');
    if (maxBuckets < 0 || maxBuckets > crushLimits.bucketsMax) r.fail('DENC_LIMIT', `max_buckets ${maxBuckets} outside 0..${crushLimits.bucketsMax}`, 'max_buckets');
    if (maxRules > crushLimits.rulesMax) r.fail('DENC_LIMIT', `max_rules ${maxRules} over limit ${crushLimits.rulesMax}`, 'max_rules');
    if (maxBuckets * 4 + maxRules * 4 > r.remaining()) r.fail('DENC_SHORT', `${maxBuckets} buckets and ${maxRules} rules cannot fit in ${r.remaining()} bytes`);
    cw.setTunables('legacy');
    for (let i = 0; i < maxBuckets; i++) cw.buckets.push(r.within(`buckets[${i}]`, () => decodeBucket(r, i)));
    for (let i = 0; i < maxRules; i++) cw.rules.push(r.within(`rules[${i}]`, () => decodeRule(r)));
    cw.typeMap = decodeStringMap(r, 'type_map');
    cw.nameMap = decodeStringMap(r, 'name_map');
    cw.ruleNameMap = decodeStringMap(r, 'rule_name_map');
    const t = cw.tunables;
    if (r.remaining()) {
      t.chooseLocalTries = r.u32('choose_local_tries');
      t.chooseLocalFallbackTries = r.u32('choose_local_fallback_tries');
      t.chooseTotalTries = r.u32('choose_total_tries');
    }
    if (r.remaining()) t.chooseleafDescendOnce = r.u32('chooseleaf_descend_once');
    if (r.remaining()) t.chooseleafVaryR = r.u8('chooseleaf_vary_r');
    if (r.remaining()) t.strawCalcVersion = r.u8('straw_calc_version');
    if (r.remaining()) t.allowedBucketAlgs = r.u32('allowed_bucket_algs');
    if (r.remaining()) t.chooseleafStable = r.u8('chooseleaf_stable');
    if (r.remaining()) {
      cw.classMap = r.map('class_map', (r) => r.i32(), (r) => r.i32(), 8);
      cw.className = r.map('class_name', (r) => r.i32(), (r) => r.string(), 8);
      cw.classBucket = r.map('class_bucket', (r) => r.i32(), (r) => r.map('class_bucket.value', (r) => r.i32(), (r) => r.i32(), 8), 8);
    }
    if (r.remaining()) decodeChooseArgs(r, cw);
    updateChooseArgs(cw);
    cw.finalize();
    return cw;
  });
}
