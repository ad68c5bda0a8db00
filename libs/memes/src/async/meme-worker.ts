import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { APP_CONFIG, JobQueue, Metrics, RuntimeConfig } from '@maas/core';
import { Refunds } from '@maas/tokens';
import { Caption } from '../caption';
import { MemePublisher } from '../media/meme-publisher';
import { MediaFormat } from '../media/meme-renderer';
import { MemeNotifier } from '../notify/meme-notifier';
import { EMAIL_QUEUE, FAILED_QUEUE, MemeEvent, NotifyJob, RENDER_QUEUE, RenderJob, WEBHOOK_QUEUE } from './meme-jobs';

/** What the owner reads on a failed meme: no internals. */
const FAILURE_MESSAGE = 'The meme could not be made; its tokens were refunded.';
const EXPIRE_EVERY_MS = 3_600_000;

/**
 * Runs the meme jobs: makes each sold meme, refunds the ones that cannot be made, notifies the
 * owners. Every step is safe to repeat, because a job runs at least once (a worker that dies
 * mid-job has the job retried after JOB_TIMEOUT_SECONDS): the meme's object and link are
 * overwritten with the same, and the status moves from pending exactly once, in the transaction
 * that queues the notifications (and records the refund).
 */
@Injectable()
export class MemeWorker implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger('MemeWorker');
  private expiry?: NodeJS.Timeout;

  constructor(
    private readonly queue: JobQueue,
    @InjectDataSource() private readonly db: DataSource,
    private readonly publisher: MemePublisher,
    private readonly refunds: Refunds,
    private readonly notifier: MemeNotifier,
    private readonly metrics: Metrics,
    @Inject(APP_CONFIG) private readonly config: RuntimeConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    await this.queue.work<RenderJob>(RENDER_QUEUE, this.config.jobConcurrency, (job, attempt) => this.make(job.memeId, attempt.retryCount));
    await this.queue.work<RenderJob>(FAILED_QUEUE, 1, (job) => this.refund(job.memeId));
    await this.queue.work<NotifyJob>(WEBHOOK_QUEUE, 2, (job) => this.notifier.webhook(job.memeId, job.event));
    await this.queue.work<NotifyJob>(EMAIL_QUEUE, 1, (job) => this.notifier.email(job.memeId, job.event));
    if (this.config.objectRetentionDays > 0) {
      this.expiry = setInterval(() => void this.expireOld(), EXPIRE_EVERY_MS).unref();
    }
    this.logger.log(`Making memes, ${this.config.jobConcurrency} at a time`);
  }

  onApplicationShutdown(): void {
    clearInterval(this.expiry);
  }

  private async make(memeId: string, retryCount: number): Promise<void> {
    const [meme] = await this.db.query(
      `SELECT j.status, j.format, e.content -> 'caption' AS caption, e.content ->> 'generator' AS generator
       FROM meme_jobs j JOIN usage_events e ON e.id = j.id::text WHERE j.id = $1`,
      [memeId],
    );
    if (!meme || meme.status !== 'pending') return; // made (or failed) by an earlier attempt
    try {
      const premium = meme.generator !== null && meme.generator !== 'standard';
      const link = await this.publisher.publish(memeId, meme.format as MediaFormat, meme.caption as Caption, premium);
      const made = await this.finish(memeId, 'meme.ready', async (tx) => {
        const [, updated] = await tx.query(
          `UPDATE meme_jobs SET status = 'ready', link = $2, finished_at = now() WHERE id = $1 AND status = 'pending'`,
          [memeId, link],
        );
        return updated === 1;
      });
      if (made) this.metrics.count('maas_meme_jobs_completed_total', 'Memes made after their sale.');
    } catch (error) {
      this.metrics.count('maas_meme_job_failures_total', 'Failed attempts at making a meme (retried, then refunded).');
      this.logger.warn(`Attempt ${retryCount + 1} at meme ${memeId} failed: ${(error as Error).message}`);
      throw error;
    }
  }

  /** Every attempt failed: the meme is marked failed and its charge refunded, once. */
  private async refund(memeId: string): Promise<void> {
    const refunded = await this.finish(memeId, 'meme.failed', async (tx) => {
      const [, updated] = await tx.query(
        `UPDATE meme_jobs SET status = 'failed', error = $2, finished_at = now() WHERE id = $1 AND status = 'pending'`,
        [memeId, FAILURE_MESSAGE],
      );
      if (updated === 0) return false;
      await this.refunds.record(tx, memeId);
      return true;
    });
    // Outside the transaction and on every run: a retry after a failure here still applies it.
    const [owner] = await this.db.query('SELECT user_id FROM meme_jobs WHERE id = $1', [memeId]);
    if (owner) await this.refunds.apply(owner.user_id);
    if (refunded) {
      this.logger.error(`Meme ${memeId} could not be made and was refunded`);
      this.metrics.count('maas_meme_jobs_refunded_total', 'Memes that could not be made, refunded.');
    }
  }

  /**
   * Moves the meme out of pending and, if this call did it, queues the owner's notifications with
   * it; answers whether it did.
   */
  private async finish(memeId: string, event: MemeEvent, transition: (tx: EntityManager) => Promise<boolean>): Promise<boolean> {
    return this.db.transaction(async (tx) => {
      if (!(await transition(tx))) return false;
      const job = { memeId, event } satisfies NotifyJob;
      await this.queue.send(WEBHOOK_QUEUE, job, { tx });
      if (this.config.smtpUrl) await this.queue.send(EMAIL_QUEUE, job, { tx });
      return true;
    });
  }

  private async expireOld(): Promise<void> {
    try {
      const removed = await this.publisher.expireOld();
      if (removed > 0) this.logger.log(`Deleted ${removed} memes older than ${this.config.objectRetentionDays} days`);
    } catch (error) {
      this.logger.warn(`Deleting old memes failed: ${(error as Error).message}`);
    }
  }
}
