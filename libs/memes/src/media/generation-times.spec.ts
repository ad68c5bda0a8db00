import { Logger } from '@nestjs/common';
import { Metrics, RuntimeConfig } from '@maas/core';
import { GenerationTimes } from './generation-times';

const BUDGET_MS = 100;
const RETRY_SECONDS = 30;
const RETRY_MS = RETRY_SECONDS * 1000;

describe('GenerationTimes', () => {
  let now: number;
  let times: GenerationTimes;

  beforeAll(() => {
    jest.spyOn(Logger.prototype, 'log').mockImplementation(() => undefined);
  });

  afterAll(() => {
    jest.restoreAllMocks();
  });

  beforeEach(() => {
    now = 5_000;
    times = new GenerationTimes(new Metrics(), { syncGenerationRetrySeconds: RETRY_SECONDS } as RuntimeConfig, () => now);
  });

  /** How many of `callers` asking at once are told to make the meme synchronously. */
  const synchronousAmong = (callers: number) => Array.from({ length: callers }, () => times.slowerThan('image', BUDGET_MS)).filter((slow) => !slow).length;

  it('a format never measured, or measured within the budget, is made synchronously', () => {
    expect(times.slowerThan('image', BUDGET_MS)).toBe(false);
    times.record('image', BUDGET_MS, 'm1');
    expect(synchronousAmong(5)).toBe(5);
  });

  it('goes asynchronous once the moving average exceeds the budget, and back once it falls under', () => {
    times.record('image', 50, 'm1');
    times.record('image', 300, 'm2'); // 50 + 0.2 × 250 = 100: not over
    expect(times.slowerThan('image', BUDGET_MS)).toBe(false);
    times.record('image', 105, 'm3'); // 101
    expect(times.slowerThan('image', BUDGET_MS)).toBe(true);
    expect(times.slowerThan('video', BUDGET_MS)).toBe(false);
    times.record('image', 96, 'm4'); // 100.0: not over
    expect(times.slowerThan('image', BUDGET_MS)).toBe(false);
  });

  it('stays asynchronous while its measurements are recent, then lets exactly one caller try it again', () => {
    times.record('image', 1000, 'm1');
    now += RETRY_MS - 1;
    expect(synchronousAmong(10)).toBe(0);
    now += 1;
    expect(synchronousAmong(10)).toBe(1);
    now += RETRY_MS - 1; // the probe has not reported yet: still only the one
    expect(synchronousAmong(10)).toBe(0);
  });

  it("a fast probe's measurement starts the average afresh: synchronous again at once", () => {
    times.record('image', 5000, 'm1');
    now += RETRY_MS;
    expect(synchronousAmong(3)).toBe(1);
    now += 40;
    times.record('image', 40, 'probe');
    expect(synchronousAmong(5)).toBe(5);
    times.record('image', 60, 'm2');
    expect(synchronousAmong(5)).toBe(5);
  });

  it('a slow probe sends the format back to asynchronous for another SYNC_GENERATION_RETRY_SECONDS', () => {
    times.record('image', 5000, 'm1');
    now += RETRY_MS;
    expect(synchronousAmong(3)).toBe(1);
    now += 4000;
    times.record('image', 4000, 'probe');
    expect(synchronousAmong(10)).toBe(0);
    now += RETRY_MS - 1;
    expect(synchronousAmong(10)).toBe(0);
    now += 1;
    expect(synchronousAmong(10)).toBe(1);
  });

  it('a probe that never reports (its generation failed) is replaced after SYNC_GENERATION_RETRY_SECONDS', () => {
    times.record('image', 1000, 'm1');
    now += RETRY_MS;
    expect(synchronousAmong(2)).toBe(1);
    now += RETRY_MS;
    expect(synchronousAmong(2)).toBe(1);
  });

  it('measurements made meanwhile (a worker in this process) keep the average current: no probe', () => {
    times.record('image', 1000, 'm1');
    for (let i = 0; i < 4; i++) {
      now += RETRY_MS / 2;
      times.record('image', 1000, `job-${i}`);
      expect(synchronousAmong(3)).toBe(0);
    }
    // Faster jobs bring it down through the moving average, without a probe: 1000 × 0.8^k + 50 × (1 − 0.8^k) ≤ 100 at k = 14.
    for (let k = 1; k <= 14; k++) {
      now += 1000;
      times.record('image', 50, `fast-${k}`);
      expect(times.slowerThan('image', BUDGET_MS)).toBe(k < 14);
    }
  });

  it('a measurement after a quiet spell replaces the stale average rather than blending with it', () => {
    times.record('image', 50, 'm1');
    times.record('image', 50, 'm2');
    now += RETRY_MS;
    times.record('image', 200, 'm3'); // blended it would be 80, within the budget
    expect(times.slowerThan('image', BUDGET_MS)).toBe(true);
  });
});
