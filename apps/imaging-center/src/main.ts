import { runCentre } from '@hub/centre';
import { ImagingCentreModule } from './app.module';

runCentre('imaging', (config) => ImagingCentreModule.forConfig(config));
