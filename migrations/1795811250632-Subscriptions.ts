import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Subscriptions: one row per user (the primary key is the user id). Written by hand to match
 * SubscriptionEntity exactly (test/schema.e2e-spec.ts proves nothing is left to generate).
 * - The primary key serves the per-user lookup on the hot path (premium checks, GET
 *   /subscriptions/me, admin reads and writes): one index probe. No separate index on user_id.
 * - (status, user_id) serves the admin list filtered by status and paged in user id order: the
 *   index hands the rows over already in order, so a page stops after OFFSET + LIMIT entries
 *   instead of sorting every row of that status, and the count of one status reads only that
 *   status's part of the index (index-only once autovacuum has marked the pages all-visible).
 *   The unfiltered list walks the primary key in order.
 * - The checks keep the plan and status to the known values and every period non-empty.
 */
export class Subscriptions1795811250632 implements MigrationInterface {
  name = 'Subscriptions1795811250632';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "subscriptions" ("user_id" character varying(64) NOT NULL, "plan" character varying(16) NOT NULL, "status" character varying(16) NOT NULL, "current_period_start" TIMESTAMP WITH TIME ZONE NOT NULL, "current_period_end" TIMESTAMP WITH TIME ZONE NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "subscriptions_period" CHECK ("current_period_end" > "current_period_start"), CONSTRAINT "subscriptions_status" CHECK ("status" IN ('active', 'cancelled', 'past_due')), CONSTRAINT "subscriptions_plan" CHECK ("plan" IN ('premium')), CONSTRAINT "PK_d0a95ef8a28188364c546eb65c1" PRIMARY KEY ("user_id"))`,
    );
    await queryRunner.query(`CREATE INDEX "subscriptions_status_user_id_idx" ON "subscriptions" ("status", "user_id")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."subscriptions_status_user_id_idx"`);
    await queryRunner.query(`DROP TABLE "subscriptions"`);
  }
}
