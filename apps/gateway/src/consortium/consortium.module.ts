import { Global, Module } from '@nestjs/common';
import { ConsortiumService } from './consortium.service';

@Global()
@Module({ providers: [ConsortiumService], exports: [ConsortiumService] })
export class ConsortiumModule {}
