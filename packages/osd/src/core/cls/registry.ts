import { CephError, cephError } from '@ts-ceph/common/core';
import { Reader } from '@ts-ceph/denc';
import { OSDClassInfo } from '@ts-ceph/cephx/core';
import { ClsContext } from './context';

/**
 * Decode a method's input; anything malformed is EINVAL, as every class answers a buffer::error
 * from its input's decode. `cls` names the class (or method) in the message.
 */
export function decodeClsInput<T>(cls: string, input: Buffer, decode: (r: Reader) => T): T {
  try {
    return decode(new Reader(input));
  } catch (e) {
    if (e instanceof CephError) throw cephError('EINVAL', `${cls}: undecodable input: ${e.message}`);
    throw e;
  }
}

/**
 * Object-class method flags (src/objclass/objclass.h). RD: the method may read the object's prior
 * state; WR: it may change the object (the op becomes a write: it may create the object, it is
 * logged and replicated). PROMOTE forces a cache-tier promote, meaningless without tiering.
 */
export const CLS_METHOD_RD = 1;
export const CLS_METHOD_WR = 2;
export const CLS_METHOD_PROMOTE = 8;

/**
 * osd_class_default_list (16.2.15 default): classes whose methods a client may call with the plain
 * `x` / `class-read` / `class-write` OSD caps (ClassData::allowed, OSDCapGrant::is_capable). A class
 * outside it is callable only through an explicit `allow class <name>` grant or `allow *`.
 */
export const OSD_CLASS_DEFAULT_LIST = 'cephfs hello journal lock log numops otp rbd refcount rgw rgw_gc timeindex user version cas cmpomap queue 2pc_queue fifo';

/** A method's result when it has both an rval and output (Ceph lets a method fail and still return data). */
export interface ClsResult {
  rval: number;
  out: Buffer;
}

/**
 * What a method returns: nothing (rval 0, no output), its output (rval 0), or an explicit rval with
 * output. An error without output is thrown as a CephError; its errno becomes the rval.
 */
export type ClsReturn = Buffer | void | ClsResult;

export interface ClsMethod {
  /** CLS_METHOD_RD | CLS_METHOD_WR | CLS_METHOD_PROMOTE. */
  flags: number;
  fn(ctx: ClsContext, input: Buffer): Promise<ClsReturn>;
}

/** A resolved class method, as PrimaryLogPG uses it. */
export interface ClsMethodRef {
  className: string;
  methodName: string;
  flags: number;
  /** On osd_class_default_list (see OSD_CLASS_DEFAULT_LIST). */
  allowed: boolean;
  fn: ClsMethod['fn'];
}

/**
 * The classes this OSD serves (Ceph's ClassHandler, without dlopen: classes are TypeScript modules
 * listed in cls/index.ts). A class not in osd_class_load_list answers EPERM (ClassHandler::_get_class
 * refuses to load it); a listed class this OSD does not have, and an unknown method, answer
 * EOPNOTSUPP, as OpInfo::set_from_op does for ClassHandler's ENOENT (src/osd/osd_op_util.cc).
 *
 * How the op engine uses it (PrimaryLogPG::do_osd_ops CEPH_OSD_OP_CALL, OSD caps):
 * - Before running an MOSDOp, resolve every CALL (`lookupMethod`): a class or method it cannot open
 *   fails the whole op (EPERM or EOPNOTSUPP, above). A method with RD makes the op need class-read, with WR class-write;
 *   pass `classInfo()` of each call to OSDCap.isCapable (with read: true, since CALL is a read-mode op
 *   code and always needs `r`), which answers EPERM when it says no.
 * - A method with WR makes the op a write (may_write): the object may be created, the op is ordered
 *   and logged as a write, and the object's user_version is bumped (ctx->user_modify). An op with no
 *   write on an object that does not exist is answered ENOENT before any method runs.
 * - Run the method with `execClsMethod` (call.ts); its rval is the op's rval and its output the op's
 *   outdata, also on error. For a successful write op, outdata and a positive rval reach the client
 *   only with CEPH_OSD_FLAG_RETURNVEC, and then an outdata longer than osd_max_write_op_reply_len
 *   (32 bytes) turns into EOVERFLOW with no data; without RETURNVEC the reply is 0 with no data.
 */
export class ClsRegistry {
  private readonly classes = new Map<string, Map<string, ClsMethod>>();
  private readonly allowList: Set<string>;
  private readonly loadList: Set<string>;

  /**
   * `defaultList` is osd_class_default_list, `loadList` osd_class_load_list (space-separated class
   * names, '*' for every class; 16.2's defaults are the same list).
   */
  constructor(defaultList: string = OSD_CLASS_DEFAULT_LIST, loadList: string = OSD_CLASS_DEFAULT_LIST) {
    const names = (l: string) => new Set(l.split(/[\s,;]+/).filter(Boolean));
    this.allowList = names(defaultList);
    this.loadList = names(loadList);
  }

  /** cls_register + cls_register_cxx_method for each method. A class is registered once. */
  registerClass(name: string, methods: Readonly<Record<string, ClsMethod>>): void {
    if (this.classes.has(name)) throw new Error(`object class ${name} registered twice`);
    this.classes.set(name, new Map(Object.entries(methods)));
  }

  classNames(): string[] {
    return [...this.classes.keys()].sort();
  }

  /**
   * ClassHandler::open_class + get_method: EPERM for a class not in osd_class_load_list, EOPNOTSUPP
   * for a listed class we do not have or an unknown method.
   */
  lookupMethod(className: string, methodName: string): ClsMethodRef {
    const cls = this.classes.get(className);
    if (!cls && !this.loadList.has('*') && !this.loadList.has(className)) throw cephError('EPERM', `object class ${JSON.stringify(className)} is not in osd_class_load_list`);
    if (!cls) throw cephError('EOPNOTSUPP', `no object class ${JSON.stringify(className)}`);
    const m = cls.get(methodName);
    if (!m) throw cephError('EOPNOTSUPP', `object class ${className} has no method ${JSON.stringify(methodName)}`);
    const allowed = this.allowList.has('*') || this.allowList.has(className);
    return { className, methodName, flags: m.flags, allowed, fn: m.fn };
  }

  /** OpInfo::ClassInfo of a call, for OSDCap.isCapable. Throws as lookupMethod. */
  classInfo(className: string, methodName: string): OSDClassInfo {
    const m = this.lookupMethod(className, methodName);
    return { className, methodName, read: (m.flags & CLS_METHOD_RD) !== 0, write: (m.flags & CLS_METHOD_WR) !== 0, allowed: m.allowed };
  }
}
