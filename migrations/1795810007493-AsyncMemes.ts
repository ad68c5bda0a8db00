import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Image and video memes, asynchronous generation and refunds. Generated from the entities, then reviewed:
 * - accounts.refunded: tokens given back for memes that could not be made. `used` stays the
 *   charged total (Redis counts the same), so the balance is purchased + refunded - used and the
 *   check says exactly that it is never negative.
 * - meme_jobs is read by its primary key (the meme id) only; the owner is checked on the row.
 * - short_links is resolved by code (primary key); meme_id is unique so creating a meme's link is
 *   idempotent across job retries; created_at is indexed for the retention sweep.
 * - notification_targets is read by its primary key (the user).
 */
export class AsyncMemes1795810007493 implements MigrationInterface {
  name = 'AsyncMemes1795810007493';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "accounts" DROP CONSTRAINT "accounts_used_within_purchased"`);
    await queryRunner.query(`ALTER TABLE "accounts" ADD "refunded" bigint NOT NULL DEFAULT '0'`);
    await queryRunner.query(
      `ALTER TABLE "accounts" ADD CONSTRAINT "accounts_balance_not_negative" CHECK ("used" >= 0 AND "refunded" >= 0 AND "refunded" <= "used" AND "used" <= "purchased" + "refunded")`,
    );
    await queryRunner.query(
      `CREATE TABLE "meme_jobs" ("id" uuid NOT NULL, "user_id" character varying(64) NOT NULL, "format" character varying(16) NOT NULL, "status" character varying(8) NOT NULL DEFAULT 'pending', "link" character varying(300), "error" character varying(300), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "finished_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "meme_jobs_status" CHECK ("status" IN ('pending', 'ready', 'failed')), CONSTRAINT "PK_4bcf3c3958051c490e7eab1badc" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "short_links" ("code" character varying(16) NOT NULL, "meme_id" uuid NOT NULL, "object_key" character varying(255) NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_d9e777e466e606d53d51398311d" PRIMARY KEY ("code"))`,
    );
    await queryRunner.query(`CREATE UNIQUE INDEX "short_links_meme_id_key" ON "short_links" ("meme_id")`);
    await queryRunner.query(`CREATE INDEX "short_links_created_at_idx" ON "short_links" ("created_at")`);
    await queryRunner.query(
      `CREATE TABLE "notification_targets" ("user_id" character varying(64) NOT NULL, "webhook_url" character varying(2048), "webhook_secret" character varying(100), "email" character varying(254), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_9ad5a6f62bbae7a438d7989a055" PRIMARY KEY ("user_id"))`,
    );
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "notification_targets"`);
    await queryRunner.query(`DROP INDEX "public"."short_links_created_at_idx"`);
    await queryRunner.query(`DROP INDEX "public"."short_links_meme_id_key"`);
    await queryRunner.query(`DROP TABLE "short_links"`);
    await queryRunner.query(`DROP TABLE "meme_jobs"`);
    await queryRunner.query(`ALTER TABLE "accounts" DROP CONSTRAINT "accounts_balance_not_negative"`);
    await queryRunner.query(`ALTER TABLE "accounts" DROP COLUMN "refunded"`);
    await queryRunner.query(`ALTER TABLE "accounts" ADD CONSTRAINT "accounts_used_within_purchased" CHECK ("used" >= 0 AND "used" <= "purchased")`);
  }
}
