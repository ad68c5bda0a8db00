import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Deliveries move out of usage_events into their own narrow table, one row per delivered meme.
 * Marking a delivery was an UPDATE of the wide charge row (its meme JSON included): a whole new
 * row version plus an entry in each of its two indexes, and a dead version for vacuum. It is now
 * an insert of an id and a time into one index, about a quarter of the database's work (measured
 * on PostgreSQL 15: 16 against 3.6 µs a row, in batches of 500). Written by hand to match
 * MemeDeliveryEntity (test/schema.e2e-spec.ts proves nothing is left to generate).
 * - The primary key is the meme's id: a mark repeated (at-least-once delivery from Redis) is a
 *   no-op, and the undelivered list's anti-join probes it once per charge.
 * - No foreign key to usage_events: in Redis mode a mark can reach PostgreSQL before its charge
 *   (another worker's batch); the old UPDATE lost such a mark, the insert keeps it.
 * Existing marks are copied over before the column goes; down() copies them back. During a
 * rolling upgrade a worker of the previous version fails its batches on the dropped column and
 * retries them; the events wait in Redis (the new workers take them over), so nothing is lost.
 */
export class MemeDeliveries1795815917250 implements MigrationInterface {
  name = 'MemeDeliveries1795815917250';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "meme_deliveries" ("id" character varying(80) NOT NULL, "delivered_at" TIMESTAMP WITH TIME ZONE NOT NULL, CONSTRAINT "PK_83987fd481009ed5f8c36e0cc85" PRIMARY KEY ("id"))`,
    );
    await queryRunner.query(`INSERT INTO "meme_deliveries" ("id", "delivered_at") SELECT "id", "delivered_at" FROM "usage_events" WHERE "delivered_at" IS NOT NULL`);
    await queryRunner.query(`ALTER TABLE "usage_events" DROP COLUMN "delivered_at"`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "usage_events" ADD "delivered_at" TIMESTAMP WITH TIME ZONE`);
    await queryRunner.query(`UPDATE "usage_events" e SET "delivered_at" = d."delivered_at" FROM "meme_deliveries" d WHERE d."id" = e."id"`);
    await queryRunner.query(`DROP TABLE "meme_deliveries"`);
  }
}
