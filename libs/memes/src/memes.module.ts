import { join } from 'node:path';
import { DynamicModule, Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { APP_CONFIG, RuntimeConfig } from '@maas/core';
import { createObjectStorage, ObjectStorage } from '@maas/storage';
import { DeferredSales } from '@maas/tokens';
import { MemeJobEntity } from './async/meme-job.entity';
import { MemeJobs } from './async/meme-jobs';
import { MemeWorker } from './async/meme-worker';
import { DeliveryTracker } from './delivery-tracker';
import { LinksController } from './links/links.controller';
import { ShortLinkEntity } from './links/short-link.entity';
import { ShortLinks } from './links/short-links';
import { GenerationTimes } from './media/generation-times';
import { MemePublisher } from './media/meme-publisher';
import { LocalMemeRenderer, MemeRenderer } from './media/meme-renderer';
import { MemeGenerator, TextMemeGenerator } from './meme-generator';
import { MemesController } from './memes.controller';
import { MemesService } from './memes.service';
import { MemeNotifier } from './notify/meme-notifier';
import { NotificationTargetEntity } from './notify/notification-target.entity';
import { NotificationTargets } from './notify/notification-targets';
import { NotificationsController } from './notify/notifications.controller';
import { PlaceFinder } from './places';
import { PremiumController } from './premium/premium.controller';
import { PremiumMemeGenerator } from './premium/premium-meme-generator';

/** Where stored memes live: STORAGE_DRIVER, with local files under DATA_DIR/objects by default. */
export function objectStorageOf(config: RuntimeConfig): ObjectStorage {
  return config.storage.driver === 'filesystem'
    ? createObjectStorage({ driver: 'filesystem', root: storedObjectsDir(config) })
    : createObjectStorage(config.storage);
}

export function storedObjectsDir(config: RuntimeConfig): string {
  return join(config.dataDir, 'objects');
}

/**
 * Memes: the routes (`api`) and the jobs that make memes after their sale and notify their
 * owners (`worker`: in the worker app, or in the API with WORKER_IN_PROCESS). Global, because the
 * ledger queues deferred sales' jobs through it (DeferredSales). Needs TokensModule beside it.
 */
@Module({})
export class MemesModule {
  static forRoot({ api, worker }: { api: boolean; worker: boolean }): DynamicModule {
    return {
      module: MemesModule,
      global: true,
      imports: [TypeOrmModule.forFeature([MemeJobEntity, ShortLinkEntity, NotificationTargetEntity])],
      controllers: api ? [MemesController, LinksController, NotificationsController, PremiumController] : [],
      providers: [
        ...(api
          ? [
              MemesService,
              DeliveryTracker,
              NotificationTargets,
              { provide: PlaceFinder, useFactory: () => new PlaceFinder() },
              { provide: MemeGenerator, useClass: TextMemeGenerator },
              PremiumMemeGenerator,
            ]
          : []),
        { provide: MemeRenderer, useClass: LocalMemeRenderer },
        { provide: ObjectStorage, inject: [APP_CONFIG], useFactory: objectStorageOf },
        MemePublisher,
        ShortLinks,
        GenerationTimes,
        MemeJobs,
        { provide: DeferredSales, useExisting: MemeJobs },
        ...(worker ? [MemeWorker, MemeNotifier] : []),
      ],
      exports: [DeferredSales, MemeRenderer],
    };
  }
}
