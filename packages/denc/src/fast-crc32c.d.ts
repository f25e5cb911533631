declare module 'fast-crc32c' {
  /** Standard CRC32C of `data`, continuing from the standard-form `initial` value. */
  export function calculate(data: Buffer | string, initial?: number): number;
}
