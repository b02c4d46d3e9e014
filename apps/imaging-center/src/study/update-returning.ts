import { type EntityManager } from 'typeorm';

/**
 * Runs an `UPDATE … RETURNING` and gives its rows. TypeORM's PostgreSQL `query()` answers UPDATE
 * and DELETE with `[rows, rowCount]` rather than the rows, unlike SELECT and INSERT.
 */
export async function updateReturning<T>(
  manager: EntityManager,
  sql: string,
  params: unknown[],
): Promise<T[]> {
  const result = await manager.query<[T[], number] | T[]>(sql, params);
  return Array.isArray(result[0]) ? result[0] : (result as T[]);
}
