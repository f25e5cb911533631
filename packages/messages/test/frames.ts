/**
 * Helpers shared by the message codec tests: a CephMessage around a hand-built front, and the
 * truncation check every decoder must pass.
 */
import { Test } from 'tap';
import { CephMessage, MessageCodec } from '@ts-ceph/messenger';

/** A message of codec `c`'s type carrying `front` (and `data`), as the messenger would hand it over. */
export function codecMessage(c: MessageCodec<unknown>, front: Buffer, version = c.version, data = Buffer.alloc(0)): CephMessage {
  return { type: c.type, version, compatVersion: c.compatVersion, priority: 127, tid: 0n, dataOff: 0, seq: 1, front, middle: Buffer.alloc(0), data };
}

/**
 * Every prefix of `front` must fail with a typed error (DencError or CephError); unless
 * `prefixMayDecode`, a prefix that decodes counts as a failure too.
 */
export function checkTruncations(t: Test, c: MessageCodec<unknown>, front: Buffer, opts: { prefixMayDecode: boolean; label?: string }): void {
  let bad = 0;
  for (let cut = 0; cut < front.length; cut++) {
    try {
      c.decode(codecMessage(c, front.subarray(0, cut)), 0n);
      if (!opts.prefixMayDecode) bad++;
    } catch (e) {
      const n = (e as Error).name;
      if (n !== 'DencError' && n !== 'CephError') bad++;
    }
  }
  t.equal(bad, 0, opts.label ?? `${c.name}: every truncation of ${front.length} bytes refused with a typed error`);
}
