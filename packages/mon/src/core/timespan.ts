/**
 * timespan_str / utimespan_str (src/common/ceph_time.cc): the coarse ages Ceph prints ("12s", "4m",
 * "2h", "3d", "2w", "5M", "1y"); under two seconds a float with ostream's default precision.
 */
import { formatG } from '@ts-ceph/maps';

export function timespanStr(ms: number): string {
  const nsec = Math.max(0, Math.round(ms * 1e6));
  if (nsec < 2_000_000_000) return `${formatG(Math.fround(nsec / 1e9))}s`;
  const sec = Math.floor(nsec / 1e9);
  if (sec < 120) return `${sec}s`;
  const min = Math.floor(sec / 60);
  if (min < 120) return `${min}m`;
  const hr = Math.floor(min / 60);
  if (hr < 48) return `${hr}h`;
  const day = Math.floor(hr / 24);
  if (day < 14) return `${day}d`;
  const wk = Math.floor(day / 7);
  if (wk < 12) return `${wk}w`;
  const mn = Math.floor(day / 30);
  if (mn < 24) return `${mn}M`;
  return `${Math.floor(day / 365)}y`;
}
