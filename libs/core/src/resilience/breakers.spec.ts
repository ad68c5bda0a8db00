import { AppError } from '../errors/app-error';
import { RuntimeConfig } from '../config/config.module';
import { Metrics } from '../metrics/metrics';
import { Breakers, Dependency } from './breakers';

const POOL_SIZE = 10;

function breakers(): Breakers {
  const config = {
    databasePoolSize: POOL_SIZE,
    ai: { baseUrl: 'http://ai', errorThresholdPercent: 50, volumeThreshold: 5, resetMs: 30_000 },
  } as unknown as RuntimeConfig;
  return new Breakers(new Metrics(), config);
}

const fail = () => Promise.reject(new Error('connection refused'));

/** Runs `calls` failing calls through the breaker; answers the errors, all of them AppErrors. */
async function failures(subject: Breakers, dependency: Dependency, calls: number): Promise<AppError[]> {
  const errors: AppError[] = [];
  for (let i = 0; i < calls; i++) {
    await subject.run(dependency, fail).then(
      () => {
        throw new Error('a failing call succeeded');
      },
      (error: AppError) => errors.push(error),
    );
  }
  return errors;
}

/** A call that runs until released, to hold a bulkhead's slot. */
function held(): { work: () => Promise<string>; release: () => void; started: Promise<void> } {
  let release!: () => void;
  let started!: () => void;
  const begun = new Promise<void>((resolve) => (started = resolve));
  const work = () => {
    started();
    return new Promise<string>((resolve) => (release = () => resolve('done')));
  };
  return { work, release: () => release(), started: begun };
}

describe('Breakers', () => {
  afterEach(() => jest.useRealTimers());

  it('gives an open breaker\'s refusals a Retry-After of what is left of its own reset time', async () => {
    jest.useFakeTimers({ now: 1_000_000, doNotFake: ['nextTick', 'setImmediate', 'queueMicrotask'] });
    const subject = breakers();
    // Five failures open the AI breaker (reset 30 s); the failure that opened it already says so.
    const opening = await failures(subject, 'ai', 5);
    expect(opening.map((error) => error.headers['Retry-After'])).toEqual(['1', '1', '1', '1', '30']);
    expect(subject.stateOf('ai')).toBe('open');
    jest.setSystemTime(1_000_000 + 12_500);
    const [refused] = await failures(subject, 'ai', 1);
    expect(refused).toMatchObject({ code: 'service_unavailable', headers: { 'Retry-After': '18' } });
    // The PostgreSQL breakers reset after 2 s.
    await failures(subject, 'postgres', 10);
    expect(subject.retryAfterSeconds('postgres')).toBe(2);
    jest.setSystemTime(1_000_000 + 12_500 + 1_200);
    expect(subject.retryAfterSeconds('postgres')).toBe(1);
  });

  it('runs at most a share of the pool of link lookups at once, queues a bounded number, refuses the rest with 429, and never touches the sales breaker', async () => {
    const subject = breakers();
    // 20% of a pool of 10: two at once; 100 waiting per slot.
    const slots = 2;
    const queue = slots * 100;
    const calls = Array.from({ length: slots + queue + 5 }, held);
    let running = 0;
    let most = 0;
    const outcomes = calls.map(({ work }) =>
      subject
        .run('links', async () => {
          running++;
          most = Math.max(most, running);
          try {
            return await work();
          } finally {
            running--;
          }
        })
        .catch((error: AppError) => error),
    );
    const refused = (await Promise.all(outcomes.slice(slots + queue))) as AppError[];
    expect(refused.map((error) => [error.code, error.headers['Retry-After']])).toEqual(Array.from({ length: 5 }, () => ['rate_limited', '1']));
    await Promise.all(calls.slice(0, slots).map((call) => call.started));
    expect(running).toBe(slots);
    // A sale is not queued behind them.
    await expect(subject.run('postgres', () => Promise.resolve('sold'))).resolves.toBe('sold');
    // Each released call hands its slot to the next in line, never more than two at once.
    for (const [i, call] of calls.slice(0, slots + queue).entries()) {
      await call.started;
      call.release();
      await outcomes[i];
    }
    expect(await Promise.all(outcomes.slice(0, slots + queue))).toEqual(Array.from({ length: slots + queue }, () => 'done'));
    expect(most).toBe(slots);
    // Refusals are business outcomes: the breaker stays closed.
    expect(subject.stateOf('links')).toBe('closed');
    // Failing lookups and reads open their own breakers, never the sales' (more failures than the calls above).
    await failures(subject, 'links', calls.length + 1);
    await failures(subject, 'postgres-reads', 20);
    expect([subject.stateOf('links'), subject.stateOf('postgres-reads'), subject.stateOf('postgres')]).toEqual(['open', 'open', 'closed']);
    await expect(subject.run('postgres', () => Promise.resolve('sold'))).resolves.toBe('sold');
  });
});
