/**
 * `node --require @swc-node/register bench/media.ts`: what a meme costs to render, per format.
 *
 * Renders BENCH_MEDIA_N memes (default 40) of each format, first one at a time, then two at a
 * time, after BENCH_MEDIA_WARMUP (default 3) unmeasured ones. Reports throughput, CPU per meme
 * (this process plus its ffmpeg children, from /proc, so Linux only for the children), memes per
 * CPU-second (= per core kept busy), p50/p99 latency, output size, and how long the event loop was
 * held up while rendering: the renderers promise to keep heavy work off it.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { MemeCaption, RenderedMedia, renderImage, renderVideo } from '../libs/media/src';

const N = Number(process.env.BENCH_MEDIA_N ?? 40);
const WARMUP = Number(process.env.BENCH_MEDIA_WARMUP ?? 3);
const TEMPLATES = ['one-does-not-simply', 'brace-yourselves', 'keep-calm', 'nobody', 'is-this', 'what-if-i-told-you', 'success-kid', 'not-sure-if'];

const FORMATS: readonly { name: string; render: (caption: MemeCaption) => Promise<RenderedMedia> }[] = [
  { name: 'png 1024x768', render: (caption) => renderImage(caption) },
  { name: 'webp 1024x768', render: (caption) => renderImage(caption, { format: 'webp' }) },
  { name: 'mp4 640x480 3s', render: (caption) => renderVideo(caption) },
];

/** A different caption each time, so every render draws a different scene. */
function caption(index: number): MemeCaption {
  return {
    template: TEMPLATES[index % TEMPLATES.length],
    top: `Went to benchmark number ${index}`,
    bottom: `Found deploy on Friday afternoon number ${index} in Paris, France`,
  };
}

const CLOCK_TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim());

/** CPU milliseconds used so far by this process and by the children it has waited for (ffmpeg). */
function cpuMs(): { self: number; children: number } {
  const usage = process.cpuUsage();
  // /proc/self/stat: fields after the command name; cutime and cstime are the 16th and 17th fields.
  const fields = readFileSync('/proc/self/stat', 'utf8').split(') ')[1].split(' ');
  const childTicks = Number(fields[13]) + Number(fields[14]);
  return { self: (usage.user + usage.system) / 1000, children: (childTicks * 1000) / CLOCK_TICKS_PER_SECOND };
}

function percentile(sorted: readonly number[], share: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil(share * sorted.length) - 1)];
}

async function measure(render: (caption: MemeCaption) => Promise<RenderedMedia>, concurrency: number) {
  const latencies: number[] = [];
  let bytes = 0;
  let next = 0;
  const loop = monitorEventLoopDelay({ resolution: 1 });
  const cpuBefore = cpuMs();
  const start = performance.now();
  loop.enable();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < N) {
        const index = next++;
        const began = performance.now();
        const media = await render(caption(index));
        latencies.push(performance.now() - began);
        bytes += media.data.length;
      }
    }),
  );
  loop.disable();
  const wallMs = performance.now() - start;
  const cpuAfter = cpuMs();
  const cpuPerMeme = (cpuAfter.self - cpuBefore.self + cpuAfter.children - cpuBefore.children) / N;
  latencies.sort((a, b) => a - b);
  return {
    perSecond: (N * 1000) / wallMs,
    nodeCpuPerMeme: (cpuAfter.self - cpuBefore.self) / N,
    cpuPerMeme,
    perCpuSecond: 1000 / cpuPerMeme,
    p50: percentile(latencies, 0.5),
    p99: percentile(latencies, 0.99),
    bytes: bytes / N,
    loopP99: loop.percentile(99) / 1e6,
    loopMax: loop.max / 1e6,
  };
}

async function main(): Promise<void> {
  const cores = cpus();
  process.stdout.write(`${N} memes per row after ${WARMUP} warm-up; ${cores.length} x ${cores[0]?.model ?? 'unknown CPU'}; Node ${process.version}\n\n`);
  const header = ['format', 'parallel', 'memes/s', 'memes/s per core', 'CPU ms/meme (node)', 'p50 ms', 'p99 ms', 'avg bytes', 'loop delay p99/max ms'];
  const rows: string[][] = [];
  for (const { name, render } of FORMATS) {
    for (let index = 0; index < WARMUP; index++) await render(caption(N + index));
    for (const concurrency of [1, 2]) {
      const result = await measure(render, concurrency);
      rows.push([
        name,
        String(concurrency),
        result.perSecond.toFixed(1),
        result.perCpuSecond.toFixed(1),
        `${result.cpuPerMeme.toFixed(0)} (${result.nodeCpuPerMeme.toFixed(0)})`,
        result.p50.toFixed(0),
        result.p99.toFixed(0),
        result.bytes.toFixed(0),
        `${result.loopP99.toFixed(1)}/${result.loopMax.toFixed(1)}`,
      ]);
    }
  }
  const widths = header.map((title, column) => Math.max(title.length, ...rows.map((row) => row[column].length)));
  const line = (cells: string[]) => cells.map((cell, column) => cell.padStart(widths[column])).join('  ');
  process.stdout.write(`${line(header)}\n${rows.map(line).join('\n')}\n`);
}

void main();
