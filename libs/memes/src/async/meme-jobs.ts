import { Inject, Injectable, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { APP_CONFIG, Breakers, JobQueue, RuntimeConfig } from '@maas/core';
import { DeferredSale, DeferredSales } from '@maas/tokens';
import { MemeJobStatus } from './meme-job.entity';

/** Makes a sold meme. */
export const RENDER_QUEUE = 'meme-render';
/** A meme whose every attempt failed: refunded here. */
export const FAILED_QUEUE = 'meme-render-failed';
/** Tells the owner a meme is ready (or failed), one queue per channel so each retries alone. */
export const WEBHOOK_QUEUE = 'meme-webhook';
export const EMAIL_QUEUE = 'meme-email';

export interface RenderJob {
  readonly memeId: string;
}

export type MemeEvent = 'meme.ready' | 'meme.failed';

export interface NotifyJob {
  readonly memeId: string;
  readonly event: MemeEvent;
}

export interface MemeProgress {
  readonly status: MemeJobStatus;
  readonly link: string | null;
  readonly error: string | null;
}

/**
 * The queue side of memes made after their sale: records each one's progress row and queues the
 * job that makes it, in the transaction that records the charge (see DeferredSales), and reads
 * that progress back.
 */
@Injectable()
export class MemeJobs extends DeferredSales implements OnModuleInit {
  constructor(
    private readonly queue: JobQueue,
    @InjectDataSource() private readonly db: DataSource,
    private readonly breakers: Breakers,
    @Inject(APP_CONFIG) private readonly config: RuntimeConfig,
  ) {
    super();
  }

  /** Every process that may queue a job defines the queues (idempotent), dead-letter queue first. */
  async onModuleInit(): Promise<void> {
    const { jobRetryLimit, jobRetryDelaySeconds, jobTimeoutSeconds } = this.config;
    const retries = { retryDelaySeconds: jobRetryDelaySeconds, timeoutSeconds: jobTimeoutSeconds };
    await this.queue.define({ name: FAILED_QUEUE, retryLimit: 10, ...retries });
    await this.queue.define({ name: RENDER_QUEUE, retryLimit: jobRetryLimit, deadLetter: FAILED_QUEUE, ...retries });
    // A receiver that is down for a while still gets the notification: more attempts, same backoff.
    await this.queue.define({ name: WEBHOOK_QUEUE, retryLimit: Math.max(jobRetryLimit, 5), ...retries });
    await this.queue.define({ name: EMAIL_QUEUE, retryLimit: Math.max(jobRetryLimit, 5), ...retries });
  }

  async enqueue(tx: EntityManager, sales: readonly DeferredSale[]): Promise<void> {
    await tx.query(
      `INSERT INTO meme_jobs (id, user_id, format)
       SELECT * FROM unnest($1::uuid[], $2::varchar[], $3::varchar[]) ON CONFLICT (id) DO NOTHING`,
      [sales.map((s) => s.id), sales.map((s) => s.userId), sales.map((s) => s.format)],
    );
    // The job's id is the meme's: queuing it twice is a no-op.
    for (const sale of sales) await this.queue.send(RENDER_QUEUE, { memeId: sale.id } satisfies RenderJob, { tx, id: sale.id });
  }

  async progress(memeId: string): Promise<MemeProgress | undefined> {
    const rows = await this.breakers.run('postgres', () =>
      this.db.query('SELECT status, link, error FROM meme_jobs WHERE id = $1', [memeId]),
    );
    return rows[0];
  }
}
