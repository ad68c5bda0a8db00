import { Check, Column, CreateDateColumn, Entity, Index, PrimaryColumn, UpdateDateColumn } from 'typeorm';

export const SUBSCRIPTION_PLANS = ['premium'] as const;
export type SubscriptionPlan = (typeof SUBSCRIPTION_PLANS)[number];

export const SUBSCRIPTION_STATUSES = ['active', 'cancelled', 'past_due'] as const;
export type SubscriptionStatus = (typeof SUBSCRIPTION_STATUSES)[number];

/**
 * A user's subscription: at most one per user (the primary key), read on the hot path by that key
 * and by the admin list filtered by status in user id order (see the migration for the indexes).
 */
@Entity('subscriptions')
@Index('subscriptions_status_user_id_idx', ['status', 'userId'])
@Check('subscriptions_plan', `"plan" IN ('premium')`)
@Check('subscriptions_status', `"status" IN ('active', 'cancelled', 'past_due')`)
@Check('subscriptions_period', '"current_period_end" > "current_period_start"')
export class SubscriptionEntity {
  @PrimaryColumn({ name: 'user_id', type: 'varchar', length: 64 })
  userId!: string;

  @Column({ type: 'varchar', length: 16 })
  plan!: SubscriptionPlan;

  @Column({ type: 'varchar', length: 16 })
  status!: SubscriptionStatus;

  @Column({ name: 'current_period_start', type: 'timestamptz' })
  currentPeriodStart!: Date;

  @Column({ name: 'current_period_end', type: 'timestamptz' })
  currentPeriodEnd!: Date;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt!: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt!: Date;
}
