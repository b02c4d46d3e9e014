import { Module } from '@nestjs/common';
import { CentreModule } from '@hub/centre';
import { entities } from './data-source';

/**
 * The pathology centre (病理中心): routed orders for now; specimens, blocks, slides, reading and
 * reports come with its own issue.
 */
@Module({ imports: [CentreModule.forCentre('pathology', { entities })] })
export class PathologyCentreModule {}
