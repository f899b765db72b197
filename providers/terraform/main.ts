// Entry point of the Terraform provider process (started by Terraform through the installed wrapper).
import { serve } from './server';

serve().catch((e: unknown) => {
  process.stderr.write(`docknet provider failed to start: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
