/**
 * The file server's interface, declared as a MIG table (`servers/posix/mig.ts`):
 * `FS` (base 20000, the GNU Hurd's fs.defs base), on the server's port (checked
 * in as `fs`). An open regular file is a port of the file server's that answers
 * the pipe server's `IO` routines (io_read, io_write, io_stat), so a descriptor
 * is a send right whichever server is behind it.
 *
 * @example
 * import { FS } from './defs.ts';
 * const r = await sys.call(fs, FS.fs_stat.id, { path: '/tmp/key' }); // { code, stat }
 */
import { subsystem } from '../posix/mig.ts';

export const FS = subsystem(20000, {
  /**
   * `{ path, type, mode }` and, for a node that stands for an object (a FIFO), a send
   * right → `{ code, stat }`. EEXIST, EINVAL (path, type, mode; a fifo without its
   * object), ENAMETOOLONG.
   */
  fs_create: { n: 0, args: [['path', 'string'], ['type', 'string'], ['mode', 'int']] },
  /** `{ path }` → `{ code, stat }`. ENOENT, EINVAL. */
  fs_stat: { n: 1, args: [['path', 'string']] },
  /** `{ path }` → `{ code }`. ENOENT, EPERM (another owner's node: the sticky rule of /tmp), EINVAL. */
  fs_unlink: { n: 2, args: [['path', 'string']] },
  /** `{ path }` → `{ code, exists }` (never an error for a well-formed path). */
  fs_exists: { n: 3, args: [['path', 'string']] },
  /**
   * `{ path, flags, mode }` → `{ code, stat }` and a right: an open file's port (a
   * regular file), or a copy of the node's object (a FIFO: open it at the pipe
   * server). ENOENT, EEXIST (O_CREAT | O_EXCL), EACCES, EINVAL.
   */
  fs_open: { n: 4, args: [['path', 'string'], ['flags', 'int'], ['mode', 'int?']] },
  /** `{ path, mode }` → `{ code }`. ENOENT, EPERM (not the owner), EINVAL. */
  fs_chmod: { n: 5, args: [['path', 'string'], ['mode', 'int']] },
  /** `{ prefix? }` → `{ code, paths }`: every path that starts with prefix, sorted. */
  fs_list: { n: 6, args: [['prefix', 'string?']] },
});
