import { createHmac } from 'node:crypto';
import { cephError, isCephError } from '@ts-ceph/common/core';
import { DencError, Reader, UTime, Writer, encodeUTime } from '@ts-ceph/denc';
import { ClsContext } from './context';
import { keyOrder, utimeLess } from './log-types';
import * as T from './otp-types';
import { CLS_METHOD_RD, CLS_METHOD_WR, ClsMethod, decodeClsInput } from './registry';

/**
 * cls_otp (src/cls/otp/cls_otp.cc): TOTP devices (RFC 6238, HMAC-SHA1) for rgw's MFA. A check never
 * fails the op (a write cannot both fail and record the attempt): otp_check records the attempt under
 * the caller's token and otp_get_result reads it back. Same methods, flags, encodings and errnos as
 * Ceph; codes are validated as liboath's oath_totp_validate2 does. The op time stands for Ceph's
 * real_clock::now().
 */

/** ATTEMPTS_PER_WINDOW: checks recorded per step_size seconds; more are ignored. */
export const otpAttemptsPerWindow = 5;

const headerKey = 'header';
const keyPrefix = 'otp/';

function encoded<V>(enc: (w: Writer, v: V) => void, v: V): Buffer {
  const w = new Writer();
  enc(w, v);
  return w.finish();
}

/** oath_hex2bin: pairs of hex digits, nothing else (not even blanks). */
function hexSeed(s: string): Buffer | undefined {
  return /^([0-9a-fA-F]{2})*$/.test(s) ? Buffer.from(s, 'hex') : undefined;
}

const base32Alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/**
 * oath_base32_decode: blanks dropped, case folded, '=' padding added up to whole 8-character
 * groups, then RFC 4648 base32; a group may end early only after 2, 4, 5 or 7 characters.
 */
export function base32Seed(s: string): Buffer | undefined {
  const t = s.replace(/ /g, '').toUpperCase();
  const padded = t + '='.repeat((8 - (t.length % 8)) % 8);
  const out: number[] = [];
  for (let g = 0; g < padded.length; g += 8) {
    const group = padded.slice(g, g + 8);
    const n = group.indexOf('=') < 0 ? 8 : group.indexOf('=');
    if (![2, 4, 5, 7, 8].includes(n) || !/^=*$/.test(group.slice(n)) || (n < 8 && g + 8 < padded.length)) return undefined;
    let bits = 0n;
    for (let i = 0; i < 8; i++) {
      const v = i < n ? base32Alphabet.indexOf(group[i]!) : 0;
      if (v < 0) return undefined;
      bits = (bits << 5n) | BigInt(v);
    }
    const bytes = Math.floor((n * 5) / 8);
    for (let i = 0; i < bytes; i++) out.push(Number((bits >> BigInt(32 - 8 * i)) & 0xffn));
  }
  return Buffer.from(out);
}

/** parse_seed: EINVAL when the seed does not parse. */
function parseSeed(o: T.OtpInfo): Buffer {
  const bin = o.seedType === T.OtpSeedType.BASE32 ? base32Seed(o.seed) : hexSeed(o.seed);
  if (bin === undefined) throw cephError('EINVAL', `cls_otp: seed of ${o.id} does not parse`);
  return bin;
}

/** RFC 4226 HOTP with dynamic truncation, `digits` decimal digits. */
export function hotp(secret: Buffer, counter: bigint, digits: number): string {
  const c = Buffer.alloc(8);
  c.writeBigUInt64BE(BigInt.asUintN(64, counter));
  const h = createHmac('sha1', secret).update(c).digest();
  const o = h[19]! & 0xf;
  const v = (h.readUInt32BE(o) & 0x7fffffff) % 10 ** digits;
  return String(v).padStart(digits, '0');
}

/**
 * oath_totp_validate2: the step of `now` first, then one further out each way up to `window`
 * steps. The answer is how many steps away the code matched (either side), or undefined: no match,
 * or a code not 6 to 8 digits long (OATH_INVALID_DIGITS).
 */
export function totpValidate(secret: Buffer, now: number, stepSize: number, timeOfs: number, window: number, code: string): number | undefined {
  if (code.length < 6 || code.length > 8) return undefined;
  const step = stepSize === 0 ? 30 : stepSize;
  // (now - start_offset) / time_step_size in signed arithmetic, kept as a u64 counter.
  const base = BigInt.asUintN(64, BigInt(Math.trunc((now - timeOfs) / step)));
  for (let i = 0; i <= window; i++) {
    if (hotp(secret, base + BigInt(i), code.length) === code) return i;
    if (i > 0 && base >= BigInt(i) && hotp(secret, base - BigInt(i), code.length) === code) return i;
  }
  return undefined;
}

async function readHeader(ctx: ClsContext): Promise<string[]> {
  let bl: Buffer;
  try {
    bl = await ctx.mapGetVal(headerKey);
  } catch (e) {
    if (isCephError(e, 'ENOENT') || isCephError(e, 'ENODATA')) return [];
    throw e;
  }
  return bl.length === 0 ? [] : decodeStored(bl, T.decodeOtpHeader);
}

function decodeStored<V>(bl: Buffer, dec: (r: Reader) => V): V {
  try {
    return dec(new Reader(bl));
  } catch (e) {
    if (e instanceof DencError) throw cephError('EIO', 'cls_otp: failed to decode stored state');
    throw e;
  }
}

/** get_otp_instance: ENOENT when there is no such device. */
async function readInstance(ctx: ClsContext, id: string): Promise<T.OtpInstance> {
  return decodeStored(await ctx.mapGetVal(keyPrefix + id), T.decodeOtpInstance);
}

const writeInstance = (ctx: ClsContext, i: T.OtpInstance): Promise<void> => ctx.mapSetVal(keyPrefix + i.otp.id, encoded(T.encodeOtpInstance, i));
const writeHeader = (ctx: ClsContext, ids: Set<string>): Promise<void> => ctx.mapSetVal(headerKey, encoded(T.encodeOtpHeader, [...ids].sort(keyOrder)));

/** otp_set: store each device (keeping the attempts and last success of one already there). */
async function otpSet(ctx: ClsContext, input: Buffer): Promise<void> {
  const entries = decodeClsInput('cls_otp.otp_set', input, T.decodeOtpInfoList);
  const ids = new Set(await readHeader(ctx));
  for (const entry of entries) {
    let inst: T.OtpInstance = { otp: entry, lastChecks: [], lastSuccess: 0n };
    try {
      inst = { ...(await readInstance(ctx, entry.id)), otp: entry };
    } catch (e) {
      if (!isCephError(e, 'ENOENT')) throw e;
    }
    inst.otp.seedBin = parseSeed(entry);
    await writeInstance(ctx, inst);
    ids.add(entry.id);
  }
  await writeHeader(ctx, ids);
}

/** otp_remove: the header is rewritten only when one of the ids was there. */
async function otpRemove(ctx: ClsContext, input: Buffer): Promise<void> {
  const ids = decodeClsInput('cls_otp.otp_remove', input, T.decodeClsOtpRemoveOp);
  const have = new Set(await readHeader(ctx));
  let removed = false;
  for (const id of ids) {
    if (!have.has(id)) continue;
    removed = true;
    await ctx.mapRemoveKey(keyPrefix + id);
    have.delete(id);
  }
  if (removed) await writeHeader(ctx, have);
}

/** otp_get: cls_otp_get_otp_reply with the listed (or every) device the header names. */
async function otpGet(ctx: ClsContext, input: Buffer): Promise<Buffer> {
  const op = decodeClsInput('cls_otp.otp_get', input, T.decodeClsOtpGetOp);
  const have = await readHeader(ctx);
  const found: T.OtpInfo[] = [];
  for (const id of op.getAll ? have : op.ids) if (have.includes(id)) found.push((await readInstance(ctx, id)).otp);
  return encoded(T.encodeOtpInfoList, found);
}

/** trim_expired: attempts older than one step before now leave the window. */
function trimExpired(inst: T.OtpInstance, now: UTime): void {
  const start = { sec: now.sec - inst.otp.stepSize, nsec: now.nsec };
  while (inst.lastChecks.length > 0 && utimeLess(inst.lastChecks[0]!.timestamp, start)) inst.lastChecks.shift();
}

/**
 * otp_instance::verify: a code passes once per step. The matched step (the distance oath returns,
 * always counted forward, plus the step of now, in Ceph's unsigned arithmetic) must be past the
 * last success.
 */
function verify(inst: T.OtpInstance, now: UTime, code: string): boolean {
  const o = inst.otp;
  if (o.stepSize === 0) throw cephError('EINVAL', 'cls_otp: step_size 0 (a real OSD divides by it)');
  const pos = totpValidate(o.seedBin, now.sec >>> 0, o.stepSize, o.timeOfs, o.window, code);
  if (pos === undefined) return false;
  const index = BigInt(pos) + BigInt(((now.sec >>> 0) - (o.timeOfs >>> 0)) >>> 0) / BigInt(o.stepSize);
  if (index <= inst.lastSuccess) return false;
  inst.lastSuccess = index;
  return true;
}

/** otp_check: record the attempt (at most 5 per window); the op itself succeeds either way. */
async function otpCheck(ctx: ClsContext, input: Buffer): Promise<void> {
  const op = decodeClsInput('cls_otp.otp_check', input, T.decodeClsOtpCheckOp);
  const inst = await readInstance(ctx, op.id);
  trimExpired(inst, ctx.now);
  if (inst.lastChecks.length >= otpAttemptsPerWindow) return;
  const result = verify(inst, ctx.now, op.val) ? T.OtpCheckResult.SUCCESS : T.OtpCheckResult.FAIL;
  inst.lastChecks.push({ token: op.token, timestamp: ctx.now, result });
  await writeInstance(ctx, inst);
}

/** otp_get_result (input: a cls_otp_check_otp_op, as Ceph decodes it): the newest attempt with the token, or UNKNOWN at now. */
async function otpGetResult(ctx: ClsContext, input: Buffer): Promise<Buffer> {
  const op = decodeClsInput('cls_otp.otp_get_result', input, T.decodeClsOtpCheckOp);
  const inst = await readInstance(ctx, op.id);
  trimExpired(inst, ctx.now);
  const hit = [...inst.lastChecks].reverse().find((c) => c.token === op.token);
  const result = hit ?? { token: op.token, timestamp: ctx.now, result: T.OtpCheckResult.UNKNOWN };
  return encoded((w, c: T.OtpCheck) => w.envelope(1, 1, () => T.encodeOtpCheck(w, c)), result);
}

/** get_current_time: cls_otp_get_current_time_reply { time }. */
async function getCurrentTime(ctx: ClsContext, input: Buffer): Promise<Buffer> {
  decodeClsInput('cls_otp.get_current_time', input, (r) => r.envelope('cls_otp_get_current_time_op', 1, () => undefined));
  return encoded((w, t: UTime) => w.envelope(1, 1, () => encodeUTime(w, t)), ctx.now);
}

export const otpMethods: Readonly<Record<string, ClsMethod>> = {
  otp_set: { flags: CLS_METHOD_RD | CLS_METHOD_WR, fn: otpSet },
  otp_get: { flags: CLS_METHOD_RD, fn: otpGet },
  otp_check: { flags: CLS_METHOD_RD | CLS_METHOD_WR, fn: otpCheck },
  otp_get_result: { flags: CLS_METHOD_RD, fn: otpGetResult },
  otp_remove: { flags: CLS_METHOD_RD | CLS_METHOD_WR, fn: otpRemove },
  get_current_time: { flags: CLS_METHOD_RD, fn: getCurrentTime },
};
