export * from './create-object-storage';
export * from './file-system.storage';
export { isValidObjectKey } from './object-key';
export * from './object-storage.port';
export * from './s3.storage';
export * from './serve-stored-objects';
