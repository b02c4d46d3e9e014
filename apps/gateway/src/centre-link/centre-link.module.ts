import { Global, Module } from '@nestjs/common';
import { CentreClient } from './centre-client.service';

@Global()
@Module({ providers: [CentreClient], exports: [CentreClient] })
export class CentreLinkModule {}
