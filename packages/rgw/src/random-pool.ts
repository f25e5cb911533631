/**
 * Random hex for request ids and data set names from a pool filled from the OS CSPRNG a few KiB at
 * a time: one getrandom call per few hundred ids instead of one per request (randomBytes per id
 * showed up in the small-object profile). Secret keys never come from here (admin.ts draws them
 * directly), and these ids only need to be unique and unguessable, which pooled CSPRNG bytes are.
 */
import { randomFillSync } from 'node:crypto';

/** Named limits (docs/LIMITS.md, "rgw"). */
export const randomPoolLimits = {
  /** Bytes drawn from the CSPRNG per refill. */
  poolBytes: 4096,
};

export class RandomPool {
  private readonly pool = Buffer.alloc(randomPoolLimits.poolBytes);
  private at = randomPoolLimits.poolBytes;

  /** `bytes` fresh random bytes (at most the pool's size) as lower-case hex. */
  hex(bytes: number): string {
    if (bytes > this.pool.length) throw new RangeError(`at most ${this.pool.length} bytes per draw`);
    if (this.at + bytes > this.pool.length) {
      randomFillSync(this.pool);
      this.at = 0;
    }
    const s = this.pool.toString('hex', this.at, this.at + bytes);
    this.at += bytes;
    return s;
  }
}
