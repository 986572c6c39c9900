/**
 * The shared-memory server's interface (base 4600), declared once as MIG's
 * `.defs` would, with the servers' `subsystem` (servers/posix/mig.ts): each
 * routine's id and arguments. The server dispatches on these ids; the client
 * stubs (`shmClient`) send them. A reply is `{ code, … }` with an errno code
 * (servers/posix/errno.ts: 0x40000000 | n, as the Hurd encodes them) or 0, and,
 * for `shm_open` and `shmat`, the region's send right beside it.
 */
import { subsystem } from '../posix/mig.ts';

export const SHM = subsystem(4600, {
  shm_open: { n: 0, args: [['name', 'string'], ['flags', 'int'], ['mode', 'int']] },
  shm_ftruncate: { n: 1, args: [['id', 'int'], ['size', 'int']] },
  shm_map: { n: 2, args: [['id', 'int'], ['writable', 'bool']] },
  shm_detach: { n: 3, args: [['id', 'int']] },
  shm_close: { n: 4, args: [['id', 'int']] },
  shm_unlink: { n: 5, args: [['name', 'string']] },
  shmget: { n: 6, args: [['key', 'int'], ['size', 'int'], ['flags', 'int']] },
  shmat: { n: 7, args: [['shmid', 'int'], ['readonly', 'bool']] },
  shmctl: { n: 8, args: [['shmid', 'int'], ['cmd', 'int']] },
  shm_list: { n: 9, args: [] },
});

/** The name the server checks in with the name service. */
export const SHM_SERVICE = 'shm';

// --- flags, with Linux's values (shm_open's O_* are the file servers') ----------------
export { O_CREAT, O_EXCL, O_RDONLY, O_RDWR, O_TRUNC } from '../posix/errno.ts';
/** mmap protection. */
export const PROT_READ = 1;
export const PROT_WRITE = 2;
/** System V: the key that always makes a new segment, and shmget's flags. */
export const IPC_PRIVATE = 0;
export const IPC_CREAT = 0o1000;
export const IPC_EXCL = 0o2000;
/** shmctl commands. */
export const IPC_RMID = 0;
export const IPC_STAT = 2;
/** shmat flag: attach read-only. */
export const SHM_RDONLY = 0o10000;

/** The largest segment (the kernel's largest region, 64 MiB). */
export const SHM_MAX = 64 * 1024 * 1024;
