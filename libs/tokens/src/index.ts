export * from './balance';
export * from './ledger.port';
export * from './sales-archive';
export * from './tokens.module';
export * from './tokens.service';
export * from './ledger-worker.module';
export * from './reconciler';
export * from './usage-drain';
