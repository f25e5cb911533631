/**
 * The shape of a mon message handler beyond the bootstrap set the server dispatches itself. A
 * handler receives only the part of the monitor it uses (its context `C`, a narrow interface each
 * handler file declares), never the whole MonServer, so what a handler may touch is written in
 * its type and a test can hand it a small fake.
 */
import type { CephMessage, Connection } from '@ts-ceph/messenger';
import type { MonSession } from '../core/session';

export type MonHandler<C> = (ctx: C, con: Connection, s: MonSession, msg: CephMessage, payload: unknown) => void;
