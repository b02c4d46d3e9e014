import { Module } from '@nestjs/common';
import { LabResultController } from './result.controller';
import { LabResultService } from './result.service';

/** Results for the lab's orders and the final reports made from them. */
@Module({ controllers: [LabResultController], providers: [LabResultService] })
export class ResultModule {}
