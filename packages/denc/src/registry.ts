import { Reader } from './reader';
import { Writer } from './writer';
import { CEPH_FEATURES_ALL } from './features';

/**
 * The one registry of wire types (STYLE §3, after Ceph's ceph-dencoder). Each Ceph type we encode is
 * registered once, under the name the Ceph object corpus uses for its directory
 * (`ceph-object-corpus/<version>/objects/<name>/`), with its codec, a JSON view and hand-built sample
 * instances. test/unit/corpus.test.ts round-trips every entry against every corpus sample, and
 * test/unit/fuzz.test.ts feeds every decoder mutated samples.
 */
export interface WireType<T = unknown> {
  /** Ceph's type name, exactly as the corpus directory is named (e.g. "entity_addr_t", "MonMap"). */
  readonly name: string;
  decode(r: Reader): T;
  encode(w: Writer, v: T): void;
  /** A JSON-safe view (bigints as strings, buffers as hex) for dumps and test diffs. */
  toJSON?(v: T): unknown;
  /** Hand-built instances: each must encode, decode and re-encode identically. */
  samples(): T[];
  /** Features to encode corpus samples with; Ceph's dencoder uses CEPH_FEATURES_SUPPORTED_DEFAULT. */
  readonly features?: bigint;
  /**
   * 'exact': re-encoding a decoded 16.2.0 sample gives the original bytes (Ceph's encoding is
   * deterministic). 'stable': Ceph's own encoding is not deterministic for this type (unordered
   * containers, uninitialised padding), so the test checks decode(encode(decode(x))) instead; `reason` says why.
   */
  readonly roundTrip?: 'exact' | 'stable';
  readonly reason?: string;
  /** Package that registered it (for test output). */
  readonly owner?: string;
}

class Registry {
  private readonly types = new Map<string, WireType<unknown>>();

  add<T>(t: WireType<T>): WireType<T> {
    if (this.types.has(t.name)) throw new Error(`wire type ${t.name} registered twice`);
    this.types.set(t.name, t as WireType<unknown>);
    return t;
  }
  get(name: string): WireType<unknown> | undefined {
    return this.types.get(name);
  }
  all(): WireType<unknown>[] {
    return [...this.types.values()].sort((a, b) => a.name.localeCompare(b.name));
  }
}

export const wireTypes = new Registry();

export function registerType<T>(t: WireType<T>): WireType<T> {
  return wireTypes.add(t);
}

/** What a registration may add to the name, codec and samples. */
export type WireTypeExtras<T> = Pick<WireType<T>, 'toJSON' | 'features' | 'roundTrip' | 'reason'>;

/**
 * One package's registrations, one line each as in Ceph's dencoder table (TYPE(name) in
 * common_types.h): the returned function registers a type under `owner`. Decoders are called with the
 * reader alone, so a decoder's optional field-name argument keeps its default; the type is the
 * decoder's (the samples are checked against it, not inferred from).
 */
export function wireTypeTable(owner: string) {
  return function wireType<T>(
    name: string,
    decode: (r: Reader) => T,
    encode: (w: Writer, v: T) => void,
    samples: () => NoInfer<T>[],
    extras: WireTypeExtras<NoInfer<T>> = {},
  ): WireType<T> {
    return registerType<T>({ name, owner, decode: (r) => decode(r), encode, samples, ...extras });
  };
}

/** Encode `v` as type `t` with `features` (default: all) and return the bytes. */
export function encodeType<T>(t: WireType<T>, v: T, features: bigint = t.features ?? CEPH_FEATURES_ALL): Buffer {
  const w = new Writer(features);
  t.encode(w, v);
  return w.finish();
}

/** Decode a whole buffer as type `t`; stray trailing bytes are an error, as in ceph-dencoder. */
export function decodeType<T>(t: WireType<T>, buf: Uint8Array): T {
  const r = new Reader(buf);
  const v = t.decode(r);
  r.expectEnd(t.name);
  return v;
}

/** JSON.stringify that renders bigints as decimal strings and Buffers as hex. */
export function toJSONSafe(v: unknown): unknown {
  return JSON.parse(
    JSON.stringify(v, function (this: unknown, _k, x: unknown) {
      if (typeof x === 'bigint') return x.toString();
      if (x && typeof x === 'object' && (x as { type?: string }).type === 'Buffer' && Array.isArray((x as { data?: unknown }).data)) {
        return Buffer.from((x as { data: number[] }).data).toString('hex');
      }
      if (x instanceof Map) return Object.fromEntries([...x.entries()].map(([a, b]) => [String(a), b]));
      if (x instanceof Set) return [...x];
      return x;
    }),
  );
}
