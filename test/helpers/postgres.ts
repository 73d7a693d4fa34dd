/**
 * PostgreSQL for tests: the machine's server (CI has one too). Each test suite gets its own
 * schema and drops it afterwards. There is no skip: a missing server fails the suite.
 */
import { randomBytes } from 'node:crypto';
import { Client } from 'pg';
import { PostgresStorage } from '../../src/adapters/storage/postgres';

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export interface TestSchema {
  readonly name: string;
  /** A new storage connected to this schema (call migrate yourself). */
  storage(): PostgresStorage;
  drop(): Promise<void>;
}

export async function createTestSchema(): Promise<TestSchema> {
  const name = `test_${randomBytes(6).toString('hex')}`;
  await withClient((c) => c.query(`CREATE SCHEMA ${name}`));
  const opened: PostgresStorage[] = [];
  return {
    name,
    storage: () => {
      const s = new PostgresStorage({ connectionString: TEST_DATABASE_URL, schema: name, maxConnections: 4 });
      opened.push(s);
      return s;
    },
    drop: async () => {
      await Promise.all(opened.map((s) => s.close().catch(() => undefined)));
      await withClient((c) => c.query(`DROP SCHEMA IF EXISTS ${name} CASCADE`));
    },
  };
}

async function withClient<T>(work: (c: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}
