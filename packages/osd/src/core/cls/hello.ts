import { Errno, cephError, isCephError } from '@ts-ceph/common/core';
import { formatAddr, formatEntityNameT } from '@ts-ceph/denc';
import { ClsContext } from './context';
import { CLS_METHOD_PROMOTE, CLS_METHOD_RD, CLS_METHOD_WR, ClsMethod } from './registry';

/**
 * cls_hello (src/cls/hello/cls_hello.cc): Ceph's example class, which librados tests and the issue's
 * python3-rados acceptance call. Same methods, flags, outputs and errnos; the PGLS "hello" filter is
 * not here (pgls filters belong to the op engine's listing).
 */

/** The largest input say_hello and record_hello accept, in bytes (larger: EINVAL). */
export const helloInputBytesMax = 100;
/** How much replay and turn_it_to_11 read, in bytes. */
const helloReadBytes = 1100;

function greeting(input: Buffer): Buffer {
  return Buffer.concat([Buffer.from('Hello, '), input.length ? input : Buffer.from('world'), Buffer.from('!')]);
}

/** entity_inst_t's text form ("client.4123 v1:10.0.0.1:0/3521"), which hello stores as who said it. */
function originText(ctx: ClsContext): Buffer {
  return Buffer.from(`${formatEntityNameT(ctx.origin.name)} ${formatAddr(ctx.origin.addr)}`);
}

async function sayHello(_ctx: ClsContext, input: Buffer): Promise<Buffer> {
  if (input.length > helloInputBytesMax) throw cephError('EINVAL', 'say_hello: input too long');
  return greeting(input);
}

/** Write "Hello, <input>!" to an object that does not exist yet and record the caller in "said_by". */
async function recordHello(ctx: ClsContext, input: Buffer): Promise<void> {
  ctx.log(20, 'in record_hello');
  if (input.length > helloInputBytesMax) throw cephError('EINVAL', 'record_hello: input too long');
  // Only an object that does not exist gets a hello; any stat failure counts as "does not exist".
  const exists = await ctx.stat().then(
    () => true,
    (e: unknown) => {
      if (isCephError(e)) return false;
      throw e;
    },
  );
  if (exists) throw cephError('EEXIST', 'record_hello: object exists');
  await ctx.writeFull(greeting(input));
  await ctx.setxattr('said_by', originText(ctx));
}

/** Change the object and try to return data, which only a RETURNVEC client sees. */
async function writeReturnData(ctx: ClsContext, input: Buffer): Promise<{ rval: number; out: Buffer }> {
  await ctx.setxattr('foo', Buffer.from('bar'));
  // An error aborts the setxattr above, but its output still reaches the client.
  if (input.length > 0) return { rval: -Errno.EINVAL, out: Buffer.from('too much input data!') };
  return { rval: 42, out: Buffer.from('you might see this') };
}

/** As writeReturnData, with more output than osd_max_write_op_reply_len allows (EOVERFLOW in the engine). */
async function writeTooMuchReturnData(ctx: ClsContext): Promise<{ rval: number; out: Buffer }> {
  await ctx.setxattr('foo', Buffer.from('bar'));
  return { rval: 42, out: Buffer.from('you should not see this because it is toooooo long. '.repeat(10)) };
}

async function replay(ctx: ClsContext): Promise<Buffer> {
  return ctx.read(0, helloReadBytes);
}

/** Read-modify-write: upper-case the content (ASCII only, as toupper in the C locale) and record who. */
async function turnItTo11(ctx: ClsContext, input: Buffer): Promise<void> {
  if (input.length !== 0) throw cephError('EINVAL', 'turn_it_to_11 takes no input');
  const previous = Buffer.from(await ctx.read(0, helloReadBytes));
  for (let i = 0; i < previous.length; i++) if (previous[i]! >= 0x61 && previous[i]! <= 0x7a) previous[i] = previous[i]! - 0x20;
  await ctx.writeFull(previous);
  await ctx.setxattr('amplified_by', originText(ctx));
}

/** Registered WR but reads: the OSD fails the call with EIO. */
async function badReader(ctx: ClsContext): Promise<{ rval: number; out: Buffer }> {
  const out = await ctx.read(0, 100);
  return { rval: out.length, out };
}

/** Registered RD but writes: the OSD fails the call with EIO. */
async function badWriter(ctx: ClsContext, input: Buffer): Promise<void> {
  await ctx.writeFull(input);
}

export const helloMethods: Readonly<Record<string, ClsMethod>> = {
  say_hello: { flags: CLS_METHOD_RD, fn: sayHello },
  record_hello: { flags: CLS_METHOD_WR | CLS_METHOD_PROMOTE, fn: recordHello },
  write_return_data: { flags: CLS_METHOD_WR, fn: writeReturnData },
  // The pre-octopus name of write_return_data, still registered for old clients.
  writes_dont_return_data: { flags: CLS_METHOD_WR, fn: writeReturnData },
  write_too_much_return_data: { flags: CLS_METHOD_WR, fn: (ctx) => writeTooMuchReturnData(ctx) },
  replay: { flags: CLS_METHOD_RD, fn: (ctx) => replay(ctx) },
  turn_it_to_11: { flags: CLS_METHOD_RD | CLS_METHOD_WR | CLS_METHOD_PROMOTE, fn: turnItTo11 },
  bad_reader: { flags: CLS_METHOD_WR, fn: (ctx) => badReader(ctx) },
  bad_writer: { flags: CLS_METHOD_RD, fn: badWriter },
};
