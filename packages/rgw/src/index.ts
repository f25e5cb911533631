export * from './core/errors';
export * from './core/sigv4';
export * from './core/xml';
export * from './frontend';
export * from './store';
export * from './server';
