import { Reader, UTime, Writer, decodeUTime, encodeUTime } from '@ts-ceph/denc';

/**
 * cls_otp's types (src/cls/otp/cls_otp_types.h, cls_otp_ops.h, and otp_header / otp_instance in
 * cls_otp.cc): TOTP devices of an rgw user (MFA), one omap key "otp/<id>" each plus a "header" key
 * listing the ids. Every struct is ENCODE_START(1, 1); real_time is u32 seconds + u32 nanoseconds.
 */

/** OTPType (u8): only TOTP is implemented by Ceph. */
export const OtpType = { UNKNOWN: 0, HOTP: 1, TOTP: 2 } as const;
/** SeedType (u8): how `seed` is written; anything but BASE32 is parsed as hex. */
export const OtpSeedType = { UNKNOWN: 0, HEX: 1, BASE32: 2 } as const;
/** OTPCheckResult (u8). */
export const OtpCheckResult = { UNKNOWN: 0, SUCCESS: 1, FAIL: 2 } as const;

/**
 * otp_info_t: a device. seed_bin is the parsed seed (otp_set fills it in). time_ofs (i32 seconds) is
 * the TOTP epoch, step_size (u32 seconds) its period, window (u32) how many steps either side count.
 */
export interface OtpInfo {
  type: number;
  id: string;
  seed: string;
  seedType: number;
  seedBin: Buffer;
  timeOfs: number;
  stepSize: number;
  window: number;
}

/** otp_check_t: one check attempt, by the caller's token. */
export interface OtpCheck {
  token: string;
  timestamp: UTime;
  result: number;
}

/** otp_instance (stored at "otp/<id>"): the device, the attempts of the current window, the last step that passed. */
export interface OtpInstance {
  otp: OtpInfo;
  lastChecks: OtpCheck[];
  lastSuccess: bigint;
}

/** cls_otp_check_otp_op (also otp_get_result's input): device id, the code, the caller's token. */
export interface ClsOtpCheckOp {
  id: string;
  val: string;
  token: string;
}

export function encodeOtpInfo(w: Writer, o: OtpInfo): void {
  w.envelope(1, 1, () => w.u8(o.type).string(o.id).string(o.seed).u8(o.seedType).blob(o.seedBin).i32(o.timeOfs).u32(o.stepSize).u32(o.window));
}

export function decodeOtpInfo(r: Reader): OtpInfo {
  return r.envelope('otp_info_t', 1, (r) => ({
    type: r.u8('type'),
    id: r.string('id'),
    seed: r.string('seed'),
    seedType: r.u8('seed_type'),
    seedBin: Buffer.from(r.blob('seed_bin')),
    timeOfs: r.i32('time_ofs'),
    stepSize: r.u32('step_size'),
    window: r.u32('window'),
  }));
}

export function encodeOtpCheck(w: Writer, c: OtpCheck): void {
  w.envelope(1, 1, () => {
    w.string(c.token);
    encodeUTime(w, c.timestamp);
    w.u8(c.result);
  });
}

export function decodeOtpCheck(r: Reader): OtpCheck {
  return r.envelope('otp_check_t', 1, (r) => ({ token: r.string('token'), timestamp: decodeUTime(r, 'timestamp'), result: r.u8('result') }));
}

export function encodeOtpInstance(w: Writer, i: OtpInstance): void {
  w.envelope(1, 1, () => {
    encodeOtpInfo(w, i.otp);
    w.list(i.lastChecks, encodeOtpCheck).u64(i.lastSuccess);
  });
}

export function decodeOtpInstance(r: Reader): OtpInstance {
  return r.envelope('otp_instance', 1, (r) => ({ otp: decodeOtpInfo(r), lastChecks: r.list('last_checks', decodeOtpCheck, 6), lastSuccess: r.u64('last_success') }));
}

/** otp_header: the ids in byte order (a std::set). */
export function encodeOtpHeader(w: Writer, ids: readonly string[]): void {
  w.envelope(1, 1, () => w.list(ids, (w, s) => w.string(s)));
}

export function decodeOtpHeader(r: Reader): string[] {
  return r.envelope('otp_header', 1, (r) => r.list('ids', (r) => r.string('id'), 4));
}

/** cls_otp_set_otp_op { entries } and cls_otp_get_otp_reply { found_entries }: a list of otp_info_t. */
export function encodeOtpInfoList(w: Writer, l: readonly OtpInfo[]): void {
  w.envelope(1, 1, () => w.list(l, encodeOtpInfo));
}

export function decodeOtpInfoList(r: Reader): OtpInfo[] {
  return r.envelope('cls_otp_info_list', 1, (r) => r.list('entries', decodeOtpInfo, 6));
}

export function encodeClsOtpCheckOp(w: Writer, o: ClsOtpCheckOp): void {
  w.envelope(1, 1, () => w.string(o.id).string(o.val).string(o.token));
}

export function decodeClsOtpCheckOp(r: Reader): ClsOtpCheckOp {
  return r.envelope('cls_otp_check_otp_op', 1, (r) => ({ id: r.string('id'), val: r.string('val'), token: r.string('token') }));
}

/** cls_otp_get_otp_op: every device, or the listed ids. */
export function decodeClsOtpGetOp(r: Reader): { getAll: boolean; ids: string[] } {
  return r.envelope('cls_otp_get_otp_op', 1, (r) => ({ getAll: r.bool('get_all'), ids: r.list('ids', (r) => r.string('id'), 4) }));
}

/** cls_otp_remove_otp_op: the ids to remove. */
export function decodeClsOtpRemoveOp(r: Reader): string[] {
  return r.envelope('cls_otp_remove_otp_op', 1, (r) => r.list('ids', (r) => r.string('id'), 4));
}
