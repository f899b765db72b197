// The published JSON Schema is generated from the zod schema: it must not drift from it.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { specJsonSchema } from '../../lib/model/schema';
import { ROOT } from '../helpers';

test('schema/docknet.schema.json is what `npm run schema` generates', () => {
  const published = JSON.parse(readFileSync(join(ROOT, 'schema', 'docknet.schema.json'), 'utf8'));
  expect(published).toEqual(specJsonSchema());
});
