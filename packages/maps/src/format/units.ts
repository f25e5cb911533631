/**
 * Ceph's human-readable numbers (src/include/types.h): byte_u_t ("4.0 KiB", "938 MiB"), si_u_t
 * ("1.2k"), percentify ("0", "12.34").
 */
function formatU(v: number, n: number, index: number, mult: number, unit: string): string {
  if (index === 0 || v % mult === 0) return `${n}${unit}`;
  for (let i = 2; i >= 0; i--) {
    const s = `${(v / mult).toFixed(i)}${unit}`;
    if (s.length <= 7 || i === 0) return s;
  }
  return `${n}${unit}`;
}

export function byteU(v: number): string {
  const units = [' B', ' KiB', ' MiB', ' GiB', ' TiB', ' PiB', ' EiB'];
  let n = v;
  let index = 0;
  while (n >= 1024 && index < 6) {
    n = Math.floor(n / 1024);
    index++;
  }
  return formatU(v, n, index, 2 ** (10 * index), units[index]!);
}

export function siU(v: number): string {
  // No space before the prefix (unlike byte_u_t's " KiB"): 16.2.15 prints "2k objects", "1.22k op/s wr".
  const units = ['', 'k', 'M', 'G', 'T', 'P', 'E'];
  let n = v;
  let index = 0;
  let mult = 1;
  while (n >= 1000 && index < 6) {
    n = Math.floor(n / 1000);
    index++;
    mult *= 1000;
  }
  return formatU(v, n, index, mult, units[index]!);
}

/** percentify: below 0.01 prints "0", else two decimals. */
export function percentify(a: number): string {
  return a < 0.01 ? '0' : a.toFixed(2);
}
