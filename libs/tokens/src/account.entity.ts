import { Check, Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * A user's token account. In PostgreSQL mode this row is the live balance; in Redis mode Redis
 * holds the live balance and this row holds the purchases (the durable side).
 */
@Entity('accounts')
@Check('accounts_used_within_purchased', '"used" >= 0 AND "used" <= "purchased"')
export class AccountEntity {
  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 64 })
  userId!: string;

  @Column({ type: 'bigint', default: 0 })
  purchased!: string;

  @Column({ type: 'bigint', default: 0 })
  used!: string;

  /**
   * Redis mode: the number of the last usage event of this account applied here. Redis counts
   * the same events, so equal numbers mean both sides have seen the same history.
   */
  @Column({ type: 'bigint', default: 0 })
  seq!: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
