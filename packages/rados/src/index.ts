export * from './core/mon-sub';
export * from './mon-host';
export * from './mon-client';
export * from './client-config';
