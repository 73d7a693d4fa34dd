import { storageConformance } from './conformance';
import { Client } from 'pg';
import { createTestSchema, TEST_DATABASE_URL } from '../../helpers/postgres';

storageConformance('postgres', async () => {
  const schema = await createTestSchema();
  const open = async () => {
    const s = schema.storage();
    await s.migrate();
    return s;
  };
  return { open, openSecond: open, cleanup: () => schema.drop() };
});

describe('postgres storage schema', () => {
  it('keeps its tables in its own schema, and migrating again changes nothing', async () => {
    const schema = await createTestSchema();
    try {
      const store = schema.storage();
      await store.migrate();
      const tables = async () => {
        const client = new Client({ connectionString: TEST_DATABASE_URL });
        await client.connect();
        try {
          const res = await client.query<{ table_name: string }>('SELECT table_name FROM information_schema.tables WHERE table_schema = $1 ORDER BY table_name', [schema.name]);
          return res.rows.map((r) => r.table_name);
        } finally {
          await client.end();
        }
      };
      const before = await tables();
      expect(before).toEqual(expect.arrayContaining(['conversations', 'tickets']));
      await schema.storage().migrate();
      expect(await tables()).toEqual(before);
    } finally {
      await schema.drop();
    }
  });
});
