import { Check, Column, CreateDateColumn, Entity, Index, PrimaryColumn } from 'typeorm';

/** One credit of tokens, unique by the caller's reference so a retried purchase is credited once. */
@Entity('purchases')
@Index('purchases_user_id_idx', ['userId'])
@Check('purchases_amount_positive', '"amount" > 0')
export class PurchaseEntity {
  @PrimaryColumn({ type: 'varchar', length: 128 })
  reference!: string;

  @Column({ name: 'user_id', type: 'varchar', length: 64 })
  userId!: string;

  @Column({ type: 'bigint' })
  amount!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;
}
