/**
 * The file server's entry: `startFs(k)` runs it as a daemon task; `fsClient(sys)`
 * gives a task its stubs (create, stat, unlink, exists, open, chmod, list).
 *
 * @example
 * const k = boot({ seed: 1 });
 * const fs = startFs(k);                                   // a task named fs, checked in as 'fs'
 * k.spawn('a', async (sys) => {
 *   const c = await fsClient(sys);
 *   await c.create('/tmp/key', { mode: 0o600 });
 * });
 * await k.run();
 * fs.listing();                                            // ['file   0600 owner 2      0 /tmp/key']
 */
import type { Spawner } from '../pipe/index.ts';
import { FsServer, type FsServerOptions } from './server.ts';
import type { Namespace } from './namespace.ts';

export { FsClient, fsClient, type CreateOptions } from './client.ts';
export { FS } from './defs.ts';
export { Namespace, normalPath, statOf, type Node, type Stat } from './namespace.ts';
export { FsServer, type FsServerOptions } from './server.ts';

/** The host's view of a running file server. */
export interface FsServerHandle {
  pid: number;
  netname: string;
  /** The namespace itself (read it after a run; tasks go through the server). */
  ns: Namespace;
  /** One line per path: type, mode, owner, size, path. */
  listing(): string[];
}

/**
 * Spawns the file server as a daemon task named `fs` (checked in as
 * `opts.netname`, default 'fs'). Returns the host's view.
 */
export function startFs(k: Spawner, opts: FsServerOptions = {}): FsServerHandle {
  const server = new FsServer(opts);
  const { pid } = k.spawn('fs', (sys) => server.run(sys), { daemon: true });
  return { pid, netname: server.netname, ns: server.ns, listing: () => server.listing() };
}
