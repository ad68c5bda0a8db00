import { Column, Entity, PrimaryColumn } from 'typeorm';

/**
 * When the answer carrying a sold meme was handed to the network: one narrow row per meme (its
 * id), first delivery only. Kept apart from usage_events so that marking a delivery is a small
 * insert, not a new version of the wide charge row. No foreign key: in Redis mode a mark may
 * reach PostgreSQL before its charge (another worker's batch), and an orphan mark is harmless.
 */
@Entity('meme_deliveries')
export class MemeDeliveryEntity {
  @PrimaryColumn({ type: 'varchar', length: 80 })
  id!: string;

  @Column({ name: 'delivered_at', type: 'timestamptz' })
  deliveredAt!: Date;
}
