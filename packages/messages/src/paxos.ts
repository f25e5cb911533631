import { Reader, Writer } from '@ts-ceph/denc';

/**
 * PaxosServiceMessage's common head (src/messages/PaxosServiceMessage.h), written first by every
 * message a PaxosService handles (MMonCommand, MAuth, MLog, MMonGetOSDMap ...):
 * le64 version, le16 deprecated_session_mon (-1), le64 deprecated_session_mon_tid (0).
 */
export interface PaxosHead {
  /** The map version the sender has (0: none / not applicable). */
  version: number;
  deprecatedSessionMon: number;
  deprecatedSessionMonTid: bigint;
}

export const PAXOS_HEAD_DEFAULT: PaxosHead = { version: 0, deprecatedSessionMon: -1, deprecatedSessionMonTid: 0n };

export function encodePaxos(w: Writer, p: PaxosHead = PAXOS_HEAD_DEFAULT): void {
  w.u64(p.version).i16(p.deprecatedSessionMon).u64(p.deprecatedSessionMonTid);
}

export function decodePaxos(r: Reader): PaxosHead {
  return { version: r.u64n('version'), deprecatedSessionMon: r.i16('deprecated_session_mon'), deprecatedSessionMonTid: r.u64('deprecated_session_mon_tid') };
}
