import { BeforeApplicationShutdown, Injectable, Logger } from '@nestjs/common';
import { TokenLedger } from '@maas/tokens';

const FLUSH_EVERY_MS = 100;
const MAX_PENDING = 50_000;

/**
 * Collects "this meme reached its caller" marks and writes them in batches, off the request path.
 * A mark lost to a crash before its flush (at most 100 ms of them) leaves a delivered meme listed
 * as undelivered: the safe side, since fetching it again costs nothing.
 */
@Injectable()
export class DeliveryTracker implements BeforeApplicationShutdown {
  private readonly logger = new Logger('Deliveries');
  private pending: { userId: string; saleId: string }[] = [];
  private readonly timer = setInterval(() => void this.flush(), FLUSH_EVERY_MS).unref();

  constructor(private readonly ledger: TokenLedger) {}

  delivered(userId: string, saleId: string): void {
    if (this.pending.length < MAX_PENDING) this.pending.push({ userId, saleId });
  }

  async flush(): Promise<void> {
    if (this.pending.length === 0) return;
    const batch = this.pending;
    this.pending = [];
    try {
      await this.ledger.markDelivered(batch);
    } catch (error) {
      this.logger.warn(`${batch.length} delivery marks not recorded: ${(error as Error).message}`);
    }
  }

  /** Before the clients close: the last marks still go out. */
  async beforeApplicationShutdown(): Promise<void> {
    clearInterval(this.timer);
    await this.flush();
  }
}
