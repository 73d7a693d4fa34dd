import { storageConformance } from './conformance';
import { createTestSchema } from '../../helpers/postgres';

storageConformance('postgres', async () => {
  const schema = await createTestSchema();
  const open = async () => {
    const s = schema.storage();
    await s.migrate();
    return s;
  };
  return { open, openSecond: open, cleanup: () => schema.drop() };
});
