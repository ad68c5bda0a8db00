import { Column, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/** Where a user wants to hear that an asynchronous meme is ready: a signed webhook, an e-mail, or both. */
@Entity('notification_targets')
export class NotificationTargetEntity {
  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 64 })
  userId!: string;

  @Column({ name: 'webhook_url', type: 'varchar', length: 2048, nullable: true })
  webhookUrl!: string | null;

  /** The HMAC key of the user's webhook signatures. */
  @Column({ name: 'webhook_secret', type: 'varchar', length: 100, nullable: true })
  webhookSecret!: string | null;

  @Column({ type: 'varchar', length: 254, nullable: true })
  email!: string | null;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
