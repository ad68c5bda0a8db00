import { Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * The first outcome of a request sent with an Idempotency-Key, per user, replayed to retries
 * (sales in PostgreSQL mode, and purchases; Redis keeps its own for sales, with a TTL). Rows
 * older than IDEMPOTENCY_TTL_HOURS count as absent and are replaced.
 */
@Entity('idempotency_keys')
@Index('idempotency_keys_created_at_idx', ['createdAt'])
export class IdempotencyKeyEntity {
  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 64 })
  userId!: string;

  @PrimaryColumn({ type: 'varchar', length: 255 })
  key!: string;

  /** SHA-1 of the request's parameters: the same key with other parameters is refused. */
  @Column({ type: 'char', length: 40 })
  fingerprint!: string;

  @Column({ type: 'smallint' })
  status!: number;

  @Column({ type: 'bigint' })
  remaining!: string;

  @Column({ name: 'sale_id', type: 'varchar', length: 80, nullable: true })
  saleId!: string | null;

  /** The answer's body, for outcomes that are not a sale (purchases). */
  @Column({ type: 'json', nullable: true })
  body!: unknown;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
