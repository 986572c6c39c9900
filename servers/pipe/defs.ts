/**
 * The pipe server's interfaces, declared as MIG tables (see `servers/posix/mig.ts`).
 *
 * - `IO` (base 21000, the GNU Hurd's io.defs base): what an open descriptor's
 *   port answers. Every pipe end, FIFO end, duplex side and console stream is a
 *   port of the pipe server's; a descriptor is a send right to one of them.
 * - `PIPE` (base 21500): on the server's service port (checked in as `pipe`):
 *   make a pipe, a FIFO object, the console's three streams; and on a FIFO
 *   object's port: open it.
 *
 * Bytes travel as `Uint8Array` in message bodies (copied, as every body is).
 *
 * @example
 * import { IO, PIPE } from './defs.ts';
 * await sys.call(pipeServer, PIPE.pipe_create.id, { capacity: 512 }); // ports: [read end, write end]
 * await sys.call(readEnd, IO.io_read.id, { n: 100 });                  // { code, data }
 */
import { subsystem } from '../posix/mig.ts';

/** Reading, writing and describing an open stream (a pipe end, a FIFO end, a duplex side, the console). */
export const IO = subsystem(21000, {
  /** `{ data: Uint8Array, nonblock? }` → `{ code, n }`. EPIPE, EAGAIN, EBADF (a read end, the console's input). */
  io_write: { n: 0, args: [['data', 'bytes'], ['nonblock', 'bool?']] },
  /** `{ n, nonblock? }` → `{ code, data, eof?, more? }`. EAGAIN, EBADF (a write end), EINVAL (n not a whole number). */
  io_read: { n: 1, args: [['n', 'int'], ['nonblock', 'bool?']] },
  /** `{}` → `{ code, kind, id, label, buffered, capacity, pipeBuf }` (fstat, for a pipe). */
  io_stat: { n: 2, args: [] },
});

/** Making pipes and FIFO objects, opening FIFOs, and the console (on the service port, or a FIFO object's port). */
export const PIPE = subsystem(21500, {
  /** `{ capacity? }` → `{ code, id, pipeBuf }`, rights [read end, write end]. EINVAL (capacity). */
  pipe_create: { n: 0, args: [['capacity', 'int?']] },
  /** `{ capacity?, duplex?, label? }` → `{ code, id }`, right [the FIFO object]. EINVAL. */
  fifo_create: { n: 1, args: [['capacity', 'int?'], ['duplex', 'bool?'], ['label', 'string?']] },
  /**
   * On a FIFO object's port: `{ flags }` → `{ code, id, label, access }`, right [the end or side].
   * Blocks until the other side opens (unless O_NONBLOCK). ENXIO, EBUSY, EINVAL.
   */
  fifo_open: { n: 2, args: [['flags', 'int']] },
  /** `{}` → `{ code }`, rights [console in, console out, console err]: fds 0, 1, 2 of a fresh process. */
  console_open: { n: 3, args: [] },
});
