import { Controller, Get, Global, Header, Injectable, Module } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../auth/auth.decorators';

interface Series {
  readonly help: string;
  readonly type: 'gauge' | 'counter';
  value: number;
}

interface Histogram {
  readonly help: string;
  /** Per label value (e.g. per format): counts per bucket, then sum and count. */
  readonly byLabel: Map<string, { buckets: number[]; sum: number; count: number }>;
  readonly label: string;
}

/** Upper bounds in seconds: from a text meme (well under a millisecond) to a slow video. */
const BUCKETS = [0.001, 0.005, 0.025, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

/** A few process-wide numbers in Prometheus' text format, without a dependency. */
@Injectable()
export class Metrics {
  private readonly series = new Map<string, Series>();
  private readonly histograms = new Map<string, Histogram>();

  gauge(name: string, help: string, value: number): void {
    this.entry(name, help, 'gauge').value = value;
  }

  count(name: string, help: string, by = 1): void {
    this.entry(name, help, 'counter').value += by;
  }

  /** A duration in seconds into a histogram with one label (e.g. format="video"). */
  observe(name: string, help: string, label: readonly [name: string, value: string], seconds: number): void {
    let histogram = this.histograms.get(name);
    if (!histogram) this.histograms.set(name, (histogram = { help, label: label[0], byLabel: new Map() }));
    let values = histogram.byLabel.get(label[1]);
    if (!values) histogram.byLabel.set(label[1], (values = { buckets: BUCKETS.map(() => 0), sum: 0, count: 0 }));
    BUCKETS.forEach((bound, i) => {
      if (seconds <= bound) values.buckets[i]++;
    });
    values.sum += seconds;
    values.count++;
  }

  value(name: string): number | undefined {
    return this.series.get(name)?.value;
  }

  render(): string {
    const plain = [...this.series].map(([name, { help, type, value }]) => `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${name} ${value}\n`);
    const histograms = [...this.histograms].map(([name, { help, label, byLabel }]) => {
      const lines = [`# HELP ${name} ${help}`, `# TYPE ${name} histogram`];
      for (const [value, { buckets, sum, count }] of byLabel) {
        buckets.forEach((n, i) => lines.push(`${name}_bucket{${label}="${value}",le="${BUCKETS[i]}"} ${n}`));
        lines.push(`${name}_bucket{${label}="${value}",le="+Inf"} ${count}`, `${name}_sum{${label}="${value}"} ${sum}`, `${name}_count{${label}="${value}"} ${count}`);
      }
      return `${lines.join('\n')}\n`;
    });
    return [...plain, ...histograms].join('');
  }

  private entry(name: string, help: string, type: Series['type']): Series {
    let series = this.series.get(name);
    if (!series) this.series.set(name, (series = { help, type, value: 0 }));
    return series;
  }
}

@ApiExcludeController()
@Public()
@Controller('metrics')
class MetricsController {
  constructor(private readonly metrics: Metrics) {}

  @Get()
  @Header('content-type', 'text/plain; version=0.0.4')
  render(): string {
    return this.metrics.render();
  }
}

@Global()
@Module({ controllers: [MetricsController], providers: [Metrics], exports: [Metrics] })
export class MetricsModule {}
