import { CephError, Errno } from '@ts-ceph/common/core';

/**
 * Every decode failure is a DencError: bad input, never our bug. `field` is the dotted path of what was
 * being decoded (e.g. "MonMap.mon_info[2].public_addrs"), `offset` the byte offset in the input.
 * Codes: DENC_SHORT (ran out of bytes), DENC_MALFORMED (a value Ceph would reject),
 * DENC_INCOMPAT (struct_compat newer than we understand), DENC_LIMIT (over a named limit).
 * The errno is EINVAL for malformed input, as Ceph's decoders surface buffer::malformed_input.
 */
export type DencErrorCode = 'DENC_SHORT' | 'DENC_MALFORMED' | 'DENC_INCOMPAT' | 'DENC_LIMIT';

export class DencError extends CephError {
  readonly field: string;
  readonly offset: number;
  constructor(code: DencErrorCode, field: string, offset: number, detail: string) {
    super(code, Errno.EINVAL, `${field || '<root>'}: ${detail} (at byte ${offset})`);
    this.name = 'DencError';
    this.field = field;
    this.offset = offset;
  }
}
