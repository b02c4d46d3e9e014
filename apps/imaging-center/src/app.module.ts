import { Module } from '@nestjs/common';
import { CentreModule } from '@hub/centre';
import { entities } from './data-source';

/**
 * The imaging centre (影像中心): routed orders for now; DICOMweb, studies, reading and reports
 * come with its own issue.
 */
@Module({ imports: [CentreModule.forCentre('imaging', { entities })] })
export class ImagingCentreModule {}
