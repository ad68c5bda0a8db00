import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Accounts and purchases. Generated from the entities, then reviewed:
 * - the CHECKs repeat in the schema what the ledger guarantees in code (never overdrawn, no
 *   negative or empty purchase), so a bug cannot corrupt balances silently;
 * - purchases are looked up by reference (the primary key, for idempotent credits) and listed
 *   by user (purchases_user_id_idx).
 */
export class InitialSchema1795802918409 implements MigrationInterface {
  name = 'InitialSchema1795802918409';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "accounts" ("user_id" character varying(64) NOT NULL, "purchased" bigint NOT NULL DEFAULT '0', "used" bigint NOT NULL DEFAULT '0', "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), "updated_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "accounts_used_within_purchased" CHECK ("used" >= 0 AND "used" <= "purchased"), CONSTRAINT "PK_3000dad1da61b29953f07476324" PRIMARY KEY ("user_id"))`,
    );
    await queryRunner.query(
      `CREATE TABLE "purchases" ("reference" character varying(128) NOT NULL, "user_id" character varying(64) NOT NULL, "amount" bigint NOT NULL, "created_at" TIMESTAMP WITH TIME ZONE NOT NULL DEFAULT now(), CONSTRAINT "purchases_amount_positive" CHECK ("amount" > 0), CONSTRAINT "PK_c92068b89f9579c973d2a2bbae9" PRIMARY KEY ("reference"))`,
    );
    await queryRunner.query(`CREATE INDEX "purchases_user_id_idx" ON "purchases" ("user_id")`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX "public"."purchases_user_id_idx"`);
    await queryRunner.query(`DROP TABLE "purchases"`);
    await queryRunner.query(`DROP TABLE "accounts"`);
  }
}
