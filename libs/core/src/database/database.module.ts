import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { APP_CONFIG, RuntimeConfig } from '../config/config.module';
import { dataSourceOptions } from './data-source-options';

@Module({
  imports: [
    TypeOrmModule.forRootAsync({
      inject: [APP_CONFIG],
      useFactory: (config: RuntimeConfig) => ({
        ...dataSourceOptions(config),
        autoLoadEntities: true,
        // Migrations run in bootstrap under an advisory lock (see migrate.ts), not here.
        migrationsRun: false,
        retryAttempts: 0,
      }),
    }),
  ],
})
export class DatabaseModule {}
