export * from './errno';
export * from './errors';
export * from './clock';
export * from './log';
export * from './conf';
export * from './files';
export * from './testing';
export * from './daemon';
