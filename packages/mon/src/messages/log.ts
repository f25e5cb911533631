/**
 * MLog / MLogAck: their codecs live in @ts-ceph/messages (src/log.ts) with the LogEntry codec, so
 * that ts-osd sends the same messages; re-exported here for the mon's handlers.
 */
export { MLog, MLogAck, MLogCodec, MLogAckCodec, logMessageLimits } from '@ts-ceph/messages';
