import { Check, Column, CreateDateColumn, Entity, PrimaryColumn, UpdateDateColumn } from 'typeorm';

/**
 * A user's token account. In PostgreSQL mode this row is the live balance; in Redis mode Redis
 * holds the live balance and this row holds the purchases (the durable side).
 */
@Entity('accounts')
@Check('accounts_balance_not_negative', '"used" >= 0 AND "refunded" >= 0 AND "refunded" <= "used" AND "used" <= "purchased" + "refunded"')
export class AccountEntity {
  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 64 })
  userId!: string;

  @Column({ type: 'bigint', default: 0 })
  purchased!: string;

  /** Tokens charged, refunds not deducted. */
  @Column({ type: 'bigint', default: 0 })
  used!: string;

  /** Tokens given back for memes that could not be made (one usage event `<meme id>:refund` each). */
  @Column({ type: 'bigint', default: 0 })
  refunded!: string;

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
