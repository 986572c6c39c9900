/**
 * Pipes and descriptors, the microkernel way: the entry of the POSIX part.
 * `startPosix(k)` starts the file server and the pipe server (daemon tasks:
 * `fs` and `pipes` in ps); a program calls `posix(sys)` for its descriptor
 * table and the calls on it.
 *
 * @example
 * import { boot } from '../../index.ts';
 * import { posix, startPosix } from './index.ts';
 * const k = boot({ seed: 1 });
 * const { pipes } = startPosix(k);
 * k.spawn('hello', async (sys) => {
 *   const io = await posix(sys);
 *   await io.write(1, 'hello\n');
 * });
 * await k.run();
 * pipes.console.text(); // 'hello\n'
 */
import { startFs, type FsServerHandle, type FsServerOptions } from '../fs/index.ts';
import { startPipes, type PipeServerHandle, type PipeServerOptions, type Spawner } from '../pipe/index.ts';

export * from './errno.ts';
export { posix, Posix, ReadResult, F_GETFD, F_GETFL, F_SETFD, F_SETFL, FD_CLOEXEC, POSIX_ARGS, type PosixOptions, type PosixState } from './posix.ts';
export { FdTable, type Desc, type Fd, type TableData } from './table.ts';
export { subsystem, serveSet, callOn, DEFER, type Answer, type Request } from './mig.ts';
export { startFs, fsClient, FsClient, type FsServerHandle, type Stat } from '../fs/index.ts';
export { startPipes, ByteRing, Channel, type PipeServerHandle, type Spawner } from '../pipe/index.ts';

/**
 * Starts both servers (file server first, then pipe server) as daemon tasks.
 * Returns their host views.
 */
export function startPosix(k: Spawner, opts: { fs?: FsServerOptions; pipes?: PipeServerOptions } = {}): { fs: FsServerHandle; pipes: PipeServerHandle } {
  const fs = startFs(k, opts.fs);
  const pipes = startPipes(k, opts.pipes);
  return { fs, pipes };
}
