export * from './args';
export * from './context';
export * from './output';
