import { Module } from '@nestjs/common';
import { Reconciler } from './reconciler';
import { UsageDrain } from './usage-drain';

/**
 * The ledger's background work in Redis mode: moving usage events to PostgreSQL and reconciling
 * balances. Run by the worker app, or inside the API when WORKER_IN_PROCESS is on (the default).
 */
@Module({ providers: [UsageDrain, Reconciler], exports: [UsageDrain, Reconciler] })
export class LedgerWorkerModule {}
