// Prints the JSON Schema of the spec format (npm run schema writes schema/docknet.schema.json).
import { specJsonSchema } from '../lib/model/schema';

process.stdout.write(`${JSON.stringify(specJsonSchema(), null, 2)}\n`);
