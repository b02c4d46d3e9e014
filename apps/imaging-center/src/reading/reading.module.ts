import { Module } from '@nestjs/common';
import { ReadingController } from './reading.controller';
import { ReadingService } from './reading.service';

/** Reading studies (阅片): claims, drafts, signatures, co-signatures, amendments, released reports. */
@Module({ controllers: [ReadingController], providers: [ReadingService] })
export class ReadingModule {}
