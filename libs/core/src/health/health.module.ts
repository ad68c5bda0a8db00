import { Module } from '@nestjs/common';
import { LifecycleModule } from '../lifecycle/shutdown';
import { HealthController } from './health.controller';
import { Readiness } from './readiness';

@Module({
  imports: [LifecycleModule],
  controllers: [HealthController],
  providers: [Readiness],
  exports: [Readiness],
})
export class HealthModule {}
