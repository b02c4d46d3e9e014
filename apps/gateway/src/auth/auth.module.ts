import { createSecretKey } from 'node:crypto';
import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { JwtModule } from '@nestjs/jwt';
import { GATEWAY_CONFIG, type GatewayConfig } from '../config';
import { AuthController } from './auth.controller';
import { AuthGuard } from './auth.guard';
import { AuthService } from './auth.service';
import { MeController } from './me.controller';

@Module({
  imports: [
    JwtModule.registerAsync({
      inject: [GATEWAY_CONFIG],
      // A KeyObject, made once: given a string, jsonwebtoken first tries (and fails) to read it as
      // a PEM public key on every verify and sign, which cost ~5 % of the gateway's CPU per request.
      useFactory: (config: GatewayConfig) => ({
        secret: createSecretKey(Buffer.from(config.JWT_SECRET, 'utf8')),
      }),
    }),
  ],
  controllers: [AuthController, MeController],
  providers: [AuthService, { provide: APP_GUARD, useClass: AuthGuard }],
  // JwtModule: the DICOMweb proxy signs the short-lived accessor tokens the imaging centre checks.
  exports: [AuthService, JwtModule],
})
export class AuthModule {}
