// The HTTP baseline of the FHIR intake benchmark: a bare NestJS app on platform-express (the
// gateway's framework and platform) with one controller that takes `POST /fhir` and
// `POST /fhir/ServiceRequest` with the gateway's JSON parser settings and answers 201 with the
// parsed body: no auth, no database, no hub. Run as its own process, like the gateway, so the
// client is measured the same way against both.
// Usage: node bench/lib/nest-echo-server.mjs [port]  (0 or none = any free port; prints "listening <port>")
import 'reflect-metadata';
import { Body, Controller, Module, Post } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import express from 'express';

// Plain JavaScript has no decorator syntax: the decorators are applied as the compiler would.
class EchoController {
  echo(body) {
    return body;
  }
}
Body()(EchoController.prototype, 'echo', 0);
Post(['', 'ServiceRequest'])(
  EchoController.prototype,
  'echo',
  Object.getOwnPropertyDescriptor(EchoController.prototype, 'echo'),
);
Controller('fhir')(EchoController);

class EchoModule {}
Module({ controllers: [EchoController] })(EchoModule);

const app = await NestFactory.create(EchoModule, { logger: false, bodyParser: false });
app.disable('x-powered-by');
// As the gateway parses FHIR bodies (security/http-hardening.ts): both JSON media types.
app.use(
  '/fhir',
  express.json({ type: ['application/fhir+json', 'application/json'], limit: '1mb' }),
);
await app.listen(Number(process.argv[2] ?? 0), '127.0.0.1');
console.log(`listening ${app.getHttpServer().address().port}`);
process.once('SIGTERM', () => {
  void app.close().then(() => process.exit(0));
});
