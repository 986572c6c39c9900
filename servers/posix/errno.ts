/**
 * POSIX error numbers as xmach codes, and the open flags and mode bits the file
 * and pipe servers understand.
 *
 * An errno travels as a code like any Mach code, in the GNU Hurd's encoding:
 * `0x40000000 | n`, where n is the Linux errno number (ENOENT is 2, so its code
 * is 0x40000002). The high bit keeps them apart from Mach's codes (KERN_*,
 * MACH_*, MIG_*), so one `code` field can carry either; `errnoName(code)` names
 * both.
 *
 * @example
 * import { ENOENT, errnoName } from './errno.ts';
 * errnoName(ENOENT);  // 'ENOENT'
 * errnoName(0);       // 'KERN_SUCCESS'
 */
import { codeName } from '../../ports/codes.ts';

/** The Hurd's errno encoding: a code is this bit or'ed with the errno number. */
export const ERRNO_BASE = 0x40000000;

/** The errno numbers the servers answer with (Linux's numbers). */
export const ERRNO_NUMBERS = {
  EPERM: 1,
  ENOENT: 2,
  ENXIO: 6,
  EBADF: 9,
  EAGAIN: 11,
  EACCES: 13,
  EBUSY: 16,
  EEXIST: 17,
  EINVAL: 22,
  EMFILE: 24,
  ESPIPE: 29,
  EPIPE: 32,
  ENAMETOOLONG: 36,
} as const;

/** An errno's name. */
export type ErrnoName = keyof typeof ERRNO_NUMBERS;

/** Operation not permitted: unlinking or changing another owner's node (the sticky rule). */
export const EPERM = ERRNO_BASE | 1;
/** No such file: the path does not exist (and O_CREAT was not given). */
export const ENOENT = ERRNO_BASE | 2;
/** No reader: a non-blocking open of a FIFO for writing while no process has it open for reading. */
export const ENXIO = ERRNO_BASE | 6;
/** Bad descriptor: not open, out of range, or not open for this direction (read on a write end). */
export const EBADF = ERRNO_BASE | 9;
/** Try again: a non-blocking read of an empty pipe, or write to a full one. */
export const EAGAIN = ERRNO_BASE | 11;
/** Permission denied: the mode bits do not grant the access asked for. */
export const EACCES = ERRNO_BASE | 13;
/** Busy: a duplex named pipe whose two sides are both connected. */
export const EBUSY = ERRNO_BASE | 16;
/** Exists: O_CREAT | O_EXCL, mkfifo or create on a path that exists. */
export const EEXIST = ERRNO_BASE | 17;
/** Invalid argument: a bad path, mode, flag, size or capacity. */
export const EINVAL = ERRNO_BASE | 22;
/** Too many open files: no descriptor free below OPEN_MAX. */
export const EMFILE = ERRNO_BASE | 24;
/** Illegal seek (reserved: pipes cannot seek). */
export const ESPIPE = ERRNO_BASE | 29;
/** Broken pipe: a write on a pipe that no process has open for reading. */
export const EPIPE = ERRNO_BASE | 32;
/** File name too long: over PATH_MAX bytes, or a component over NAME_MAX. */
export const ENAMETOOLONG = ERRNO_BASE | 36;

const BY_CODE = new Map<number, ErrnoName>(Object.entries(ERRNO_NUMBERS).map(([name, n]) => [ERRNO_BASE | n, name as ErrnoName]));

/**
 * Names a code: an errno's name (`'EPIPE'`), otherwise the Mach name `codeName`
 * gives (`'KERN_SUCCESS'`, `'MIG_SERVER_DIED'`), otherwise the number.
 *
 * @example
 * errnoName(EPIPE); // 'EPIPE'
 */
export function errnoName(code: number): string {
  return BY_CODE.get(code) ?? codeName(code);
}

/** True when a code is an errno (rather than a Mach code). */
export function isErrno(code: number): boolean {
  return BY_CODE.has(code);
}

// --- open flags (Linux's values) --------------------------------------------------
export const O_RDONLY = 0;
export const O_WRONLY = 1;
export const O_RDWR = 2;
/** The access mode bits of the flags. */
export const O_ACCMODE = 3;
export const O_CREAT = 0o100;
export const O_EXCL = 0o200;
export const O_TRUNC = 0o1000;
export const O_APPEND = 0o2000;
export const O_NONBLOCK = 0o4000;
export const O_CLOEXEC = 0o2000000;

/** Every flag `open` understands; any other bit is EINVAL. */
export const O_KNOWN = O_ACCMODE | O_CREAT | O_EXCL | O_TRUNC | O_APPEND | O_NONBLOCK | O_CLOEXEC;

// --- mode bits ---------------------------------------------------------------------
export const S_IRUSR = 0o400;
export const S_IWUSR = 0o200;
export const S_IRGRP = 0o040;
export const S_IWGRP = 0o020;
export const S_IROTH = 0o004;
export const S_IWOTH = 0o002;

// --- limits ------------------------------------------------------------------------
/** Writes of at most this many bytes to a pipe are atomic (POSIX's minimum is 512; Linux's is 4096). */
export const PIPE_BUF = 4096;
/** A pipe's capacity when none is asked for: Linux's 16 pages. */
export const PIPE_CAPACITY = 65536;
/** Descriptors per process (fds 0 .. OPEN_MAX − 1). */
export const OPEN_MAX = 1024;
/** Longest path, in bytes. */
export const PATH_MAX = 4096;
/** Longest path component, in bytes. */
export const NAME_MAX = 255;
