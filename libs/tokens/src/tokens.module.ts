import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { AccountEntity } from './account.entity';
import { AdminTokensController } from './admin-tokens.controller';
import { TokenLedger } from './ledger.port';
import { LedgerClock } from './ledger-clock';
import { PostgresLedger } from './postgres.ledger';
import { PurchaseBook } from './purchase-book';
import { IdempotencyKeyEntity } from './idempotency-key.entity';
import { IdempotencyKeys } from './idempotency-keys';
import { MemeDeliveryEntity } from './meme-delivery.entity';
import { PurchaseEntity } from './purchase.entity';
import { UsageEventEntity } from './usage-event.entity';
import { RedisLedger } from './redis.ledger';
import { Refunds } from './refunds';
import { SalesArchive } from './sales-archive';
import { TokensController } from './tokens.controller';
import { TokensService } from './tokens.service';
import { Transactions } from './transactions';

@Module({})
export class TokensModule {
  /**
   * `redis`: live balances in Redis (REDIS_URL set); otherwise in PostgreSQL. `api`: serve the
   * tokens routes (the worker app only refunds). Global: memes charge through it.
   */
  static forRoot({ redis, api = true }: { redis: boolean; api?: boolean }): DynamicModule {
    return {
      module: TokensModule,
      imports: [TypeOrmModule.forFeature([AccountEntity, PurchaseEntity, UsageEventEntity, MemeDeliveryEntity, IdempotencyKeyEntity])],
      controllers: api ? [TokensController, AdminTokensController] : [],
      providers: [
        PurchaseBook,
        IdempotencyKeys,
        SalesArchive,
        LedgerClock,
        TokensService,
        Refunds,
        Transactions,
        { provide: TokenLedger, useClass: redis ? RedisLedger : PostgresLedger },
      ],
      exports: [TokensService, TokenLedger, SalesArchive, PurchaseBook, Refunds, LedgerClock],
      global: true,
    };
  }
}
