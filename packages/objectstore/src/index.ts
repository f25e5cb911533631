export * from './native/binding';
export * from './native/buffers';
export * from './native/device';
export * from './native/crypto';
