/**
 * Shared memory, the microkernel way: the entry of the shm part. The names
 * (POSIX `/name`s, System V keys), owners and permission bits are served by a
 * server task (`shm` in ps); the memory is the kernel's regions, which a client
 * maps and then uses with no message and no copy. `startShm(k)` runs the
 * server; a program calls `shmClient(sys)` for its stubs. `ftok` asks the file
 * server, so start it too (`startFs(k)`, or `startPosix(k)`).
 *
 * @example
 * // boot from xmach's index.ts; O_CREAT, O_RDWR, shmClient, startShm from this file
 * const k = boot({ seed: 1 });
 * startShm(k);
 * k.spawn('writer', async (sys) => {
 *   const shm = shmClient(sys);
 *   const o = await shm.shm_open('/board', O_CREAT | O_RDWR, 0o644);
 *   if (!o.ok) return;
 *   await shm.ftruncate(o.fd, 4096);
 *   const m = await shm.mmap(o.fd);
 *   if (m.ok) m.view[0] = 42; // every task that maps /board sees it
 * });
 * await k.run();
 */
import type { Spawner } from '../pipe/index.ts';
import { SHM_SERVICE } from './defs.ts';
import { shmServer } from './server.ts';

export { shmClient, type ShmClient, type ShmidDs, type ShmResult } from './client.ts';
export * from './defs.ts';
export { shmServer } from './server.ts';
export type { SegmentRow } from './segments.ts';

/**
 * Spawns the shared-memory server as a daemon task named `shm` (checked in as
 * `shm`). Returns its pid and name.
 */
export function startShm(k: Spawner): { pid: number; netname: string } {
  const { pid } = k.spawn('shm', shmServer, { daemon: true });
  return { pid, netname: SHM_SERVICE };
}
