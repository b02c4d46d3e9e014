import { createSecretKey } from 'node:crypto';
import { Module } from '@nestjs/common';
import { JwtModule } from '@nestjs/jwt';
import { IMAGING_CONFIG, type ImagingConfig } from '../imaging-config';
import { StudyModule } from '../study/study.module';
import { AccessorGuard } from './accessor';
import { DicomwebAdminController } from './dicomweb-admin.controller';
import { DicomwebController } from './dicomweb.controller';
import { EcgForwarder } from './ecg-forwarder';
import { QidoService } from './qido.service';
import { StowService } from './stow.service';
import { WadoService } from './wado.service';

/** The DICOMweb archive over HTTP, and the imaging staff's unmatched list. */
@Module({
  imports: [
    JwtModule.registerAsync({
      inject: [IMAGING_CONFIG],
      useFactory: (config: ImagingConfig) => ({
        // A KeyObject made once (a string is re-read as a key on every verify).
        secret: createSecretKey(Buffer.from(config.JWT_SECRET, 'utf8')),
        verifyOptions: { algorithms: ['HS256'] },
      }),
    }),
    StudyModule,
  ],
  controllers: [DicomwebController, DicomwebAdminController],
  providers: [AccessorGuard, StowService, EcgForwarder, QidoService, WadoService],
})
export class DicomwebModule {}
