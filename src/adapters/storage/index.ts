/** Picks the storage backend from DATABASE_URL: `sqlite:<file>` (default) or `postgres://…`. */
import type { Storage } from '../../bot/ports';
import { PostgresStorage } from './postgres';
import { SqliteStorage } from './sqlite';

export const DEFAULT_DATABASE_URL = 'sqlite:./data/helpdesk.db';

/** Returns an error message for a DATABASE_URL this module cannot use, or undefined if it is fine. */
export function checkDatabaseUrl(url: string): string | undefined {
  if (url.startsWith('sqlite:')) return url.length > 'sqlite:'.length ? undefined : 'sqlite: needs a file path, e.g. sqlite:./data/helpdesk.db';
  if (/^postgres(ql)?:\/\//.test(url)) {
    try {
      new URL(url);
      return undefined;
    } catch {
      return 'is not a valid postgres:// URL';
    }
  }
  return 'must start with sqlite: (e.g. sqlite:./data/helpdesk.db) or postgres:// (e.g. postgres://user@host:5432/db)';
}

export function createStorage(url: string = DEFAULT_DATABASE_URL): Storage {
  const problem = checkDatabaseUrl(url);
  if (problem) throw new Error(`DATABASE_URL ${problem}`);
  if (url.startsWith('sqlite:')) return new SqliteStorage(url.slice('sqlite:'.length));
  return new PostgresStorage({ connectionString: url });
}
