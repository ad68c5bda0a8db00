export * from './balance';
export * from './ledger.port';
export * from './sales-archive';
export * from './tokens.module';
export * from './tokens.service';
export * from './usage-drain';
