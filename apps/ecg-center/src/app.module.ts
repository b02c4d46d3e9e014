import { Module } from '@nestjs/common';
import { CentreModule } from '@hub/centre';
import { entities } from './data-source';

/**
 * The ECG centre (心电诊断中心): routed orders for now; ECG ingest, reading and reports come with
 * its own issue.
 */
@Module({ imports: [CentreModule.forCentre('ecg', { entities })] })
export class EcgCentreModule {}
