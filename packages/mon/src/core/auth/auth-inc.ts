/**
 * AuthMonitor::Incremental (src/mon/AuthMonitor.h): one step of the auth database, either a new
 * max_global_id (GLOBAL_ID) or an encoded KeyServerData::Incremental (AUTH_DATA, auth_type cephx).
 */
import { Reader, Writer } from '@ts-ceph/denc';

/** enum IncType { GLOBAL_ID, AUTH_DATA } */
export const AuthIncType = { GLOBAL_ID: 0, AUTH_DATA: 1 } as const;

export type AuthMonIncremental =
  | { incType: typeof AuthIncType.GLOBAL_ID; maxGlobalId: bigint }
  | { incType: typeof AuthIncType.AUTH_DATA; authType: number; authData: Buffer };

export function encodeAuthMonIncremental(w: Writer, inc: AuthMonIncremental): void {
  w.envelope(2, 2, () => {
    w.u32(inc.incType);
    if (inc.incType === AuthIncType.GLOBAL_ID) w.u64(inc.maxGlobalId);
    else w.u32(inc.authType).blob(inc.authData);
  });
}

export function decodeAuthMonIncremental(r: Reader): AuthMonIncremental {
  return r.envelopeLegacy('AuthMonitor::Incremental', 2, 2, 2, (r) => {
    const t = r.u32('inc_type');
    if (t === AuthIncType.GLOBAL_ID) return { incType: AuthIncType.GLOBAL_ID, maxGlobalId: r.u64('max_global_id') };
    if (t !== AuthIncType.AUTH_DATA) r.fail('DENC_MALFORMED', `unknown inc_type ${t}`, 'inc_type');
    return { incType: AuthIncType.AUTH_DATA, authType: r.u32('auth_type'), authData: Buffer.from(r.blob('auth_data')) };
  });
}
