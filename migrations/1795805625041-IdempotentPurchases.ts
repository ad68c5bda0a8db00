import { MigrationInterface, QueryRunner } from 'typeorm';

/** idempotency_keys.body: the stored answer of a purchase made with an Idempotency-Key. */
export class IdempotentPurchases1795805625041 implements MigrationInterface {
  name = 'IdempotentPurchases1795805625041';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "idempotency_keys" ADD "body" json`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE "idempotency_keys" DROP COLUMN "body"`);
  }
}
