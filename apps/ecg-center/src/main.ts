import { runCentre } from '@hub/centre';
import { EcgCentreModule } from './app.module';

runCentre('ecg', (config) => EcgCentreModule.forConfig(config));
