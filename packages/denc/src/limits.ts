/**
 * Named limits for the decoders (STYLE §11). A length or count beyond the remaining input is refused
 * first; these bound what a well-formed but hostile input could still make us allocate or loop over.
 * Listed in docs/LIMITS.md.
 */
export const dencLimits = {
  /** Largest single length-prefixed blob (bufferlist, string) inside any decoded structure. */
  blobBytesMax: 1 << 30,
  /** Largest element count of a vector/list/set/map. */
  containerCountMax: 1 << 26,
  /** Deepest nesting of ENCODE_START envelopes. */
  envelopeDepthMax: 64,
  /** Largest string (names, keys); strings are decoded as UTF-8, invalid bytes escaped (string-bytes.ts). */
  stringBytesMax: 1 << 24,
};
