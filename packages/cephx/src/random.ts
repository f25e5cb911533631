import { randomBytes } from 'node:crypto';
import { RandomSource } from './core/crypto';

/**
 * The kernel CSPRNG as a RandomSource. It lives outside core/ because the protocol cores take their
 * randomness as an input; the daemons, tools and tests that construct them pass this one.
 */
export const cryptoRandom: RandomSource = { bytes: (n) => randomBytes(n) };
