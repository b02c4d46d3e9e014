import { Client } from 'pg';
import { QueryFailedError } from 'typeorm';
import { DATABASE_UNAVAILABLE, isDatabaseUnavailable } from './database-unavailable';

/** A node-postgres error as the server sends it, with its SQLSTATE. */
function serverError(code: string, message: string): Error {
  return Object.assign(new Error(message), { code });
}

describe('isDatabaseUnavailable', () => {
  it('recognises a refused connection, as node-postgres reports it', async () => {
    // Port 1 on the loopback interface: nothing listens there.
    const client = new Client({ host: '127.0.0.1', port: 1, connectionTimeoutMillis: 2000 });
    const error = await client.connect().catch((failure: unknown) => failure);
    expect(isDatabaseUnavailable(error)).toBe(true);
  });

  it('recognises a server shutting down or not accepting connections, wrapped by TypeORM', () => {
    for (const [code, message] of [
      ['57P01', 'terminating connection due to administrator command'],
      ['57P02', 'terminating connection due to crash of another server process'],
      ['57P03', 'the database system is starting up'],
      ['08006', 'connection failure'],
      ['53300', 'sorry, too many clients already'],
    ]) {
      const wrapped = new QueryFailedError('SELECT 1', [], serverError(code, message));
      expect({ code, unavailable: isDatabaseUnavailable(wrapped) }).toEqual({
        code,
        unavailable: true,
      });
    }
  });

  it('recognises a lost connection and a pool that could not connect in time', () => {
    expect(isDatabaseUnavailable(new Error('Connection terminated unexpectedly'))).toBe(true);
    expect(isDatabaseUnavailable(new Error('timeout exceeded when trying to connect'))).toBe(true);
    expect(
      isDatabaseUnavailable(
        new Error('query failed', { cause: Object.assign(new Error('x'), { code: 'ECONNRESET' }) }),
      ),
    ).toBe(true);
  });

  it('recognises a centre’s reply saying its database is unavailable', () => {
    expect(isDatabaseUnavailable({ status: 'error', code: DATABASE_UNAVAILABLE })).toBe(true);
  });

  it('leaves errors of the statement or the input alone', () => {
    for (const [code, message] of [
      ['23505', 'duplicate key value violates unique constraint'],
      ['42P01', 'relation "x" does not exist'],
      ['22P02', 'invalid input syntax for type uuid'],
      ['40001', 'could not serialize access'],
    ]) {
      const wrapped = new QueryFailedError('SELECT 1', [], serverError(code, message));
      expect({ code, unavailable: isDatabaseUnavailable(wrapped) }).toEqual({
        code,
        unavailable: false,
      });
    }
    expect(isDatabaseUnavailable(new Error('boom'))).toBe(false);
    expect(isDatabaseUnavailable({ status: 'error', message: 'Internal server error' })).toBe(
      false,
    );
    expect(isDatabaseUnavailable(undefined)).toBe(false);
  });
});
