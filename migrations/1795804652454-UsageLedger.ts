import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The usage ledger and idempotency keys. Generated from the entities, then reviewed:
 * - usage_events is append-only; its primary key (the meme's id, or "<id>:refund") is what turns
 *   at-least-once delivery from Redis into exactly-once rows. (user_id, at) serves per-user usage
 *   by day and the undelivered-memes list, both scoped to one user and a time range.
 * - idempotency_keys is looked up by its primary key (user, key); created_at is indexed for the
 *   sweep that deletes expired keys.
 */
export class UsageLedger1795804652454 implements MigrationInterface {
  name = 'UsageLedger1795804652454';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "usage_events" ("id" character varying(80) NOT NULL, "user_id" character varying(64) NOT NULL, "kind" character varying(8) NOT NULL, "amount" integer NOT NULL, "format" character varying(16) NOT NULL, "at" TIMESTAMP WITH TIME ZONE NOT NULL, "content" json, "delivered_at" TIMESTAMP WITH TIME ZONE, CONSTRAINT "usage_events_amount_positive" CHECK ("amount" > 0), CONSTRAINT "usage_events_kind" CHECK ("kind" IN ('charge', 'refund')), CONSTRAINT "PK_c9f17d50873fab2c46615f542bc" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`CREATE INDEX "usage_events_user_id_at_idx" ON "usage_events" ("user_id", "at")`);
    await queryRunner.query(
      `CREATE TABLE "idempotency_keys" ("user_id" character varying(64) NOT NULL, "key" character varying(255) NOT NULL, "fingerprint" character(40) NOT NULL, "status" smallint NOT NULL, "remaining" bigint NOT NULL, "sale_id" character varying(80), "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "PK_392b1af86f210d98d3f0c764728" PRIMARY KEY ("user_id", "key"))`,
    );
    await queryRunner.query(`CREATE INDEX "idempotency_keys_created_at_idx" ON "idempotency_keys" ("created_at")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."idempotency_keys_created_at_idx"`);
    await queryRunner.query(`DROP TABLE "idempotency_keys"`);
    await queryRunner.query(`DROP INDEX "public"."usage_events_user_id_at_idx"`);
    await queryRunner.query(`DROP TABLE "usage_events"`);
  }
}
