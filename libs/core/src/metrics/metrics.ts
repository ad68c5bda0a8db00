import { Controller, Get, Global, Header, Injectable, Module } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../auth/auth.decorators';

interface Series {
  readonly help: string;
  readonly type: 'gauge' | 'counter';
  value: number;
}

/** A few process-wide numbers in Prometheus' text format: no labels, no histograms, no dependency. */
@Injectable()
export class Metrics {
  private readonly series = new Map<string, Series>();

  gauge(name: string, help: string, value: number): void {
    this.entry(name, help, 'gauge').value = value;
  }

  count(name: string, help: string, by = 1): void {
    this.entry(name, help, 'counter').value += by;
  }

  value(name: string): number | undefined {
    return this.series.get(name)?.value;
  }

  render(): string {
    return [...this.series]
      .map(([name, { help, type, value }]) => `# HELP ${name} ${help}\n# TYPE ${name} ${type}\n${name} ${value}\n`)
      .join('');
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
