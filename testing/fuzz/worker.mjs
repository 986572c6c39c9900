// The fuzz pool's worker entry (tinypool runs its default export on each batch).
// Worker threads do not inherit tsx's loader from the main thread, so this one file
// is plain JavaScript: it registers the loader in this thread, then loads the runner.
import { register } from 'tsx/esm/api';

register();
const { runBatch } = await import('./batch.ts');

export default runBatch;
