import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { APP_CONFIG, AppError, Breakers, RuntimeConfig } from '@maas/core';
import { checkWebhookUrl, newWebhookSecret } from '@maas/notifications';

export interface Webhook {
  readonly url: string;
  /** The key of the `Maas-Signature` HMAC: verify every delivery with it. */
  readonly secret: string;
}

export interface NotificationTarget {
  readonly webhookUrl: string | null;
  readonly webhookSecret: string | null;
  readonly email: string | null;
}

/** Each user's webhook and e-mail address for "your meme is ready". */
@Injectable()
export class NotificationTargets {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly breakers: Breakers,
    @Inject(APP_CONFIG) private readonly config: RuntimeConfig,
  ) {}

  /** Sets the URL after checking it cannot reach internal networks; keeps an existing secret. */
  async setWebhook(userId: string, rawUrl: string): Promise<Webhook> {
    const checked = await checkWebhookUrl(rawUrl, { allowPrivateNetworks: this.config.webhookAllowPrivateNetworks });
    if (!checked.ok) throw AppError.invalid([{ field: 'url', message: checked.reason }]);
    const [row] = await this.run(
      `INSERT INTO notification_targets (user_id, webhook_url, webhook_secret) VALUES ($1, $2, $3)
       ON CONFLICT (user_id) DO UPDATE SET webhook_url = EXCLUDED.webhook_url,
         webhook_secret = COALESCE(notification_targets.webhook_secret, EXCLUDED.webhook_secret), updated_at = now()
       RETURNING webhook_url, webhook_secret`,
      [userId, checked.url.href, newWebhookSecret()],
    );
    return { url: row.webhook_url, secret: row.webhook_secret };
  }

  async webhook(userId: string): Promise<Webhook> {
    const target = await this.of(userId);
    if (!target?.webhookUrl || !target.webhookSecret) throw new AppError('webhook_not_found');
    return { url: target.webhookUrl, secret: target.webhookSecret };
  }

  async removeWebhook(userId: string): Promise<void> {
    await this.run('UPDATE notification_targets SET webhook_url = NULL, webhook_secret = NULL, updated_at = now() WHERE user_id = $1', [userId]);
  }

  async setEmail(userId: string, email: string | null): Promise<void> {
    await this.run(
      `INSERT INTO notification_targets (user_id, email) VALUES ($1, $2)
       ON CONFLICT (user_id) DO UPDATE SET email = EXCLUDED.email, updated_at = now()`,
      [userId, email],
    );
  }

  async of(userId: string): Promise<NotificationTarget | undefined> {
    const [row] = await this.run('SELECT webhook_url, webhook_secret, email FROM notification_targets WHERE user_id = $1', [userId]);
    return row && { webhookUrl: row.webhook_url, webhookSecret: row.webhook_secret, email: row.email };
  }

  private run(sql: string, parameters: unknown[]): Promise<{ [column: string]: string }[]> {
    return this.breakers.run('postgres', () => this.db.query(sql, parameters));
  }
}
