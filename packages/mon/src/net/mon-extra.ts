/**
 * Handlers for the mon messages beyond the client bootstrap set (MLog, MPoolOp, MGetPoolStats,
 * MStatfs), registered by type number.
 */
import { Connection, CephMessage } from '@ts-ceph/messenger';
import { MonSession } from '../core/session';
import type { MonServer } from './mon-server';

export type ExtraHandler = (server: MonServer, con: Connection, s: MonSession, msg: CephMessage, payload: unknown) => void;

export const monExtraHandlers: Record<number, ExtraHandler> = {};
