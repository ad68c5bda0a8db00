import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * accounts.seq: the number of the last usage event applied to the account (Redis mode), which the
 * reconciliation compares with Redis' own count before trusting a comparison of balances.
 * Adding a column with a constant default is a metadata-only change in PostgreSQL 11+: no rewrite.
 */
export class AccountSequence1795805251330 implements MigrationInterface {
  name = 'AccountSequence1795805251330';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "accounts" ADD "seq" bigint NOT NULL DEFAULT '0'`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "accounts" DROP COLUMN "seq"`);
  }
}
