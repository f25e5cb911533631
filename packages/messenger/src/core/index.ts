/**
 * `@ts-ceph/messenger/core`: the msgr2 protocol without the sockets: banner, preamble, frame reader
 * and assembler, the protocol state machines, and the auth-provider interfaces cephx implements.
 * Protocol cores import this entry; the package root adds the TCP and in-memory transports, the
 * connection driver and the messenger.
 */
export * from '../auth-provider';
export * from './limits';
export * from './tags';
export * from './banner';
export * from './preamble';
export * from './gcm';
export * from './crypto';
export * from './byte-queue';
export * from './slab';
export * from './frame-assembler';
export * from './frame-reader';
export * from './landing';
export * from './control';
export * from './header2';
export * from './message';
export * from './policy';
export * from './session';
export * from './protocol';
export * from './protocol-client';
export * from './protocol-server';
export * from './stream-decoder';
export * from '../message-registry';
export * from './admission';
