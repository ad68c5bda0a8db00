import { Module } from '@nestjs/common';
import { DeliveryTracker } from './delivery-tracker';
import { MemeGenerator, TextMemeGenerator } from './meme-generator';
import { MemesController } from './memes.controller';
import { MemesService } from './memes.service';
import { PlaceFinder } from './places';

/** Needs TokensModule (the ledger) imported beside it. */
@Module({
  controllers: [MemesController],
  providers: [MemesService, DeliveryTracker, { provide: PlaceFinder, useFactory: () => new PlaceFinder() }, { provide: MemeGenerator, useClass: TextMemeGenerator }],
})
export class MemesModule {}
