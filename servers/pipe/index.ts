/**
 * The pipe server's entry: `startPipes(k)` runs it as a daemon task, and the
 * names a program or a test needs (the IO and PIPE interfaces, the channel rules).
 *
 * @example
 * const k = boot({ seed: 1 });
 * const pipes = startPipes(k, { capacity: 512 });   // a task named pipes, checked in as 'pipe'
 * // … tasks that use posix(sys) …
 * await k.run();
 * pipes.console.text();                              // what they wrote to fds 1 and 2
 */
import type { Sys } from '../../syscalls/sys.ts';
import type { Console } from './objects.ts';
import { PipeServer, type PipeServerOptions } from './server.ts';

export { ByteRing } from './ring.ts';
export { Channel, type Done, type ReadBody, type WriteBody } from './channel.ts';
export { IO, PIPE } from './defs.ts';
export { Console, type ConsoleRecord } from './objects.ts';
export { MAX_CAPACITY, PipeServer, type PipeServerOptions } from './server.ts';

/** What starts a server: a kernel (`boot()`'s), seen only through spawn. */
export interface Spawner {
  spawn(name: string, program: (sys: Sys) => unknown, options?: { daemon?: boolean }): { pid: number };
}

/** The host's view of a running pipe server. */
export interface PipeServerHandle {
  /** Its pid (it shows in ps and in the trace as `pipes`). */
  pid: number;
  /** The name it is checked in under. */
  netname: string;
  /** What processes wrote to fds 1 and 2. */
  console: Console;
  /** One line per pipe and FIFO: bytes held, ends open, who is blocked. */
  status(): string[];
}

/**
 * Spawns the pipe server as a daemon task named `pipes` (it checks in as
 * `opts.netname`, default 'pipe'; a daemon does not keep the run going). Call it
 * before the tasks that use pipes (they wait for it to check in anyway).
 * Returns the host's view. Throws RangeError on a bad capacity.
 */
export function startPipes(k: Spawner, opts: PipeServerOptions = {}): PipeServerHandle {
  const server = new PipeServer(opts);
  const { pid } = k.spawn('pipes', (sys) => server.run(sys), { daemon: true });
  return { pid, netname: server.netname, console: server.console, status: () => server.status() };
}
