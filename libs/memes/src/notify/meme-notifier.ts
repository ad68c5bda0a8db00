import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, Metrics, RuntimeConfig } from '@maas/core';
import { Mailer, sendWebhook } from '@maas/notifications';
import { MemeEvent } from '../async/meme-jobs';

/** A channel failed in a way worth retrying: the job queue retries it with backoff. */
class RetryLater extends Error {}

/**
 * Tells a meme's owner it is ready or failed, by webhook and by e-mail, each a job of its own so
 * each retries alone. At least once: a worker that dies after sending and before the job is
 * marked done sends again, so deliveries carry an id to deduplicate on (Maas-Delivery).
 */
@Injectable()
export class MemeNotifier {
  private readonly logger = new Logger('MemeNotifier');
  private readonly mailer?: Mailer;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly metrics: Metrics,
    @Inject(APP_CONFIG) private readonly config: RuntimeConfig,
  ) {
    if (config.smtpUrl) this.mailer = new Mailer({ smtpUrl: config.smtpUrl, from: config.smtpFrom });
  }

  async webhook(memeId: string, event: MemeEvent): Promise<void> {
    const meme = await this.load(memeId);
    if (!meme?.webhook_url || !meme.webhook_secret) return;
    const result = await sendWebhook({
      url: meme.webhook_url,
      secret: meme.webhook_secret,
      event,
      payload: payloadOf(memeId, meme),
      timeoutMs: this.config.webhookTimeoutMs,
      allowPrivateNetworks: this.config.webhookAllowPrivateNetworks,
      deliveryId: `${memeId}:${event}`,
    });
    this.settle('webhook', memeId, result.delivered ? undefined : result);
  }

  async email(memeId: string, event: MemeEvent): Promise<void> {
    const meme = await this.load(memeId);
    if (!this.mailer || !meme?.email || event !== 'meme.ready' || !meme.link) return;
    const result = await this.mailer.sendMemeReady(meme.email, {
      id: memeId,
      format: meme.format,
      link: meme.link,
      caption: `${meme.caption.top} / ${meme.caption.bottom}`,
    });
    this.settle('email', memeId, result.sent ? undefined : result);
  }

  private settle(channel: 'webhook' | 'email', memeId: string, failure?: { retryable: boolean; reason: string }): void {
    if (!failure) {
      this.metrics.count(`maas_${channel}_notifications_sent_total`, `Meme notifications sent by ${channel}.`);
      return;
    }
    this.metrics.count(`maas_${channel}_notification_failures_total`, `Failed ${channel} notification attempts.`);
    if (failure.retryable) throw new RetryLater(`${channel} for meme ${memeId} failed, retrying: ${failure.reason}`);
    this.logger.warn(`${channel} for meme ${memeId} refused, not retried: ${failure.reason}`);
  }

  private async load(memeId: string): Promise<NotifiedMeme | undefined> {
    const [row] = await this.db.query(
      `SELECT j.user_id, j.format, j.status, j.link, j.error, e.content -> 'caption' AS caption, e.content ->> 'createdAt' AS created_at,
              t.webhook_url, t.webhook_secret, t.email
       FROM meme_jobs j JOIN usage_events e ON e.id = j.id::text LEFT JOIN notification_targets t ON t.user_id = j.user_id
       WHERE j.id = $1`,
      [memeId],
    );
    return row;
  }
}

interface NotifiedMeme {
  user_id: string;
  format: string;
  status: string;
  link: string | null;
  error: string | null;
  caption: { template: string; top: string; bottom: string };
  created_at: string;
  webhook_url: string | null;
  webhook_secret: string | null;
  email: string | null;
}

function payloadOf(memeId: string, meme: NotifiedMeme): object {
  return {
    id: memeId,
    format: meme.format,
    status: meme.status,
    meme: meme.link,
    statusUrl: `/memes/${memeId}`,
    caption: meme.caption,
    createdAt: meme.created_at,
    ...(meme.error ? { error: meme.error } : {}),
  };
}
