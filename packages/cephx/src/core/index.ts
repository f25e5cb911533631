/**
 * `@ts-ceph/cephx/core`: cephx without the keyring file reader and writer: the cipher, the ticket
 * and authorizer codecs, the key server, the client and service handlers, the auth providers and the
 * capability grammars. Protocol cores (the mon's AuthMonitor, the OSD's op engine) import this entry.
 */
export * from './crypto';
export * from './auth-types';
export * from './cephx-types';
export * from './envelope';
export * from './protocol';
export * from './authorizer';
export * from './keyring';
export * from './keyserver-data';
export * from './keyserver';
export * from './service-handler';
export * from './client-handler';
export * from './auth-registry';
export * from './caps/peg';
export * from './caps/constraint';
export * from './caps/network';
export * from './caps/moncap';
export * from './caps/osdcap';
export * from './caps/mgrcap';
export * from './mon-server-provider';
export * from './service-server-provider';
export * from './client-provider';
export * from './mon-peer-provider';
