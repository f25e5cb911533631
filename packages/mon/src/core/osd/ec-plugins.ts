/**
 * The erasure-code plugins as the monitor uses them (src/erasure-code/ErasureCodePlugin.cc and each
 * plugin's factory/init/parse): a profile is validated and completed with the plugin's defaults, and
 * the result tells the chunk counts, the chunk size for a stripe (get_chunk_size) and where the CRUSH
 * rule starts. No coding happens here; ts-mon only needs what shapes pools and rules. Messages are
 * Ceph's, written to a stream whose first line becomes the command's status (getline(ss, rs)).
 */
import { CephError, Errno, ErrnoName, cephError } from '@ts-ceph/common/core';

export type EcProfile = Map<string, string>;

/** Where Debian's ceph-mon looks for plugins (erasure_code_dir); part of its dlopen message. */
export const ERASURE_CODE_DIR = '/usr/lib/x86_64-linux-gnu/ceph/erasure-code';

/** The plugins a 16.2.15 mon preloads (osd_erasure_code_plugins); others say "load: X " once. */
export const PRELOADED_PLUGINS = ['jerasure', 'lrc', 'isa'];

/** jerasure's LARGEST_VECTOR_WORDSIZE and isa's EC_ISA_ADDRESS_ALIGNMENT, in bytes. */
const LARGEST_VECTOR_WORDSIZE = 16;
const EC_ISA_ADDRESS_ALIGNMENT = 32;
const INT_BYTES = 4;

export interface ErasureCode {
  plugin: string;
  /** Data chunks (get_data_chunk_count). */
  k: number;
  /** Coding chunks (get_coding_chunk_count). */
  m: number;
  /** All chunks (get_chunk_count): the size of an erasure pool. */
  chunkCount: number;
  /** get_chunk_size: the chunk size for an object (or stripe) of `objectSize` bytes. */
  chunkSize(objectSize: number): number;
  ruleRoot: string;
  ruleFailureDomain: string;
  ruleDeviceClass: string;
}

/** An ostream: text accumulates, and the first line is what a command replies with. */
export class Ss {
  text = '';
  put(s: string): this {
    this.text += s;
    return this;
  }
  line(s: string): this {
    return this.put(`${s}\n`);
  }
  firstLine(): string {
    return this.text.split('\n')[0]!;
  }
  fail(name: ErrnoName): CephError {
    return cephError(name, this.firstLine());
  }
}

/** operator<<(map<string,string>): "{a=1,b=2}" in key order. */
export function profileText(p: EcProfile): string {
  return `{${[...p.keys()].sort(byteOrder).map((k) => `${k}=${p.get(k)}`).join(',')}}`;
}

export function byteOrder(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

/** strict_strtol's verdict on a whole string. */
function strictInt(s: string): { n: number; err: string } {
  if (!/^[+-]?\d+$/.test(s)) return { n: 0, err: `Expected option value to be integer, got '${s}'` };
  return { n: Number(s), err: '' };
}

/** ErasureCode::to_int: an empty or missing value becomes the default (written into the profile). */
function toInt(p: EcProfile, name: string, dflt: string, ss: Ss): { v: number; bad: boolean } {
  if (!p.get(name)) p.set(name, dflt);
  const s = p.get(name)!;
  const r = strictInt(s);
  if (r.err) {
    ss.line(`could not convert ${name}=${s} to int because ${r.err}, set to default ${dflt}`);
    return { v: Number(dflt), bad: true };
  }
  return { v: r.n, bad: false };
}

function toBool(p: EcProfile, name: string, dflt: string): boolean {
  if (!p.get(name)) p.set(name, dflt);
  const s = p.get(name)!;
  return s === 'yes' || s === 'true';
}

/** ErasureCode::init's tail: the CRUSH rule's root, failure domain and device class. */
function ruleParams(p: EcProfile): Pick<ErasureCode, 'ruleRoot' | 'ruleFailureDomain' | 'ruleDeviceClass'> {
  const str = (name: string, dflt: string) => {
    if (!p.get(name)) p.set(name, dflt);
    return p.get(name)!;
  };
  return { ruleRoot: str('crush-root', 'default'), ruleFailureDomain: str('crush-failure-domain', 'host'), ruleDeviceClass: str('crush-device-class', '') };
}

/** ErasureCode::sanity_check_k_m */
function sanityKM(k: number, m: number, ss: Ss): boolean {
  if (k < 2) {
    ss.line(`k=${k} must be >= 2`);
    return false;
  }
  if (m < 1) {
    ss.line(`m=${m} must be >= 1`);
    return false;
  }
  return true;
}

const JERASURE_TECHNIQUES: Record<string, { k: string; m: string; w: string }> = {
  reed_sol_van: { k: '7', m: '3', w: '8' },
  reed_sol_r6_op: { k: '7', m: '2', w: '8' },
  cauchy_orig: { k: '7', m: '3', w: '8' },
  cauchy_good: { k: '7', m: '3', w: '8' },
  liberation: { k: '2', m: '2', w: '7' },
  blaum_roth: { k: '2', m: '2', w: '7' },
  liber8tion: { k: '2', m: '2', w: '8' },
};
const PRIMES_TO_257 = new Set([2, 3, 5, 7, 11, 13, 17, 19, 23, 29, 31, 37, 41, 43, 47, 53, 59, 61, 67, 71, 73, 79, 83, 89, 97, 101, 103, 107, 109, 113, 127, 131, 137, 139, 149, 151, 157, 163, 167, 173, 179, 181, 191, 193, 197, 199, 211, 223, 227, 229, 233, 239, 241, 251, 257]);

/** ErasureCodePluginJerasure::factory + ErasureCodeJerasure*::init/parse. */
function jerasure(p: EcProfile, ss: Ss): ErasureCode {
  const t = p.get('technique') ?? '';
  const d = JERASURE_TECHNIQUES[t];
  if (!d) {
    ss.put(`technique=${t} is not a valid coding technique.  Choose one of the following: reed_sol_van, reed_sol_r6_op, cauchy_orig, cauchy_good, liberation, blaum_roth, liber8tion`);
    throw ss.fail('ENOENT');
  }
  const k0 = toInt(p, 'k', d.k, ss);
  const m0 = toInt(p, 'm', d.m, ss);
  const w0 = toInt(p, 'w', d.w, ss);
  let [k, m, w] = [k0.v, m0.v, w0.v];
  let bad = k0.bad || m0.bad || w0.bad;
  const mapping = p.get('mapping');
  if (mapping !== undefined && mapping.length !== k + m) {
    ss.line(`mapping ${mapping} maps ${mapping.length} chunks instead of the expected ${k + m} and will be ignored`);
    bad = true;
  }
  if (!sanityKM(k, m, ss)) bad = true;
  let packetsize = 0;
  let perChunk = false;
  const wordSized = t === 'reed_sol_van' || t === 'reed_sol_r6_op';
  if (wordSized) {
    const name = t === 'reed_sol_van' ? 'ReedSolomonVandermonde' : 'ReedSolomonRAID6';
    if (t === 'reed_sol_r6_op' && m !== 2) {
      ss.line(`ReedSolomonRAID6: m=${m} must be 2 for RAID6: revert to 2`);
      bad = true;
    }
    if (w !== 8 && w !== 16 && w !== 32) {
      ss.line(t === 'reed_sol_van' ? `${name}: w=${w} must be one of {8, 16, 32} : revert to 8` : `${name}: w=${w} must be one of {8, 16, 32} : revert to 8 `);
      bad = true;
    }
    if (t === 'reed_sol_van') perChunk = toBool(p, 'jerasure-per-chunk-alignment', 'false');
  } else if (t === 'cauchy_orig' || t === 'cauchy_good') {
    const ps = toInt(p, 'packetsize', '2048', ss);
    packetsize = ps.v;
    bad ||= ps.bad;
    perChunk = toBool(p, 'jerasure-per-chunk-alignment', 'false');
  } else {
    if (t === 'liber8tion') {
      if (m !== 2) {
        ss.line(`liber8tion: m=${m} must be 2 for liber8tion: revert to 2`);
        bad = true;
      }
      if (w !== 8) {
        ss.line(`liber8tion: w=${w} must be 8 for liber8tion: revert to 8`);
        bad = true;
      }
    }
    const ps = toInt(p, 'packetsize', '2048', ss);
    packetsize = ps.v;
    bad ||= ps.bad;
    let error = false;
    if (k > w) {
      ss.line(`k=${k} must be less than or equal to w=${w}`);
      error = true;
    }
    if (t !== 'liber8tion') {
      const okW = t === 'blaum_roth' ? w === 7 || (w > 2 && PRIMES_TO_257.has(w + 1)) : w > 2 && PRIMES_TO_257.has(w);
      if (!okW) {
        ss.line(t === 'blaum_roth' ? `w=${w} must be greater than two and w+1 must be prime` : `w=${w} must be greater than two and be prime`);
        error = true;
      }
    }
    if (packetsize === 0) {
      ss.line(`packetsize=${packetsize} must be set`);
      error = true;
    } else if (t !== 'liber8tion' && packetsize % INT_BYTES !== 0) {
      ss.line(`packetsize=${packetsize} must be a multiple of sizeof(int) = 4`);
      error = true;
    }
    if (error) {
      ss.line(`reverting to k=${d.k}, w=${d.w}, packetsize=2048`);
      p.set('k', d.k).set('w', d.w).set('packetsize', '2048');
      [k, w, packetsize] = [Number(d.k), Number(d.w), 2048];
      bad = true;
    }
  }
  if (bad) throw ss.fail('EINVAL');
  const alignment = (): number => {
    if (wordSized) {
      if (perChunk) return w * LARGEST_VECTOR_WORDSIZE;
      return (w * INT_BYTES) % LARGEST_VECTOR_WORDSIZE ? k * w * LARGEST_VECTOR_WORDSIZE : k * w * INT_BYTES;
    }
    if (perChunk) {
      const a = w * packetsize;
      return a % LARGEST_VECTOR_WORDSIZE ? a + LARGEST_VECTOR_WORDSIZE - (a % LARGEST_VECTOR_WORDSIZE) : a;
    }
    return (w * packetsize * INT_BYTES) % LARGEST_VECTOR_WORDSIZE ? k * w * packetsize * LARGEST_VECTOR_WORDSIZE : k * w * packetsize * INT_BYTES;
  };
  const chunkSize = (objectSize: number): number => {
    const a = alignment();
    if (perChunk) {
      const c = Math.ceil(objectSize / k);
      return c % a ? c + a - (c % a) : c;
    }
    const tail = objectSize % a;
    return (objectSize + (tail ? a - tail : 0)) / k;
  };
  return { plugin: 'jerasure', k, m, chunkCount: k + m, chunkSize, ...ruleParams(p) };
}

/**
 * The technique of isa and shec: the plugin's default when the profile has none (the profile gains
 * it); one the plugin does not know is ENOENT, listing the choices in the plugin's own words.
 */
function pluginTechnique(p: EcProfile, ss: Ss, fallback: string, allowed: readonly string[], choices: string): string {
  if (!p.has('technique')) p.set('technique', fallback);
  const t = p.get('technique')!;
  if (!allowed.includes(t)) {
    ss.line(`technique=${t} is not a valid coding technique.  Choose one of the following: ${choices}`);
    throw ss.fail('ENOENT');
  }
  return t;
}

/** ErasureCodePluginIsa::factory + ErasureCodeIsaDefault::parse. */
function isa(p: EcProfile, ss: Ss): ErasureCode {
  const t = pluginTechnique(p, ss, 'reed_sol_van', ['reed_sol_van', 'cauchy'], 'reed_sol_van,cauchy');
  const k0 = toInt(p, 'k', '7', ss);
  const m0 = toInt(p, 'm', '3', ss);
  let [k, m] = [k0.v, m0.v];
  let bad = k0.bad || m0.bad || !sanityKM(k, m, ss);
  if (t === 'reed_sol_van') {
    if (k > 32) {
      ss.line(`Vandermonde: m=${m} should be less/equal than 32 : revert to k=32`);
      [k, bad] = [32, true];
    }
    if (m > 4) {
      ss.line(`Vandermonde: m=${m} should be less than 5 to guarantee an MDS codec: revert to m=4`);
      [m, bad] = [4, true];
    }
    if (m === 4 && k > 21) {
      ss.line(`Vandermonde: k=${k} should be less than 22 to guarantee an MDS codec with m=4: revert to k=21`);
      [k, bad] = [21, true];
    }
  }
  if (bad) throw ss.fail('EINVAL');
  const chunkSize = (objectSize: number): number => {
    const c = Math.ceil(objectSize / k);
    const mod = c % EC_ISA_ADDRESS_ALIGNMENT;
    return mod ? c + EC_ISA_ADDRESS_ALIGNMENT - mod : c;
  };
  return { plugin: 'isa', k, m, chunkCount: k + m, chunkSize, ...ruleParams(p) };
}

/**
 * shec (ErasureCodeShecReedSolomonVandermonde::parse): its complaints go to the daemon's log, not
 * the reply, so a bad (k, m, c) is EINVAL with an empty message. The profile gains technique and
 * the rule parameters.
 */
function shec(p: EcProfile, ss: Ss): ErasureCode {
  pluginTechnique(p, ss, 'multiple', ['single', 'multiple'], 'single, multiple ');
  const has = ['k', 'm', 'c'].filter((x) => p.has(x)).length;
  let [k, m, c] = [4, 3, 2];
  if (has === 3) {
    const v = ['k', 'm', 'c'].map((x) => strictInt(p.get(x)!));
    if (v.some((x) => x.err)) throw ss.fail('EINVAL');
    [k, m, c] = v.map((x) => x.n) as [number, number, number];
    if (k <= 0 || m <= 0 || c <= 0 || m < c || k > 12 || k + m > 20 || k < m) throw ss.fail('EINVAL');
  } else if (has !== 0) throw ss.fail('EINVAL');
  const w = 8;
  const alignment = k * w * INT_BYTES;
  const chunkSize = (objectSize: number): number => {
    const tail = objectSize % alignment;
    return (objectSize + (tail ? alignment - tail : 0)) / k;
  };
  return { plugin: 'shec', k, m, chunkCount: k + m, chunkSize, ...ruleParams(p) };
}

/** clay (ErasureCodeClay::parse): d defaults to k+m-1 and must lie in [k+1, k+m-1]. */
function clay(p: EcProfile, ss: Ss): ErasureCode {
  const k0 = toInt(p, 'k', '4', ss);
  const m0 = toInt(p, 'm', '2', ss);
  const [k, m] = [k0.v, m0.v];
  let bad = k0.bad || m0.bad || !sanityKM(k, m, ss);
  const d0 = toInt(p, 'd', String(k + m - 1), ss);
  const d = d0.v;
  bad ||= d0.bad;
  if (!bad && (d < k + 1 || d > k + m - 1)) {
    ss.line(`value of d ${d} must be within [ ${k + 1},${k + m - 1}]`);
    bad = true;
  }
  if (bad) throw ss.fail('EINVAL');
  return { plugin: 'clay', k, m, chunkCount: k + m, chunkSize: () => 0, ...ruleParams(p) };
}

/** lrc in its k/m/l form (ErasureCodeLrc::parse_kml): k+m must be a multiple of l. */
function lrc(p: EcProfile, ss: Ss): ErasureCode {
  const given = ['k', 'm', 'l'].filter((x) => p.has(x));
  if (given.length !== 3) {
    ss.line(`All of k, m, l must be set or none of them in ${profileText(p)}`);
    throw ss.fail('EINVAL');
  }
  const [k, m, l] = ['k', 'm', 'l'].map((x) => strictInt(p.get(x)!).n) as [number, number, number];
  if (l === 0 || (k + m) % l) {
    ss.line(`k + m must be a multiple of l in ${profileText(p)}`);
    throw ss.fail('EINVAL');
  }
  return { plugin: 'lrc', k, m, chunkCount: k + m + (k + m) / l, chunkSize: () => 0, ...ruleParams(p) };
}

const PLUGINS: Record<string, (p: EcProfile, ss: Ss) => ErasureCode> = { jerasure, isa, shec, clay, lrc };

/** Plugins whose pools ts-mon creates (the rest are accepted in profiles only). */
export const POOL_PLUGINS = new Set(['jerasure', 'isa', 'shec']);

/**
 * ErasureCodePluginRegistry::factory: load the plugin (`loaded` remembers which ones this daemon
 * has loaded, as the "load: NAME " line is written only the first time) and let it validate and
 * complete `profile` in place. Throws with the stream's first line.
 */
export function erasureCodeFactory(plugin: string, profile: EcProfile, loaded: Set<string>, ss = new Ss()): ErasureCode {
  const make = PLUGINS[plugin];
  if (!make) {
    const fname = `${ERASURE_CODE_DIR}/libec_${plugin}.so`;
    ss.put(`load dlopen(${fname}): ${fname}: cannot open shared object file: No such file or directory`);
    throw ss.fail('EIO');
  }
  if (!loaded.has(plugin)) {
    loaded.add(plugin);
    ss.put(`load: ${plugin} `);
  }
  try {
    return make(profile, ss);
  } catch (e) {
    if (e instanceof CephError) throw e;
    throw cephError('EINVAL', ss.firstLine());
  }
}

/** The errno of a thrown CephError (for callers that keep Ceph's switch on the return code). */
export function errnoOf(e: unknown): number {
  return e instanceof CephError ? e.errno : Errno.EINVAL;
}
