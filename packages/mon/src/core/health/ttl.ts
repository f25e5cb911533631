/** parse_timespan for `health mute <code> <ttl>`: "30", "10m", "1h 30m"; 0 for anything unparsable. */
export function parseTimespanSeconds(s: string): number {
  const units: Record<string, number> = { s: 1, sec: 1, second: 1, seconds: 1, m: 60, min: 60, minute: 60, minutes: 60, h: 3600, hr: 3600, hour: 3600, hours: 3600, d: 86400, day: 86400, days: 86400, w: 604800, wk: 604800, week: 604800, weeks: 604800, mo: 2592000, month: 2592000, months: 2592000, y: 31536000, yr: 31536000, year: 31536000, years: 31536000 };
  let total = 0;
  const re = /\s*(\d+)\s*([a-z]*)/gy;
  let pos = 0;
  let m: RegExpExecArray | null;
  while (pos < s.length && (m = re.exec(s))) {
    pos = re.lastIndex;
    const mult = m[2] ? units[m[2]] : 1;
    if (mult === undefined) return 0;
    total += Number(m[1]) * mult;
  }
  return pos === s.length ? total : 0;
}
