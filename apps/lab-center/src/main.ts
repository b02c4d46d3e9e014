import { bootstrapCentre } from '@hub/centre';
import { LabCentreModule } from './app.module';

// bootstrapCentre never rejects: a failure to start is printed and the process exits 1.
void bootstrapCentre('lab', LabCentreModule);
