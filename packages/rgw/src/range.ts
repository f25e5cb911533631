import { S3Error } from './core/errors';

/** "bytes=a-b", "bytes=a-", "bytes=-n" → inclusive [start, end] within size, or InvalidRange. */
export function parseRange(h: string, size: number): [number, number] | undefined {
  const m = /^bytes=(\d*)-(\d*)$/.exec(h.trim());
  if (!m || (m[1] === '' && m[2] === '')) return undefined;
  let start: number;
  let end: number;
  if (m[1] === '') {
    start = Math.max(0, size - Number(m[2]));
    end = size - 1;
  } else {
    start = Number(m[1]);
    end = m[2] === '' ? size - 1 : Math.min(Number(m[2]), size - 1);
  }
  if (start >= size || start > end) throw new S3Error('InvalidRange', 'the requested range is not satisfiable');
  return [start, end];
}
