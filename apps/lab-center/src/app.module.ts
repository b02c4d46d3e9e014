import { Module } from '@nestjs/common';
import { CentreModule } from '@hub/centre';
import { entities } from './data-source';
import { ResultModule } from './result/result.module';

/** The central lab (检验中心): routed orders, results and their final reports. */
@Module({ imports: [CentreModule.forCentre('lab', { entities }), ResultModule] })
export class LabCentreModule {}
