import { PassThrough } from 'node:stream';
import pino from 'pino';
import { loggerOptions, maskingStream } from './logging';

describe('structured logs', () => {
  it('never write an identity number, even one buried in a message', async () => {
    const sink = new PassThrough();
    const chunks: string[] = [];
    sink.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
    const logger = pino(loggerOptions('test', 'info'), maskingStream(sink));
    logger.info({ identifier: '11010519491231002X' }, 'linked patient 11010519491231002X');
    await new Promise((resolve) => setImmediate(resolve));
    const line = chunks.join('');
    expect(line).not.toContain('11010519491231002X');
    expect(line).toContain('110105********002X');
    expect(JSON.parse(line)).toMatchObject({ app: 'test', level: 30 });
  });

  it('redact passwords and bearer tokens', async () => {
    const sink = new PassThrough();
    const chunks: string[] = [];
    sink.on('data', (chunk: Buffer) => chunks.push(chunk.toString()));
    const logger = pino(loggerOptions('test', 'info'), maskingStream(sink));
    logger.info(
      { password: 'demo-password', req: { headers: { authorization: 'Bearer x' } } },
      'login',
    );
    await new Promise((resolve) => setImmediate(resolve));
    expect(chunks.join('')).not.toMatch(/demo-password|Bearer x/);
  });
});
