import { Reader } from '../reader';
import { Writer } from '../writer';

/**
 * utime_t (src/include/utime.h): le32 seconds + le32 nanoseconds since the epoch. Also the wire form of
 * ceph_timespec and of ceph::real_time in most structures.
 */
export interface UTime {
  sec: number;
  nsec: number;
}

export const UTIME_ZERO: UTime = Object.freeze({ sec: 0, nsec: 0 });

export function decodeUTime(r: Reader, field = 'utime'): UTime {
  return r.within(field, () => {
    const sec = r.u32('sec');
    const nsec = r.u32('nsec');
    return { sec, nsec };
  });
}

export function encodeUTime(w: Writer, t: UTime): void {
  w.u32(t.sec >>> 0).u32(t.nsec >>> 0);
}

export function utimeFromMs(ms: number): UTime {
  const sec = Math.floor(ms / 1000);
  return { sec, nsec: Math.round((ms - sec * 1000) * 1e6) };
}

export function utimeToMs(t: UTime): number {
  return t.sec * 1000 + t.nsec / 1e6;
}

/** Ceph's text form: "2024-01-02T03:04:05.678901+0000" (utime_t::localtime with UTC, microseconds). */
export function formatUTime(t: UTime): string {
  const d = new Date(t.sec * 1000);
  const iso = d.toISOString().slice(0, 19);
  return `${iso}.${String(Math.floor(t.nsec / 1000)).padStart(6, '0')}+0000`;
}

/** utime_t compare: negative, zero or positive. */
export function compareUTime(a: UTime, b: UTime): number {
  return a.sec - b.sec || a.nsec - b.nsec;
}
