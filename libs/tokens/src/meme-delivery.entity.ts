import { Column, Entity, Index, PrimaryGeneratedColumn } from 'typeorm';

/**
 * When an answer carrying a sold meme was handed to the network: one narrow row per mark. Kept
 * apart from usage_events so that marking a delivery is a small insert, not a new version of the
 * wide charge row. A meme may be marked more than once (an Idempotency-Key replay, a batch read
 * again); its first delivery is the earliest mark. No foreign key: in Redis mode a mark may reach
 * PostgreSQL before its charge (another worker's batch), and an orphan mark is harmless.
 *
 * Marks are found by meme through a hash index, made by the migration (TypeORM cannot declare
 * one): random meme ids made a unique B-tree the larger part of a mark's cost. The key is a
 * sequence, so its B-tree only ever grows at its right edge.
 */
@Entity('meme_deliveries')
@Index('meme_deliveries_meme_id_idx', { synchronize: false })
export class MemeDeliveryEntity {
  @PrimaryGeneratedColumn('identity', { type: 'bigint' })
  seq!: string;

  @Column({ name: 'meme_id', type: 'varchar', length: 80 })
  memeId!: string;

  @Column({ name: 'delivered_at', type: 'timestamptz' })
  deliveredAt!: Date;
}
