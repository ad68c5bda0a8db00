import { Global, Inject, Injectable, Logger, Module, OnApplicationShutdown, OnModuleInit } from '@nestjs/common';
import PgBoss from 'pg-boss';
import { EntityManager } from 'typeorm';
import { APP_CONFIG, RuntimeConfig } from '../config/config.module';

export type JobHandler<T> = (data: T, job: { readonly id: string; readonly retryCount: number }) => Promise<void>;

export interface QueueDefinition {
  readonly name: string;
  /** Attempts after the first; 0: no retry. */
  readonly retryLimit: number;
  readonly retryDelaySeconds: number;
  /** A job running longer (its worker died or hung) is failed, then retried. */
  readonly timeoutSeconds: number;
  /** Where a job goes once its last attempt failed. */
  readonly deadLetter?: string;
}

/** PostgreSQL's deadlock_detected, and how often a queue definition that hits it is tried. */
const DEADLOCK_DETECTED = '40P01';
const DEADLOCK_ATTEMPTS = 10;

/** How long a stopping worker lets the jobs in hand finish before it gives them up (they are retried elsewhere). */
const STOP_TIMEOUT_MS = 20_000;

/**
 * The durable job queue: pg-boss in the service's own PostgreSQL (schema JOB_QUEUE_SCHEMA), so it works
 * the same in the embedded set-up and in production, and a job can be queued in the transaction
 * of the business write it follows. Retries back off exponentially; a job whose last attempt
 * failed moves to its dead-letter queue. A worker that dies mid-job leaves the job active until
 * its timeout, after which it is retried by any worker.
 */
@Injectable()
export class JobQueue implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('JobQueue');
  private readonly boss: PgBoss;

  constructor(@Inject(APP_CONFIG) config: RuntimeConfig) {
    this.boss = new PgBoss({
      connectionString: config.databaseUrl,
      schema: config.jobQueueSchema,
      application_name: 'maas-jobs',
      max: 4,
      maintenanceIntervalSeconds: config.jobMaintenanceSeconds,
      // Cron scheduling is not used; it would add a clock monitor per instance.
      schedule: false,
    });
    this.boss.on('error', (error) => this.logger.warn(`Job queue error: ${error.message}`));
  }

  private started?: Promise<unknown>;

  /** Also started by the first use: modules that define queues may initialise before this one. */
  async onModuleInit(): Promise<void> {
    await this.start();
  }

  private start(): Promise<unknown> {
    return (this.started ??= this.boss.start());
  }

  async onApplicationShutdown(): Promise<void> {
    await this.boss.stop({ graceful: true, wait: true, timeout: STOP_TIMEOUT_MS });
  }

  /** Creates the queue, or brings an existing one's settings up to these. */
  async define(queue: QueueDefinition): Promise<void> {
    const options = {
      name: queue.name,
      retryLimit: queue.retryLimit,
      retryDelay: queue.retryDelaySeconds,
      retryBackoff: true,
      expireInSeconds: queue.timeoutSeconds,
      ...(queue.deadLetter ? { deadLetter: queue.deadLetter } : {}),
    };
    await this.start();
    await this.retryDeadlocks(queue.name, () => this.boss.createQueue(queue.name, options));
    await this.retryDeadlocks(queue.name, () => this.boss.updateQueue(queue.name, options));
  }

  /**
   * Instances that start together on a database pg-boss has never seen (a new deployment's
   * replicas, a test run's workers) deadlock creating the same queues: PostgreSQL cancels one
   * side, which tries again once the other has finished.
   */
  private async retryDeadlocks(queue: string, step: () => Promise<unknown>): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        await step();
        return;
      } catch (error) {
        if ((error as { code?: string }).code !== DEADLOCK_DETECTED || attempt === DEADLOCK_ATTEMPTS) throw error;
        this.logger.log(`Queue ${queue}: deadlocked with another instance defining it, trying again (${attempt}/${DEADLOCK_ATTEMPTS - 1})`);
        await new Promise((resolve) => setTimeout(resolve, attempt * 50 + Math.random() * 100));
      }
    }
  }

  /**
   * Queues a job, inside `tx` when given (it then exists if and only if the transaction commits).
   * With an `id`, sending the same id again is a no-op: answers false.
   */
  async send(queue: string, data: object, options: { tx?: EntityManager; id?: string } = {}): Promise<boolean> {
    await this.start();
    const db = options.tx && { executeSql: async (text: string, values: unknown[]) => ({ rows: await options.tx!.query(text, values) }) };
    return (await this.boss.send(queue, data, { id: options.id, db })) !== null;
  }

  /** Runs `handler` for each job, `concurrency` at a time in this process. A throw fails the attempt. */
  async work<T extends object>(queue: string, concurrency: number, handler: JobHandler<T>): Promise<void> {
    await this.start();
    for (let i = 0; i < concurrency; i++) {
      await this.boss.work<T>(queue, { batchSize: 1, pollingIntervalSeconds: 0.5, includeMetadata: true }, async ([job]) => {
        await handler(job.data, { id: job.id, retryCount: job.retryCount });
      });
    }
  }
}

/** The job queue, for every module of the app (global). */
@Global()
@Module({ providers: [JobQueue], exports: [JobQueue] })
export class JobQueueModule {}
