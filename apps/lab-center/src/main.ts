import { runCentre } from '@hub/centre';
import { LabCentreModule } from './app.module';

runCentre('lab', (config) => LabCentreModule.forConfig(config));
