import { Check, Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

export type MemeJobStatus = 'pending' | 'ready' | 'failed';

/**
 * A meme sold before it was made (a slow format): its progress, read by GET /memes/{id}. Written
 * in the transaction that records the charge in PostgreSQL, with the queue job that makes it.
 * Looked up by its primary key only (the owner is checked on the row).
 */
@Entity('meme_jobs')
@Check('meme_jobs_status', `"status" IN ('pending', 'ready', 'failed')`)
export class MemeJobEntity {
  /** The meme's id, which is also its charge's id in the usage ledger. */
  @PrimaryColumn({ type: 'uuid' })
  id!: string;

  @Column({ name: 'user_id', type: 'varchar', length: 64 })
  userId!: string;

  @Column({ type: 'varchar', length: 16 })
  format!: string;

  @Column({ type: 'varchar', length: 8, default: 'pending' })
  status!: MemeJobStatus;

  /** The short link, once ready. */
  @Column({ type: 'varchar', length: 300, nullable: true })
  link!: string | null;

  /** Why it failed (shown to the owner: no internals). */
  @Column({ type: 'varchar', length: 300, nullable: true })
  error!: string | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @Column({ name: 'finished_at', type: 'timestamptz', nullable: true })
  finishedAt!: Date | null;
}
