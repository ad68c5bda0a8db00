import { Check, Column, Entity, Index, PrimaryColumn } from 'typeorm';

/**
 * The append-only usage ledger, the system of record for spending: one row per charge, whose id
 * is the meme's id. The primary key makes at-least-once delivery from Redis exactly-once in
 * effect. A charge row keeps the meme it paid for, so a meme whose response never reached the
 * caller stays retrievable (whether it did is in meme_deliveries). A meme generated after its
 * sale (asynchronously) that could not be made is refunded by a `refund` row with id
 * `<meme id>:refund`, so at most once.
 */
@Entity('usage_events')
@Index('usage_events_user_id_at_idx', ['userId', 'at'])
@Check('usage_events_kind', `"kind" IN ('charge', 'refund')`)
@Check('usage_events_amount_positive', '"amount" > 0')
export class UsageEventEntity {
  @PrimaryColumn({ type: 'varchar', length: 80 })
  id!: string;

  @Column({ name: 'user_id', type: 'varchar', length: 64 })
  userId!: string;

  @Column({ type: 'varchar', length: 8 })
  kind!: 'charge' | 'refund';

  @Column({ type: 'integer' })
  amount!: number;

  @Column({ type: 'varchar', length: 16 })
  format!: string;

  @Column({ type: 'timestamptz' })
  at!: Date;

  /** json, not jsonb: kept as written, so a replay is byte for byte the first answer. */
  @Column({ type: 'json', nullable: true })
  content!: Record<string, unknown> | null;
}
