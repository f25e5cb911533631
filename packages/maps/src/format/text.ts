import { compareStringBytes, UTime } from '@ts-ceph/denc';

/**
 * Ceph's ostream<< forms that the map dumps and prints use (src/include/utime.h, src/include/types.h).
 */

/** utime_t values below ten years are printed as relative seconds ("5.000006"). */
const RELATIVE_SECONDS_MAX = 60 * 60 * 24 * 365 * 10;

function pad(n: number, w: number): string {
  return String(n).padStart(w, '0');
}

function stamp(t: UTime): string {
  const d = new Date(t.sec * 1000);
  return (
    `${pad(d.getUTCFullYear(), 4)}-${pad(d.getUTCMonth() + 1, 2)}-${pad(d.getUTCDate(), 2)}T` +
    `${pad(d.getUTCHours(), 2)}:${pad(d.getUTCMinutes(), 2)}:${pad(d.getUTCSeconds(), 2)}.${pad(Math.floor(t.nsec / 1000), 6)}`
  );
}

/**
 * utime_t::localtime (what `out << utime` prints): "2026-11-22T10:46:09.535601+0000". Protocol code has
 * no time zone, so this is the UTC form, which is what a daemon or tool running with TZ=UTC prints.
 */
export function utimeLocal(t: UTime): string {
  if (t.sec < RELATIVE_SECONDS_MAX) return `${t.sec}.${pad(Math.floor(t.nsec / 1000), 6)}`;
  return `${stamp(t)}+0000`;
}

/** utime_t::gmtime: "2026-11-22T10:46:09.425218Z" (MonMap::dump uses this form). */
export function utimeGm(t: UTime): string {
  if (t.sec < RELATIVE_SECONDS_MAX) return `${t.sec}.${pad(Math.floor(t.nsec / 1000), 6)}`;
  return `${stamp(t)}Z`;
}

/** operator<< for std::vector / std::set / std::list: "[a,b,c]". */
export function printList<T>(v: Iterable<T>, item: (x: T) => string = String): string {
  return `[${[...v].map(item).join(',')}]`;
}

/** operator<< for std::map: "{k=v,k2=v2}". */
export function printMap<K, V>(m: Iterable<readonly [K, V]>, key: (k: K) => string = String, val: (v: V) => string = String): string {
  return `{${[...m].map(([k, v]) => `${key(k)}=${val(v)}`).join(',')}}`;
}

/** Compare strings as std::string operator< does (bytewise: denc's string-bytes.ts). */
export function cmpStr(a: string, b: string): number {
  return compareStringBytes(a, b);
}

/** Sort strings as a std::set<std::string> iterates them. */
export function sortedStrings(v: Iterable<string>): string[] {
  return [...v].sort(cmpStr);
}

/** A string-keyed map's entries in std::map order. */
export function sortedByName<V>(m: ReadonlyMap<string, V> | Iterable<readonly [string, V]>): [string, V][] {
  return [...(m instanceof Map ? m.entries() : m)].map(([k, v]) => [k, v] as [string, V]).sort((a, b) => cmpStr(a[0], b[0]));
}
