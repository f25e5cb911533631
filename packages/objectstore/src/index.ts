export * from './native/binding';
export * from './native/buffers';
export * from './native/device';
export * from './native/crypto';
export * from './types';
export * from './transaction';
export * from './objectstore';
export * from './memstore';
