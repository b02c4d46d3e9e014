import { runCentre } from '@hub/centre';
import { PathologyCentreModule } from './app.module';

runCentre('pathology', (config) => PathologyCentreModule.forConfig(config));
