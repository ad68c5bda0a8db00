import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One row naming this deployment (this database) for good. Its id gives the default Redis key
 * prefix, so two deployments sharing a Redis never read each other's keys or usage events, and it
 * is what a deployment writes into Redis to claim its namespace. Written by hand: no entity reads
 * it through TypeORM.
 */
export class Deployment1795830512870 implements MigrationInterface {
  name = 'Deployment1795830512870';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(
      `CREATE TABLE "deployment" (
        "one" boolean PRIMARY KEY DEFAULT true CHECK ("one"),
        "id" uuid NOT NULL DEFAULT gen_random_uuid(),
        "created_at" timestamptz NOT NULL DEFAULT now()
      )`,
    );
    await queryRunner.query(`INSERT INTO "deployment" DEFAULT VALUES`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE "deployment"`);
  }
}
