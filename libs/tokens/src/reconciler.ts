import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, InjectRedis, LuaScript, Metrics, RedisClient, RuntimeConfig } from '@maas/core';
import { accountKey, REPAIR_SCRIPT } from './redis.scripts';

const repair = new LuaScript<number>(REPAIR_SCRIPT);
const PAGE = 500;
/**
 * Accounts with no usage or purchase for longer are not compared. Redis can only be behind or off
 * for accounts written since its last good state, and this keeps a pass proportional to the
 * active accounts, not to all of them.
 */
const WINDOW = '24 hours';

export interface ReconcileReport {
  readonly checked: number;
  readonly drifted: number;
  readonly repaired: number;
}

/**
 * Compares every active account's Redis balance with PostgreSQL's, where PostgreSQL is the system
 * of record, and repairs Redis (Redis mode only). A comparison counts only when both sides have
 * seen the same number of charges: Redis ahead means charges still on their way to PostgreSQL
 * (skipped); Redis behind means it lost writes (a restart from an older snapshot). Accounts Redis
 * does not hold are left alone: they are rebuilt from PostgreSQL when next used. Several
 * reconcilers at once (one per API replica running the worker) are safe: repairs are
 * compare-and-set.
 */
@Injectable()
export class Reconciler implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('Reconciler');
  private timer?: NodeJS.Timeout;

  constructor(
    @InjectRedis() private readonly redis: RedisClient,
    @InjectDataSource() private readonly db: DataSource,
    private readonly metrics: Metrics,
    @Inject(APP_CONFIG) private readonly config: RuntimeConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.timer = setInterval(() => {
      this.reconcile().catch((error: Error) => this.logger.warn(`Reconciliation failed: ${error.message}`));
    }, this.config.reconcileIntervalSeconds * 1000).unref();
  }

  onApplicationShutdown(): void {
    clearInterval(this.timer);
  }

  async reconcile(): Promise<ReconcileReport> {
    let checked = 0;
    let drifted = 0;
    let repaired = 0;
    for (let after = ''; ; ) {
      const accounts: { user_id: string; purchased: string; used: string; refunded: string; seq: string }[] = await this.db.query(
        `SELECT user_id, purchased, used, refunded, seq FROM accounts
         WHERE user_id > $1 AND updated_at > now() - interval '${WINDOW}' ORDER BY user_id LIMIT $2`,
        [after, PAGE],
      );
      if (accounts.length === 0) break;
      after = accounts[accounts.length - 1].user_id;
      const live = await Promise.all(accounts.map((a) => this.redis.hmget(accountKey(a.user_id), 'p', 'u', 'n', 'r')));
      for (const [i, account] of accounts.entries()) {
        checked++;
        const [p, u, n, r] = live[i];
        if (p === null) continue;
        const charges = Number(n ?? 0);
        if (charges > Number(account.seq)) continue; // charges still on their way to PostgreSQL
        // p or r above PostgreSQL's: a purchase or refund committed and applied since the row was read.
        const refunded = Number(r ?? 0);
        if (charges === Number(account.seq) && Number(p) >= Number(account.purchased) && u === account.used && refunded >= Number(account.refunded)) {
          continue;
        }
        drifted++;
        this.logger.warn(
          `Drift on ${account.user_id}: Redis p=${p} u=${u} r=${refunded} n=${charges}, PostgreSQL purchased=${account.purchased} used=${account.used} refunded=${account.refunded} seq=${account.seq}`,
        );
        const args = [n ?? '0', account.purchased, account.used, account.seq, account.refunded];
        if ((await repair.run(this.redis, [accountKey(account.user_id)], args)) === 1) repaired++;
      }
    }
    this.metrics.gauge('maas_reconcile_drifted_accounts', 'Accounts whose Redis balance differed from PostgreSQL in the last pass.', drifted);
    this.metrics.count('maas_reconcile_repairs_total', 'Redis accounts overwritten with PostgreSQL balances.', repaired);
    if (drifted > 0) this.logger.warn(`Reconciliation: ${checked} accounts checked, ${drifted} drifted, ${repaired} repaired`);
    return { checked, drifted, repaired };
  }
}
